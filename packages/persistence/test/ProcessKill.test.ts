/**
 * Durability against a real crash: a child process deposits into a persistent account on a
 * SQLite file, printing every acknowledged balance, and is SIGKILLed mid-write. Every
 * acknowledged deposit is in the file, the journal is whole, and the account recovers to it.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ActorSystem, createActorSystem } from '@troupe/core';
import { afterEach, describe, expect, it } from 'vitest';
import { durableState, eventSourced, SqliteStore } from '../src/index.js';

const writer = new URL('./fixtures/writer.mjs', import.meta.url).pathname;
let system: ActorSystem | undefined;
afterEach(async () => {
  await system?.shutdown();
  system = undefined;
});

/** Run the writer until it has printed `acks` acknowledgements, SIGKILL it, return the highest. */
async function killMidWrite(file: string, kind: string, acks: number): Promise<number> {
  const child = spawn(process.execPath, [writer, file, kind], { stdio: ['ignore', 'pipe', 'inherit'] });
  let highest = 0;
  let seen = 0;
  let buffer = '';
  await new Promise<void>((resolve, reject) => {
    child.on('exit', (code) => reject(new Error(`the writer exited early (${code})`)));
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      for (const l of lines) {
        const n = Number(l.split(' ')[1]);
        highest = Math.max(highest, n);
        seen++;
      }
      if (seen >= acks) {
        child.removeAllListeners('exit');
        child.kill('SIGKILL');
        child.on('exit', () => resolve());
      }
    });
  });
  return highest;
}

describe('a process SIGKILLed mid-write', () => {
  it('loses no acknowledged event of an event-sourced actor', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'troupe-kill-')), 'j.db');
    const acked = await killMidWrite(file, 'ledger', 2000);
    const store = new SqliteStore({ path: file });
    const last = await store.journal.lastSeq('acct');
    expect(last).toBeGreaterThanOrEqual(acked);
    let seq = 0;
    for await (const e of store.journal.read('acct', 1)) {
      expect(e.seq).toBe(++seq);
      expect(e.event).toEqual({ amount: 1 });
    }
    expect(seq).toBe(last);
    system = await createActorSystem({ name: 'after-kill' });
    const acct = system.spawn(
      eventSourced<{ type: string }, number, { amount: number }, void, number>({
        name: 'kill.account',
        store,
        persistenceId: () => 'acct',
        initial: 0,
        apply: (n, e) => n + e.amount,
        command: (ctx, n) => ctx.reply(n),
      }),
    );
    expect(await acct.ask({ type: 'balance' })).toBe(last);
    console.log(`event-sourced: ${acked} acknowledged before the kill, ${last} in the journal`);
  });

  it('loses no acknowledged change of a durable-state actor', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'troupe-kill-')), 'j.db');
    const acked = await killMidWrite(file, 'durable', 2000);
    const store = new SqliteStore({ path: file });
    system = await createActorSystem({ name: 'after-kill-ds' });
    const acct = system.spawn(
      durableState<{ type: string }, { balance: number }, void, number>({
        name: 'kill.account',
        store,
        persistenceId: () => 'acct',
        initial: { balance: 0 },
        receive(ctx, s) {
          ctx.reply(s.balance);
          return s;
        },
      }),
    );
    const balance = await acct.ask({ type: 'balance' });
    expect(balance).toBeGreaterThanOrEqual(acked);
    expect(await store.journal.lastSeq('acct')).toBe(balance);
    console.log(`durable state: ${acked} acknowledged before the kill, ${balance} saved`);
  });
});
