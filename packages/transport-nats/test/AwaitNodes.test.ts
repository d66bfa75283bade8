import { type ActorSystem, createActorSystem } from '@troupe/core';
import { describe, expect, it } from 'vitest';
import { awaitNodes, nats } from '../src/index.js';
import { natsTestbed } from './testbed.js';

const fast = { heartbeatMs: 100, downAfterMs: 800 } as const;

const bed = natsTestbed();

async function system(name: string): Promise<ActorSystem> {
  return bed.track(
    await createActorSystem({ name, transports: [nats({ servers: bed.server.url, ...fast })] }),
  );
}

describe('awaitNodes', () => {
  it('resolves with the nodes once enough have joined', async () => {
    const a = await system('enough');
    const b = await system('enough');
    const nodes = await awaitNodes(a, 2, 3000);
    expect(nodes.map((n) => n.id).sort()).toEqual([a.nodeId, b.nodeId].sort());
  });

  it('names the system whose nodes are on the server when the name differs (Lab vs lab)', async () => {
    const lab1 = await system('lab');
    const lab2 = await system('lab');
    const program = await system('Lab');
    const err = (await awaitNodes(program, 2, 1000).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toMatch(/^only 1 of 2 nodes of system 'Lab' joined within 1000 ms \(seen: /);
    expect(err.message).toMatch(
      /nodes of system 'lab' \(2: .*\) are on this NATS server; did you mean system 'lab' \(createActorSystem\(\{ name: 'lab' \}\), troupe node --system lab\)\?/,
    );
    expect(err.message).toContain(lab1.nodeId);
    expect(err.message).toContain(lab2.nodeId);
  });

  it('names every other system it heard when none is an obvious match', async () => {
    await system('shop');
    await system('farm');
    const program = await system('ring');
    const err = (await awaitNodes(program, 3, 1000).catch((e: unknown) => e)) as Error;
    expect(err.message).toMatch(
      /nodes of other systems are on this NATS server: 'farm' \(1: .*\), 'shop' \(1: .*\)/,
    );
    expect(err.message).toMatch(/did you mean one of them/);
  });

  it('says that no node of any system was heard, and what to check, when the server is quiet', async () => {
    const program = await system('alone');
    const err = (await awaitNodes(program, 2, 1000).catch((e: unknown) => e)) as Error;
    expect(err.message).toMatch(/^only 1 of 2 nodes of system 'alone' joined within 1000 ms/);
    expect(err.message).toMatch(/no node of any other system was heard on this NATS server either/);
    expect(err.message).toMatch(/troupe node --system alone/);
  });
});
