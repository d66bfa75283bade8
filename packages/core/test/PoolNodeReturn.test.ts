/**
 * A node declared down and then heard again (a partition healed, a frozen process resumed) gets
 * work again: a pool's routee pinned to it, stopped for good when the node went down, is started
 * there again when it comes back.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type ActorSystem, createActorSystem } from '../src/index.js';
import { createInMemoryNetwork } from '../src/testing/index.js';
import { Echo, type Where } from './contract/behaviours.js';

const systems: ActorSystem[] = [];
afterEach(async () => {
  for (const s of systems.splice(0)) await s.shutdown();
});

async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('a pool over pinned nodes', () => {
  it('starts the routee of a node that was down again when the node comes back, and routes to it', async () => {
    const net = createInMemoryNetwork({ seed: 7, downAfterMs: 50 });
    const [a, b, c] = await Promise.all(
      ['a', 'b', 'c'].map((nodeId) =>
        createActorSystem({ name: 'back', nodeId, catalog: [Echo], transports: [net.transport()] }),
      ),
    );
    systems.push(a!, b!, c!);
    await until(() => a!.nodes().length === 3, 'the nodes to meet');
    const events: string[] = [];
    a!.events.on('node', (e) => events.push(`${e.event}:${e.node}`));
    const pool = a!.spawnPool(Echo, undefined, {
      routing: 'balancing',
      credit: 1, // as the farm: one task per routee at a time, so many asks reach every routee
      placements: [{ node: 'b' }, { node: 'c' }],
      size: 2,
    });
    // Many asks at once, so a balancing pool spreads them over every routee with credit.
    const served = async (n: number) => {
      const answers = await Promise.all(Array.from({ length: n }, () => pool.ask({ type: 'where' })));
      return new Set(answers.map((w) => (w as Where).node));
    };
    expect(await served(20)).toEqual(new Set(['b', 'c']));

    net.partition(['a', 'c'], ['b']);
    await until(() => events.includes('down:b'), 'b to be declared down');
    await until(() => pool.stats().routees === 1, 'the routee on b to stop');
    expect(await served(10)).toEqual(new Set(['c']));

    net.heal();
    await until(() => events.includes('up:b'), 'b to be heard again');
    await until(() => pool.stats().routees === 2, 'a routee on b again');
    await until(async () => (await served(20)).has('b'), 'b to serve again');
  });
});
