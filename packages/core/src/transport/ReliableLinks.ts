/**
 * Reliable links between the runtimes of this process and those of other nodes. A network
 * transport may lose, duplicate or reorder batches (NATS core is at-most-once, and a server
 * restart loses what was in flight); this layer makes every batch between two live runtimes
 * arrive exactly once and in order, as a TCP connection or Akka Artery's system-message channel
 * does:
 *
 * - each direction of each pair of runtimes (`from` → `to`) is a *link* with a session and
 *   sequence numbers; a batch travels behind a 5-slot frame header
 *   `[LINK_FRAME, session, seq, ackSession, ack]`;
 * - the receiver delivers a batch only when it is the next of its session, holds a few that came
 *   early, drops duplicates, and acknowledges cumulatively: `ack` (for the link the other way,
 *   whose session is `ackSession`) rides on the next batch that goes back, or leaves alone after
 *   `ackDelayMs` when nothing does;
 * - the sender keeps what is not acknowledged in a bounded resend buffer and sends it again when
 *   the receiver reports a gap (a `nack`), after a transport reconnect, or when no ack came for
 *   a while (doubling the wait each time, up to 8 s); a full buffer refuses the next batch with
 *   {@link LinkBufferFullError} (the sender's records fail and are reported: never silent loss);
 * - a link whose acks stop while it has records to deliver is reported `stuck` (an event and a
 *   counter) and `recovered` when they resume; whether the node is down stays the failure
 *   detector's decision ({@link ReliableLinks.nodeDown}). When a node is declared down, what it
 *   had not acknowledged is dropped (its asks fail as before, `NodeLostError`) and its sessions
 *   end: a batch that arrives later on an ended session is dropped and answered with a `reset`
 *   that says how much of it was delivered, so the sender starts a new session with the rest.
 *
 * Owns: sessions, sequence numbers, acks, the resend buffers, duplicate and reorder handling,
 * link liveness. May not touch: the records inside a batch (it only prefixes and strips the
 * header), membership (the bridge tells it about downs), actors.
 * @internal
 */
import { processNodeOf } from '../address.js';
import type { EventStream } from '../api/events.js';
import type { LinkOptions, LinkStats } from '../api/links.js';
import type { Clock } from '../clock.js';
import { InvalidOptionsError, LinkBufferFullError, refuseUnknownKeys } from '../errors.js';

/** The record kind of a frame header (record kinds 1–8 are the runtime's, see remote/protocol.ts). */
export const LINK_FRAME = 9;
/** Slots of a frame header. */
export const HEADER = 5;
/** `seq` of a frame without records: an ack alone. */
const ACK = 0;
/** `seq` of a `nack`: "I have up to `ack`, then a gap: send the rest again now". */
const NACK = -1;
/** `seq` of a `reset`: "your session `ackSession` ended here after `ack`: start a new one with the rest". */
const RESET = -2;

/**
 * A receiver acks at once, without waiting for `ackDelayMs`, once this many slots (records and
 * headers) of delivered batches are not acknowledged (TCP acks every second full segment for the
 * same reason): a sender streaming one way lets go of its batches after a round trip, not after
 * the ack delay, so its resend buffer stays short and its records do not live through garbage
 * collections. Small batches (a request, a reply) wait for a batch going back, as before.
 */
const ACK_EVERY_SLOTS = 1024;
/** Batches held per link that came ahead of a missing one (more are dropped and sent again later). */
const MAX_HELD = 256;
const MAX_RESEND_WAIT_MS = 8000;
/** How far ahead of this host's clock another host's clock (and so a session id) may be. */
const MAX_CLOCK_SKEW_MS = 3_600_000;

const DEFAULTS: Required<LinkOptions> = {
  maxUnackedBatches: 8192,
  ackDelayMs: 10,
  resendAfterMs: 500,
  stuckAfterMs: 5000,
};

/** Check {@link LinkOptions}; every problem names the option and the fix. */
export function checkLinkOptions(options: LinkOptions | undefined): Required<LinkOptions> {
  if (options === undefined) return DEFAULTS;
  if (typeof options !== 'object' || options === null)
    throw new InvalidOptionsError('links must be an object, e.g. { maxUnackedBatches: 8192 }');
  refuseUnknownKeys('links', options, new Set(Object.keys(DEFAULTS)));
  const out = { ...DEFAULTS, ...options };
  const positive = (name: keyof LinkOptions, integer: boolean) => {
    const v = out[name];
    if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v) || (integer && !Number.isInteger(v)))
      throw new InvalidOptionsError(
        `links.${name} must be a positive ${integer ? 'integer' : 'number'} (got ${String(v)}); the default is ${DEFAULTS[name]}`,
      );
  };
  positive('maxUnackedBatches', true);
  positive('ackDelayMs', false);
  positive('resendAfterMs', false);
  positive('stuckAfterMs', false);
  return out;
}

/** What the links need from the bridge. */
export interface LinkWire {
  /** Hand a framed batch to the transport that reaches `to` (may throw: too large, unserializable). */
  send(from: string, to: string, framed: unknown[]): void;
  /** Deliver the records of a batch that arrived in order: `batch[start]` on (`start` skips its header). */
  deliver(from: string, to: string, batch: unknown[], start: number): void;
  /** Count input dropped by cause. */
  dropped(cause: string, detail: string): void;
  readonly events: EventStream;
  readonly clock: Clock;
}

interface Sent {
  seq: number;
  frame: unknown[];
}

/** What an acknowledged slot of a resend buffer holds until the buffer is compacted. */
const DONE: Sent = { seq: 0, frame: [] };

/** The sending side of one link. */
class Out {
  next = 1;
  /** The receiving side of the link the other way (`remote` → `local`), once anything came on it. */
  back: In | undefined = undefined;
  /** Not yet acknowledged, oldest first (from `head` on). */
  unacked: Sent[] = [];
  head = 0;
  /** When the receiver last made progress (or the first unacked batch was sent). */
  progressAt: number;
  resentAt = 0;
  wait: number;
  stuck = false;
  constructor(
    readonly local: string,
    readonly remote: string,
    public session: number,
    now: number,
    resendAfterMs: number,
  ) {
    this.progressAt = now;
    this.wait = resendAfterMs;
  }
  get pending(): number {
    return this.unacked.length - this.head;
  }
}

/** The receiving side of one link. */
class In {
  delivered = 0;
  held = new Map<number, unknown[]>();
  /** The node was declared down: batches of this session are no longer delivered. */
  ended = false;
  ackOwed = false;
  /** Slots of the batches delivered since the last ack went back (alone or on a batch). */
  unackedDelivered = 0;
  nackedAt = Number.NEGATIVE_INFINITY;
  nackedFor = -1;
  constructor(
    readonly remote: string,
    readonly local: string,
    readonly session: number,
  ) {}
}

/** A two-level map `a` → `b` → `V` (no key strings built on the hot path). */
class PairMap<V> {
  private readonly byA = new Map<string, Map<string, V>>();
  get(a: string, b: string): V | undefined {
    return this.byA.get(a)?.get(b);
  }
  set(a: string, b: string, v: V): void {
    let m = this.byA.get(a);
    if (m === undefined) this.byA.set(a, (m = new Map()));
    m.set(b, v);
  }
  delete(a: string, b: string): void {
    this.byA.get(a)?.delete(b);
  }
  *values(): IterableIterator<V> {
    for (const m of this.byA.values()) yield* m.values();
  }
  get size(): number {
    let n = 0;
    for (const m of this.byA.values()) n += m.size;
    return n;
  }
}
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);

export class ReliableLinks {
  /** Sending sides, by local runtime, then remote runtime. */
  private readonly outs = new PairMap<Out>();
  /** Receiving sides, by remote runtime, then local runtime. */
  private readonly ins = new PairMap<In>();
  private readonly owed = new Set<In>();
  private ackTimer: unknown;
  private tickTimer: unknown;
  private readonly tickMs: number;
  private closed = false;
  private lastSession = 0;
  private readonly counts = { resent: 0, duplicates: 0, stuck: 0, lost: 0, refused: 0 };
  readonly options: Required<LinkOptions>;

  constructor(
    private readonly wire: LinkWire,
    options: LinkOptions | undefined,
  ) {
    this.options = checkLinkOptions(options);
    // Resends and liveness are checked on a coarse tick of the system's clock.
    this.tickMs = Math.max(10, Math.min(this.options.resendAfterMs, this.options.stuckAfterMs) / 4);
    this.armTick();
  }

  private armTick(): void {
    if (this.closed) return;
    const t = this.wire.clock.setTimeout(() => {
      this.tick();
      this.armTick();
    }, this.tickMs);
    // Links alone never keep the process alive.
    (t as { unref?: () => void } | null)?.unref?.();
    this.tickTimer = t;
  }

  /** A new session id: larger than any this process used before (and than a previous process's, by the clock). */
  private newSession(): number {
    this.lastSession = Math.max(this.lastSession + 1, Date.now());
    return this.lastSession;
  }

  /**
   * Send `batch` from local runtime `from` to remote runtime `to`, framed and kept until
   * acknowledged. The frame is a copy with the header in front; the caller's batch is left as it was.
   */
  send(from: string, to: string, batch: unknown[]): void {
    const now = this.wire.clock.now();
    let out = this.outs.get(from, to);
    if (out === undefined) {
      out = new Out(from, to, this.newSession(), now, this.options.resendAfterMs);
      this.outs.set(from, to, out);
    }
    if (out.pending >= this.options.maxUnackedBatches) {
      this.counts.refused++;
      throw new LinkBufferFullError(to, this.options.maxUnackedBatches, now - out.progressAt);
    }
    let back = out.back;
    if (back === undefined || back.ended) back = out.back = this.ins.get(to, from);
    const seq = out.next;
    // A framed copy: the caller may still hold the batch (e.g. to refuse its records one by one).
    const frame: unknown[] = [LINK_FRAME, out.session, seq, back?.session ?? 0, back?.delivered ?? 0];
    for (let i = 0; i < batch.length; i++) frame.push(batch[i]);
    this.wire.send(from, to, frame); // throws before anything is recorded: nothing was sent
    out.next++;
    if (out.pending === 0) out.progressAt = now;
    out.unacked.push({ seq, frame });
    if (back?.ackOwed) {
      back.ackOwed = false;
      back.unackedDelivered = 0;
      this.owed.delete(back);
    }
  }

  /** A framed batch arrived from remote runtime `from` for local runtime `to`. */
  receive(from: string, to: string, batch: unknown[]): void {
    if (!Array.isArray(batch) || batch.length < HEADER || batch[0] !== LINK_FRAME) {
      this.wire.dropped(
        'unframed',
        `a batch from ${from} without a link header (a node of an older version?)`,
      );
      return;
    }
    const session = batch[1];
    const seq = batch[2];
    const ackSession = batch[3];
    const ack = batch[4];
    if (
      !isInt(session) ||
      !isInt(seq) ||
      !isInt(ackSession) ||
      !isInt(ack) ||
      session < 0 ||
      ack < 0 ||
      seq < RESET
    ) {
      this.wire.dropped('malformed-link-header', `a batch from ${from} with a bad link header`);
      return;
    }
    if (ackSession > 0) this.acked(to, from, ackSession, ack, seq);
    if (seq <= ACK) {
      if (batch.length > HEADER)
        this.wire.dropped('malformed-link-header', `an ack from ${from} with records`);
      return;
    }
    // Sessions are taken from the clock: one far in the future is forged (it would hijack the link).
    if (session === 0 || session > Date.now() + MAX_CLOCK_SKEW_MS) {
      this.wire.dropped('malformed-link-header', `a batch from ${from} with session ${session}`);
      return;
    }
    let link = this.ins.get(from, to);
    if (link === undefined || session > link.session) {
      link = new In(from, to, session);
      this.ins.set(from, to, link);
      const out = this.outs.get(to, from);
      if (out !== undefined) out.back = link;
    } else if (session < link.session) {
      this.wire.dropped('stale-link-session', `a batch from ${from} of a session it has ended`);
      return;
    }
    if (link.ended) {
      // Its node was declared down: tell it how much of this session was delivered.
      this.control(to, from, RESET, link.session, link.delivered);
      return;
    }
    if (seq <= link.delivered || link.held.has(seq)) {
      // The sender sends again: it has not heard our ack. Answer at once (as TCP does).
      this.counts.duplicates++;
      this.ackNow(link);
      return;
    }
    if (seq > link.delivered + 1) {
      if (link.held.size < MAX_HELD) link.held.set(seq, batch);
      const now = this.wire.clock.now();
      if (link.nackedFor !== link.delivered || now - link.nackedAt >= this.options.resendAfterMs / 4) {
        link.nackedFor = link.delivered;
        link.nackedAt = now;
        this.control(to, from, NACK, link.session, link.delivered);
      }
      return;
    }
    let next: unknown[] | undefined = batch;
    while (next !== undefined) {
      link.delivered++;
      link.unackedDelivered += next.length;
      this.wire.deliver(from, to, next, HEADER);
      next = link.held.size === 0 ? undefined : link.held.get(link.delivered + 1);
      if (next !== undefined) link.held.delete(link.delivered + 1);
    }
    this.owe(link);
  }

  /** The peer acknowledged `ack` of our link `local` → `remote` (a nack or reset says more). */
  private acked(local: string, remote: string, session: number, ack: number, seq: number): void {
    const out = this.outs.get(local, remote);
    if (out === undefined || out.session !== session) return;
    let progressed = false;
    while (out.head < out.unacked.length && out.unacked[out.head]!.seq <= ack) {
      // Let go of the records at once: a batch kept until the array is compacted would live
      // through garbage collections (and cost the sender dearly under load).
      out.unacked[out.head++] = DONE;
      progressed = true;
    }
    if (out.head > 1024 && out.head * 2 > out.unacked.length) {
      out.unacked = out.unacked.slice(out.head);
      out.head = 0;
    }
    const now = this.wire.clock.now();
    if (progressed) {
      out.progressAt = now;
      out.wait = this.options.resendAfterMs;
      if (out.stuck) {
        out.stuck = false;
        this.wire.events.publish({
          kind: 'link',
          from: local,
          to: remote,
          event: 'recovered',
          unackedBatches: out.pending,
        });
      }
    }
    if (seq === NACK && now - out.resentAt >= this.options.resendAfterMs / 4)
      this.resend(local, remote, out, now);
    else if (seq === RESET) this.restart(local, remote, out, now);
  }

  /** The peer ended our session (it declared this node down): the rest goes again in a new one. */
  private restart(local: string, remote: string, out: Out, now: number): void {
    const rest = out.unacked.slice(out.head);
    out.session = this.newSession();
    out.unacked = [];
    out.head = 0;
    out.next = 1;
    for (const s of rest) {
      s.seq = out.next++;
      s.frame[1] = out.session;
      s.frame[2] = s.seq;
      out.unacked.push(s);
    }
    out.progressAt = now;
    this.resend(local, remote, out, now);
  }

  /** Send every unacknowledged batch of `out` again, in order, with the latest ack of the link back. */
  private resend(local: string, remote: string, out: Out, now: number): void {
    out.resentAt = now;
    const back = this.ins.get(remote, local);
    for (let i = out.head; i < out.unacked.length; i++) {
      const frame = out.unacked[i]!.frame;
      frame[3] = back?.session ?? 0;
      frame[4] = back?.delivered ?? 0;
      try {
        this.wire.send(local, remote, frame);
        this.counts.resent++;
      } catch {
        break; // the transport cannot send now (e.g. closed); the next tick tries again
      }
    }
  }

  /** An ack for `link` alone, now. */
  private ackNow(link: In): void {
    link.ackOwed = false;
    link.unackedDelivered = 0;
    this.owed.delete(link);
    this.control(link.local, link.remote, ACK, link.session, link.delivered);
  }

  /** `link` delivered batches: ack them on the next batch back, alone after `ackDelayMs`, or now after {@link ACK_EVERY_SLOTS}. */
  private owe(link: In): void {
    if (link.unackedDelivered >= ACK_EVERY_SLOTS) {
      this.ackNow(link);
      return;
    }
    if (link.ackOwed) return;
    link.ackOwed = true;
    this.owed.add(link);
    if (this.ackTimer === undefined)
      this.ackTimer = this.wire.clock.setTimeout(() => this.flushAcks(), this.options.ackDelayMs);
  }

  /** Acks that found no batch to ride on leave alone. */
  private flushAcks(): void {
    this.ackTimer = undefined;
    for (const link of this.owed) {
      if (!link.ackOwed) continue;
      link.ackOwed = false;
      link.unackedDelivered = 0;
      this.control(link.local, link.remote, ACK, link.session, link.delivered);
    }
    this.owed.clear();
  }

  /** A frame without records (ack, nack, reset) from local `from` to remote `to`. */
  private control(from: string, to: string, kind: number, session: number, delivered: number): void {
    try {
      this.wire.send(from, to, [LINK_FRAME, 0, kind, session, delivered]);
    } catch {
      /* not sendable now: the peer sends its batch again and is answered then */
    }
  }

  /** Resends after silence, and liveness: a link with records to deliver and no ack for a while is stuck. */
  private tick(): void {
    const now = this.wire.clock.now();
    for (const out of this.outs.values()) {
      if (out.pending === 0) continue;
      const { local, remote } = out;
      if (now - Math.max(out.progressAt, out.resentAt) >= out.wait) {
        out.wait = Math.min(out.wait * 2, MAX_RESEND_WAIT_MS);
        this.resend(local, remote, out, now);
      }
      if (!out.stuck && now - out.progressAt >= this.options.stuckAfterMs) {
        out.stuck = true;
        this.counts.stuck++;
        this.wire.events.publish({
          kind: 'link',
          from: local,
          to: remote,
          event: 'stuck',
          unackedBatches: out.pending,
          detail: `no acknowledgement for ${Math.round(now - out.progressAt)} ms`,
        });
      }
    }
  }

  /**
   * The transport reconnected: what was in flight may be lost. Send every unacknowledged batch
   * again now, and ask every peer to do the same (a nack with what was delivered here).
   */
  reconnected(): void {
    const now = this.wire.clock.now();
    for (const out of this.outs.values()) {
      if (out.pending === 0) continue;
      out.wait = this.options.resendAfterMs;
      this.resend(out.local, out.remote, out, now);
    }
    for (const link of this.ins.values()) {
      if (link.ended) continue;
      this.control(link.local, link.remote, NACK, link.session, link.delivered);
    }
  }

  /**
   * Process node `node` was declared down (or left): what it had not acknowledged is dropped (the
   * runtime fails its asks), and its sessions end here (a later batch of theirs gets a `reset`).
   */
  nodeDown(node: string): void {
    for (const out of [...this.outs.values()]) {
      if (processNodeOf(out.remote) !== node) continue;
      this.counts.lost += out.pending;
      this.outs.delete(out.local, out.remote);
    }
    for (const link of this.ins.values()) {
      if (processNodeOf(link.remote) !== node) continue;
      link.ended = true;
      link.held.clear();
      link.ackOwed = false;
      this.owed.delete(link);
    }
  }

  /** Counters for `system.stats().links`. */
  stats(): LinkStats {
    let unacked = 0;
    let stuck = 0;
    for (const out of this.outs.values()) {
      unacked += out.pending;
      if (out.stuck) stuck++;
    }
    return {
      links: this.outs.size,
      unackedBatches: unacked,
      stuckLinks: stuck,
      resentBatches: this.counts.resent,
      duplicatesDropped: this.counts.duplicates,
      stuckEvents: this.counts.stuck,
      lostOnDown: this.counts.lost,
      refusedFull: this.counts.refused,
    };
  }

  /** Stop the timers (the system is shutting down). */
  close(): void {
    this.closed = true;
    if (this.tickTimer !== undefined) this.wire.clock.clearTimeout(this.tickTimer);
    this.tickTimer = undefined;
    if (this.ackTimer !== undefined) this.wire.clock.clearTimeout(this.ackTimer);
    this.ackTimer = undefined;
  }
}
