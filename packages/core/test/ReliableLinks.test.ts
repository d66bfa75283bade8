/**
 * Reliable links on their own: two nodes' link layers joined by a wire that drops, duplicates,
 * delays and reorders batches on seeded schedules and loses everything in flight at random
 * reconnects. Whatever the schedule, each side delivers every batch the other sent exactly once
 * and in order, and the resend buffers empty.
 */
import { describe, expect, it } from 'vitest';
import { EventStream, type LinkEvent } from '../src/index.js';
import { ManualClock, mulberry32 } from '../src/testing/index.js';
import { type LinkWire, ReliableLinks } from '../src/transport/ReliableLinks.js';

interface Flight {
  at: number;
  order: number;
  to: 'a' | 'b';
  from: string;
  dest: string;
  frame: unknown[];
  connection: number;
}

interface Schedule {
  readonly drop: number;
  readonly duplicate: number;
  readonly reorder: number;
  readonly reconnectEvery: number;
}

/** Two link layers, `a` (runtimes `A`, `A.t0`) and `b` (runtime `B`), on a faulty wire. */
function pair(seed: number, s: Schedule) {
  const clock = new ManualClock(1_000);
  const random = mulberry32(seed);
  const flights: Flight[] = [];
  let order = 0;
  let connection = 0;
  const last = { a: 0, b: 0 };
  const received = new Map<string, number[]>();
  const drops: string[] = [];
  const events = new EventStream();
  const linkEvents: LinkEvent[] = [];
  events.on('link', (e) => linkEvents.push(e));
  const wire = (side: 'a' | 'b'): LinkWire => ({
    clock,
    events,
    send(from, dest, frame) {
      const copy = structuredClone(frame);
      if (random() < s.drop) return;
      const copies = random() < s.duplicate ? 2 : 1;
      for (let i = 0; i < copies; i++) {
        // In order on one connection (as NATS is), unless this one is held back to be reordered.
        let at = Math.max(clock.now() + 1 + random() * 3, last[side]);
        last[side] = at;
        if (random() < s.reorder) at += 5 + random() * 20;
        flights.push({
          at,
          order: order++,
          to: side === 'a' ? 'b' : 'a',
          from,
          dest,
          frame: copy,
          connection,
        });
      }
    },
    deliver(from, to, batch, start) {
      const k = `${from}>${to}`;
      if (!received.has(k)) received.set(k, []);
      received.get(k)!.push(batch[start] as number);
    },
    dropped: (cause) => drops.push(cause),
  });
  const options = { resendAfterMs: 40, ackDelayMs: 2, stuckAfterMs: 10_000 };
  const a = new ReliableLinks(wire('a'), options);
  const b = new ReliableLinks(wire('b'), options);
  /** Advance time by `ms`, delivering what falls due in time order. */
  const run = (ms: number) => {
    const end = clock.now() + ms;
    while (clock.now() < end) {
      flights.sort((x, y) => x.at - y.at || x.order - y.order);
      const next = Math.min(end, flights[0]?.at ?? end, clock.nextDue() ?? end);
      clock.advance(Math.max(0, next - clock.now()));
      while (flights.length > 0 && flights[0]!.at <= clock.now()) {
        const f = flights.shift()!;
        if (f.connection !== connection) continue; // lost in a reconnect
        (f.to === 'a' ? a : b).receive(f.from, f.dest, f.frame);
      }
    }
  };
  const reconnect = () => {
    connection++;
    (random() < 0.5 ? a : b).reconnected();
  };
  return { clock, a, b, run, reconnect, received, drops, linkEvents, random };
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

function exercise(seed: number, s: Schedule) {
  const p = pair(seed, s);
  const n = 60;
  let sent = 0;
  for (let i = 1; i <= n; i++) {
    p.a.send('A', 'B', [i]);
    p.a.send('A.t0', 'B', [i]);
    if (i % 2 === 0) p.b.send('B', 'A', [i / 2]);
    sent++;
    p.run(1 + Math.floor(p.random() * 3));
    if (s.reconnectEvery > 0 && i % s.reconnectEvery === 0) p.reconnect();
  }
  // With half of everything dropped both ways, a batch and its ack both get through one resend
  // in four, and resends back off to every 8 s: give the last ones time.
  p.run(300_000);
  return { ...p, sent };
}

describe('reliable links', () => {
  it('deliver each batch once and in order when the wire is perfect, and empty their buffers', () => {
    const p = exercise(1, { drop: 0, duplicate: 0, reorder: 0, reconnectEvery: 0 });
    expect(p.received.get('A>B')).toEqual(range(60));
    expect(p.received.get('A.t0>B')).toEqual(range(60));
    expect(p.received.get('B>A')).toEqual(range(30));
    expect(p.a.stats()).toMatchObject({ unackedBatches: 0, resentBatches: 0, duplicatesDropped: 0 });
    expect(p.b.stats().unackedBatches).toBe(0);
    expect(p.drops).toEqual([]);
  });

  it('deliver each batch once and in order under 300 seeded schedules of drops, duplicates, reordering and reconnects', () => {
    const schedules: Schedule[] = [
      { drop: 0.2, duplicate: 0, reorder: 0, reconnectEvery: 0 },
      { drop: 0, duplicate: 0.3, reorder: 0.3, reconnectEvery: 0 },
      { drop: 0.1, duplicate: 0.1, reorder: 0.2, reconnectEvery: 15 },
      { drop: 0.5, duplicate: 0.2, reorder: 0.2, reconnectEvery: 7 },
    ];
    let resent = 0;
    let duplicates = 0;
    for (let seed = 1; seed <= 75; seed++) {
      for (const s of schedules) {
        const p = exercise(seed, s);
        const why = `seed ${seed}, ${JSON.stringify(s)}`;
        expect(p.received.get('A>B'), why).toEqual(range(60));
        expect(p.received.get('A.t0>B'), why).toEqual(range(60));
        expect(p.received.get('B>A'), why).toEqual(range(30));
        expect(p.a.stats().unackedBatches, why).toBe(0);
        expect(p.b.stats().unackedBatches, why).toBe(0);
        resent += p.a.stats().resentBatches + p.b.stats().resentBatches;
        duplicates += p.a.stats().duplicatesDropped + p.b.stats().duplicatesDropped;
        p.a.close();
        p.b.close();
      }
    }
    // The faults happened and were repaired (not a perfect wire by accident).
    expect(resent).toBeGreaterThan(1000);
    expect(duplicates).toBeGreaterThan(1000);
  });

  it('report a link stuck while nothing is acknowledged, and recovered when acks resume', () => {
    const p = pair(3, { drop: 1, duplicate: 0, reorder: 0, reconnectEvery: 0 });
    const a = new ReliableLinks(
      {
        clock: p.clock,
        events: (p.a as unknown as { wire: LinkWire }).wire.events,
        send: () => undefined, // the server is gone: nothing arrives
        deliver: () => undefined,
        dropped: () => undefined,
      },
      { stuckAfterMs: 300, resendAfterMs: 50 },
    );
    a.send('A', 'B', [1]);
    p.clock.advance(200);
    expect(p.linkEvents).toEqual([]);
    p.clock.advance(200);
    expect(p.linkEvents).toEqual([
      expect.objectContaining({ kind: 'link', from: 'A', to: 'B', event: 'stuck', unackedBatches: 1 }),
    ]);
    expect(a.stats()).toMatchObject({ stuckLinks: 1, stuckEvents: 1, unackedBatches: 1 });
    expect(a.stats().resentBatches).toBeGreaterThan(0);
    // B's ack arrives (session of A's link read off what A sent).
    const session = (a as unknown as { outs: { get(a: string, b: string): { session: number } } }).outs.get(
      'A',
      'B',
    ).session;
    a.receive('B', 'A', [9, 0, 0, session, 1]);
    expect(p.linkEvents.at(-1)).toMatchObject({ event: 'recovered', from: 'A', to: 'B', unackedBatches: 0 });
    expect(a.stats()).toMatchObject({ stuckLinks: 0, unackedBatches: 0 });
    a.close();
  });

  it('refuse a batch when the resend buffer is full, with an error that names the bound and the fix', () => {
    const p = pair(4, { drop: 1, duplicate: 0, reorder: 0, reconnectEvery: 0 });
    const a = new ReliableLinks(
      {
        clock: p.clock,
        events: new EventStream(),
        send: () => undefined,
        deliver: () => undefined,
        dropped: () => undefined,
      },
      { maxUnackedBatches: 3 },
    );
    for (let i = 0; i < 3; i++) a.send('A', 'B', [i]);
    expect(() => a.send('A', 'B', [3])).toThrow(
      /link to B has 3 batches not acknowledged.*maxUnackedBatches/,
    );
    expect(a.stats()).toMatchObject({ unackedBatches: 3, refusedFull: 1 });
    a.close();
  });

  it('give a batch back as it was when the transport refuses it (the frame is a copy)', () => {
    const p = pair(6, { drop: 0, duplicate: 0, reorder: 0, reconnectEvery: 0 });
    const a = new ReliableLinks(
      {
        clock: p.clock,
        events: new EventStream(),
        send: () => {
          throw new Error('too large');
        },
        deliver: () => undefined,
        dropped: () => undefined,
      },
      undefined,
    );
    const batch = [1, 'user/a', 'x'];
    expect(() => a.send('A', 'B', batch)).toThrow('too large');
    expect(batch).toEqual([1, 'user/a', 'x']);
    expect(a.stats().unackedBatches).toBe(0);
    a.close();
  });

  it('end the sessions of a node declared down: a late batch gets a reset, and the sender goes on in a new session without loss or duplicates', () => {
    const p = pair(5, { drop: 0, duplicate: 0, reorder: 0, reconnectEvery: 0 });
    p.a.send('A', 'B', [1]);
    p.run(20);
    // B declares A down (A was frozen); A, not knowing, sends more.
    p.b.nodeDown('A');
    p.a.send('A', 'B', [2]);
    p.a.send('A', 'B', [3]);
    p.run(200);
    expect(p.received.get('A>B')).toEqual([1, 2, 3]);
    expect(p.a.stats().unackedBatches).toBe(0);
    // And when A declares B down, what B had not acknowledged is dropped, not sent for ever.
    p.b.send('B', 'A', [1]);
    p.a.nodeDown('B');
    p.b.nodeDown('A');
    expect(p.b.stats()).toMatchObject({ unackedBatches: 0, lostOnDown: 1 });
  });

  it('drop what it cannot read and count it by cause', () => {
    const p = pair(6, { drop: 0, duplicate: 0, reorder: 0, reconnectEvery: 0 });
    for (const bad of [
      [1, 'user/x', 2],
      [9, 'x', 1, 0, 0],
      [9, 1, 1.5, 0, 0],
      [9, 2 ** 52, 1, 0, 0],
      [9, 0, 0, 0, 0, 1],
      [9],
    ])
      p.b.receive('A', 'B', bad as unknown[]);
    expect(p.drops).toEqual([
      'unframed',
      'malformed-link-header',
      'malformed-link-header',
      'malformed-link-header',
      'malformed-link-header',
      'unframed',
    ]);
    expect(p.received.size).toBe(0);
  });
});
