/**
 * Bad input from the network: 10,000 random and mutated envelopes published onto a node's
 * subject. The node must not crash, and every envelope must be accounted for: dropped and
 * counted by cause, a dead letter, or (for the well-formed ones) delivered.
 */
import { connect } from '@nats-io/transport-node';
import { type ActorSystem, createActorSystem, defineActor } from '@troupe/core';
import { mulberry32 } from '@troupe/core/testing';
import { Packr } from 'msgpackr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nats } from '../../src/index.js';
import { type NatsServer, startNatsServer } from '../../src/testing.js';

/** A seeded PRNG (mulberry32), so a failing run can be reproduced. */
const rng = mulberry32;

let server: NatsServer;
let system: ActorSystem;
beforeAll(async () => {
  server = await startNatsServer();
});
afterAll(async () => {
  await system?.shutdown();
  await server?.kill();
});

describe('fuzzing the wire', () => {
  it('drops and counts 10,000 random and mutated envelopes by cause, and keeps working', async () => {
    let delivered = 0;
    const Sink = defineActor<unknown, undefined, void, string>({
      name: 'fuzz.sink',
      receive(ctx, _s, m) {
        delivered++;
        if (ctx.isAsk && m === 'ping') ctx.reply('pong');
      },
    });
    system = await createActorSystem({
      name: 'fuzz',
      catalog: [Sink],
      transports: [nats({ servers: server.url })],
    });
    system.spawn(Sink, undefined, { name: 'sink' });
    const me = system.nodeId;
    const pk = new Packr({ structuredClone: true, useRecords: false });
    const random = rng(20261125);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
    const junk = (): unknown =>
      pick<() => unknown>([
        () => Math.floor(random() * 1e9) - 5e8,
        () => 'x'.repeat(Math.floor(random() * 40)),
        () => null,
        () => [1, 'two', { three: 3 }],
        () => ({
          $ref: pick([
            'troupe://fuzz/ghost-node/user/x',
            'troupe://other/n/user/y',
            'not an address',
            '../../x',
          ]),
        }),
        () => new Uint8Array(Math.floor(random() * 16)),
      ])();
    const sender = 'fuzzer';
    // A valid link header, each of a new session (seq 1): the records behind it reach the runtime.
    let session = 1;
    const frame = () => [9, session++, 1, 0, 0];
    const kinds: [string, () => Uint8Array][] = [
      [
        'random bytes',
        () => Uint8Array.from({ length: Math.floor(random() * 200) }, () => Math.floor(random() * 256)),
      ],
      [
        'truncated',
        () => {
          const b = pk.pack([1, sender, me, [1, 'user/sink', { long: 'x'.repeat(50) }]]);
          return b.subarray(0, 1 + Math.floor(random() * (b.length - 2)));
        },
      ],
      ['wrong version', () => pk.pack([pick([0, 2, 99, '1', null]), sender, me, [1, 'user/sink', 'hi']])],
      ['huge length', () => Uint8Array.from([0xdd, 0x7f, 0xff, 0xff, 0xff, 0x01])],
      [
        'wrong types',
        () => pk.pack(pick([[1, 42, me, []], [1, sender, me, 'not a batch'], { v: 1 }, [1, sender], 'text'])),
      ],
      ['no link header', () => pk.pack([1, sender, me, [1, 'user/sink', 'hi']])],
      [
        'bad link header',
        () =>
          pk.pack([
            1,
            sender,
            me,
            pick<unknown[]>([
              [9, 'one', 1, 0, 0, 1, 'user/sink', 'hi'],
              [9, 2 ** 52, 1, 0, 0, 1, 'user/sink', 'hi'],
              [9, 5, 1.5, 0, 0],
              [9, 0, 0, 0, 0, 1, 'user/sink', 'hi'],
              [9, 5],
            ]),
          ]),
      ],
      ['bad node ids', () => pk.pack([1, pick(['../../x', 'a.b.c', '', 'x*']), me, [1, 'user/sink', 'hi']])],
      ['not ours', () => pk.pack([1, sender, pick(['someone-else', `${me}.t9`]), [1, 'user/sink', 'hi']])],
      [
        'bad records',
        () => pk.pack([1, sender, me, [...frame(), pick([0, 9, 42, -1, 'x']), junk(), junk()]]),
      ],
      [
        'tell to nowhere',
        () =>
          pk.pack([
            1,
            sender,
            me,
            [...frame(), 1, pick(['user/nobody', '../../x', 'user/../x', 'user/sink/child']), junk()],
          ]),
      ],
      [
        'refs to ghosts',
        () =>
          pk.pack([
            1,
            sender,
            me,
            [...frame(), 2, 'user/sink', { to: { $ref: 'troupe://fuzz/ghost-node/user/x' }, n: junk() }],
          ]),
      ],
      [
        'unmatched replies',
        () => pk.pack([1, sender, me, [...frame(), pick([5, 6, 7]), Math.floor(random() * 1e6), junk()]]),
      ],
      [
        'spawn unknown behaviour',
        () =>
          pk.pack([
            1,
            sender,
            me,
            [
              ...frame(),
              8,
              {
                c: 'spawn',
                parent: `troupe://fuzz/${sender}/user/p`,
                restartCount: 0,
                spec: {
                  behaviour: pick(['evil', 'fs.rm', '__proto__']),
                  args: null,
                  argsHaveRefs: false,
                  name: 'x',
                  path: 'user/p/x',
                  mailbox: {},
                  restart: 'transient',
                },
              },
            ],
          ]),
      ],
      [
        'spawn bad path',
        () =>
          pk.pack([
            1,
            sender,
            me,
            [
              ...frame(),
              8,
              {
                c: 'spawn',
                parent: 'x',
                restartCount: 0,
                spec: {
                  behaviour: 'fuzz.sink',
                  name: '../x',
                  path: pick(['../../x', '', '/etc/passwd']),
                  mailbox: null,
                },
              },
            ],
          ]),
      ],
      [
        'foreign controls',
        () =>
          pk.pack([
            1,
            sender,
            me,
            [
              ...frame(),
              8,
              pick<unknown>([
                { c: 'directive', path: 'user/sink', d: 'stop' },
                { c: 'node-down', node: me, reason: 'node-lost', detail: 'lies' },
                { c: 'failed', parent: 'user/sink', child: 'x', error: {} },
                { c: 'unwatch', target: 'user/nobody', watcher: 'x' },
                { c: 'terminated', target: 'troupe://fuzz/x/user/y', watcher: 'x', reason: 'stopped' },
                { c: 'nonsense' },
                { nope: true },
              ]),
            ],
          ]),
      ],
    ];
    const nc = await connect({ servers: server.url });
    const subject = `troupe.fuzz.node.${me}`;
    const sentByKind: Record<string, number> = {};
    const warn = console.warn;
    console.warn = () => {};
    try {
      for (let i = 0; i < 10_000; i++) {
        const [name, make] = pick(kinds);
        sentByKind[name] = (sentByKind[name] ?? 0) + 1;
        nc.publish(subject, make());
        if (i % 500 === 0) await nc.flush();
      }
      // Membership garbage too: it must not make up nodes.
      nc.publish(
        'troupe.fuzz.members',
        new TextEncoder().encode('{"v":1,"kind":"beat","node":"x.y","threads":[],"catalog":[]}'),
      );
      await nc.flush();
      const accounted = () => {
        const s = system.stats();
        return Object.values(s.droppedByCause).reduce((a, b) => a + b, 0) + s.deadLetters + delivered;
      };
      await expect.poll(accounted, { timeout: 20_000, interval: 100 }).toBeGreaterThanOrEqual(10_001);
    } finally {
      console.warn = warn;
      await nc.close();
    }
    const stats = system.stats();
    // Every envelope is accounted for exactly once (the refs-to-ghosts ones are well-formed: delivered).
    expect(
      Object.values(stats.droppedByCause).reduce((a, b) => a + b, 0) + stats.deadLetters + delivered,
    ).toBe(10_001);
    expect(delivered).toBe(sentByKind['refs to ghosts']);
    expect(Object.keys(stats.droppedByCause).sort()).toEqual(
      expect.arrayContaining([
        'undecodable',
        'unknown-version',
        'malformed-envelope',
        'unroutable',
        'malformed-record',
        'unknown-behaviour',
        'malformed-spawn',
        'forbidden-control',
        'unmatched-reply',
        'malformed-membership',
        'unframed',
        'malformed-link-header',
      ]),
    );
    expect(stats.deadLettersByReason['no-such-actor']).toBe(sentByKind['tell to nowhere']);
    // Still alive and working; no node was invented; the sink was not stopped by a forged directive.
    expect(await system.lookup<string, string>('sink')!.ask('ping')).toBe('pong');
    expect(system.nodes()).toHaveLength(1);
  });
});
