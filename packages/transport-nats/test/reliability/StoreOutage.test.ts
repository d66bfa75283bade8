/**
 * A store outage with real processes: the nats-server that holds the JetStream journal is
 * SIGKILLed while deposits flow into an event-sourced account. Deposits fail clearly while it is
 * down (nothing is acknowledged without the store), the account's supervisor restarts it with
 * backoff, and when the server is back the account recovers every acknowledged deposit and goes on.
 */
import { type ActorRef, type ActorSystem, createActorSystem } from '@troupe/core';
import { afterEach, describe, expect, it } from 'vitest';
import { type NatsServer, startNatsServer } from '../../src/testing.js';

const catalog = new URL('../fixtures/ledgerCatalog.mjs', import.meta.url).pathname;
let system: ActorSystem | undefined;
let server: NatsServer | undefined;
afterEach(async () => {
  await system?.shutdown();
  await server?.stop();
  system = undefined;
  server = undefined;
});

type LedgerMsg = { type: 'add'; amount: number } | { type: 'total' };

describe('the journal store goes away', () => {
  it('a JetStream server SIGKILLed mid-traffic: deposits fail clearly, every acknowledged one is kept, the account recovers', async () => {
    server = await startNatsServer({ args: ['-js'], storeDir: true });
    process.env.TROUPE_TEST_JS = server.url;
    process.env.TROUPE_TEST_STREAM = 'OUTAGE';
    system = await createActorSystem({ name: 'outage', catalog: [new URL(`file://${catalog}`)] });
    const keeper = system.spawn<unknown, unknown, void, ActorRef<LedgerMsg, number>>(
      'test.keeper',
      undefined,
      { name: 'keeper' },
    );
    const ledger = await keeper.ask({});
    let acked = 0;
    let failed = 0;
    const errors = new Set<string>();
    let killed = false;
    const started = Date.now();
    let sample = '';
    for (let i = 1; acked < 400 && Date.now() - started < 30_000; i++) {
      if (i === 150 && !killed) {
        killed = true;
        await server.kill('SIGKILL');
        setTimeout(() => void server!.restart(), 2000);
      }
      try {
        await ledger.ask({ type: 'add', amount: 1 }, { timeoutMs: 3000 });
        acked++;
      } catch (e) {
        failed++;
        errors.add((e as Error).name);
        sample ||= (e as Error).message;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    expect(killed).toBe(true);
    expect(failed).toBeGreaterThan(0);
    const total = await ledger.ask({ type: 'total' }, { timeoutMs: 5000 });
    expect(total).toBeGreaterThanOrEqual(acked);
    expect(total).toBeLessThanOrEqual(acked + failed);
    console.log(
      `[persistence] store outage: ${acked} acknowledged, ${failed} failed (${[...errors].join(', ')}), ${total} in the journal after the server came back; first failure: ${sample}`,
    );
  });
});
