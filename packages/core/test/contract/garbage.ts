/**
 * Garbage input for the contract suite's fuzz tests: seeded, and built so that every batch is
 * bad in a way the receiving node must drop and count at least once (a non-array, a spoofed or
 * unroutable envelope, a missing or broken link header, or a broken first record behind a valid
 * header), followed by random records.
 */
import { Rec } from '../../src/remote/protocol.js';
import { mulberry32 } from '../../src/testing/index.js';
import { LINK_FRAME } from '../../src/transport/ReliableLinks.js';

/** One garbage batch and the envelope it arrives in. */
export interface Garbage {
  readonly from: string;
  readonly to: string;
  readonly batch: unknown;
}

/**
 * `count` garbage batches for node `self`, claiming to come from `peer` (or worse).
 *
 * @example
 * ```ts
 * for (const g of garbage(1, 100, a.nodeId, b.nodeId)) host.deliver(g.from, g.to, g.batch as unknown[]);
 * ```
 */
export function garbage(seed: number, count: number, self: string, peer: string): Garbage[] {
  const random = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const int = (n: number) => Math.floor(random() * n);
  const junk = (depth = 0): unknown =>
    pick<() => unknown>([
      () => int(2e9) - 1e9,
      () => random(),
      () => 'x'.repeat(int(30)),
      () => null,
      () => true,
      () => (depth > 2 ? 0 : Array.from({ length: int(4) }, () => junk(depth + 1))),
      () => (depth > 2 ? {} : { type: pick(['push', 'inc', 'nope']), value: junk(depth + 1) }),
      () => ({ $ref: pick(['troupe://nope/x/user/y', 'not an address', `troupe://x/${peer}/user/z`]) }),
    ])();
  /** A first record the receiver drops. */
  const broken = (): unknown[] =>
    pick<() => unknown[]>([
      () => [pick([0, 9, 99, -1, 3.5, 'x', null])],
      () => [Rec.Tell, int(100), junk()],
      () => [Rec.Ask, 'user/echo', junk(), pick([0, -2, 1.5, 'one'])],
      () => [Rec.Reply, pick([0, -1, 0.5]), junk()],
      () => [Rec.Reply, 100_000 + int(1000), junk()],
      () => [Rec.ReplyError, 0, junk()],
      () => [Rec.Control, pick([null, 5, 'spawn', { nope: 1 }])],
      () => [Rec.Control, { c: pick(['bogus', 'reboot', '']) }],
      () => [Rec.Control, { c: 'node-down', node: self, reason: 'node-lost', detail: 'fuzz' }],
      () => [Rec.Control, { c: 'directive', path: 'user/echo', d: pick(['stop', 'restart']) }],
      () => [Rec.Control, { c: 'spawn', spec: junk(), parent: 5, restartCount: 0 }],
      () => [Rec.Control, { c: 'unwatch', target: 'user/nobody', watcher: 'x' }],
      () => [Rec.Control, { c: 'rejected', target: 5, count: -1 }],
      () => [Rec.Trace, pick([5, null, {}, ['00-x'], 'x'.repeat(1025)])],
    ])();
  /** A random record, well-formed or not. */
  const any = (): unknown[] =>
    pick<() => unknown[]>([
      () => [Rec.Tell, pick(['user/echo', 'user/nobody', '', '../x']), junk()],
      () => [Rec.Ask, pick(['user/nobody', 'user/echo/x']), junk(), 1 + int(1000)],
      () => [Rec.Reply, 1 + int(1000), junk()],
      () => [Rec.Control, junk()],
      () => [Rec.Trace, pick([`00-${'a'.repeat(int(60))}`, junk()])],
      () => [junk()],
    ])();
  const out: Garbage[] = [];
  // Each framed batch opens a new session (larger than the last, seq 1), so it reaches the records.
  let session = 1;
  const header = () => [LINK_FRAME, session++, 1, 0, 0];
  for (let i = 0; i < count; i++) {
    const shape = int(12);
    if (shape === 0) {
      out.push({ from: peer, to: self, batch: pick([42, 'junk', null, { batch: 1 }, true]) });
    } else if (shape === 1) {
      out.push({ from: self, to: self, batch: [Rec.Tell, 'user/echo', junk()] }); // spoofed: "from myself"
    } else if (shape === 2) {
      out.push({ from: peer, to: `${self}.t${int(8)}`, batch: [Rec.Tell, 'user/echo', junk()] }); // no such thread
    } else if (shape === 3) {
      out.push({ from: peer, to: self, batch: [...header(), Rec.Ask, 'user/echo'] }); // truncated
    } else if (shape === 4) {
      out.push({ from: peer, to: self, batch: [Rec.Tell, 'user/echo', junk()] }); // no link header
    } else if (shape === 5) {
      // A broken link header: bad numbers, a session from the far future, an ack carrying records.
      const bad = pick([
        [LINK_FRAME, 'one', 1, 0, 0],
        [LINK_FRAME, 1, 1.5, 0, 0],
        [LINK_FRAME, 2 ** 52, 1, 0, 0],
        [LINK_FRAME, 1, -7, 0, 0],
        [LINK_FRAME, 0, 0, 0, 0, Rec.Tell, 'user/echo', 1],
        [LINK_FRAME, 1],
      ]);
      out.push({ from: peer, to: self, batch: bad });
    } else {
      const batch = [...header(), ...broken()];
      for (let n = int(5); n > 0; n--) batch.push(...any());
      out.push({ from: pick([peer, peer, `${peer}.t0`, 'x y', '']), to: self, batch });
    }
  }
  return out;
}
