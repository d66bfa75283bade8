/**
 * Batches from other runtimes: each record is decoded and checked, then delivered (a tell, an
 * ask), settles one of this runtime's asks (a reply), or goes to the control handler. Every
 * received byte is untrusted: a malformed record is dropped and counted, never thrown, and the
 * node keeps running (see "Validation and drop causes" in docs/wire-protocol.md).
 *
 * Owns: record decoding and validation, the reply target of an ask from elsewhere
 * ({@link RemoteReply}, with the epoch check that keeps an answer from reaching the wrong
 * asker), and the per-batch count of tells refused by full mailboxes. May not touch: what a
 * control does (`ControlHandler.ts`); the link table beyond `link` and the ask table of the
 * sender's link.
 * @internal
 */

import type { ReplyTarget } from '../actor/ask.js';
import { Status } from '../actor/CellBase.js';
import { MAX_CARRIER, Traced, tracing } from '../actor/instrumentation.js';
import { reviveError, type SerializedError, serializeError } from '../serializedError.js';
import { ControlHandler } from './ControlHandler.js';
import { reviveRefs } from './codec.js';
import type { Link } from './Link.js';
import type { LinkTable } from './LinkTable.js';
import { type Control, RECORD_SIZE, Rec } from './protocol.js';

/**
 * A reply target for an ask that came from another runtime: the answer goes back on the link to
 * the asker, under the asker's ask id.
 *
 * The epoch check: ask ids are only unique per incarnation of the asker. When the asker's runtime
 * is lost, its link's epoch moves on (`Link.detach`, from `NodeLoss.nodeDown`); a replacement
 * thread comes back under the same node id and counts its ask ids from 1 again. An answer given
 * after that, under the old id, would settle whichever new ask happens to have that id. So the
 * target remembers the epoch it was made in, and an answer given in a later epoch (or on a link
 * closed for good) is dropped and counted as `stale-reply` instead of sent.
 */
class RemoteReply implements ReplyTarget {
  private readonly epoch: number;
  constructor(
    private readonly runtime: LinkTable,
    private readonly link: Link,
    private readonly id: number,
  ) {
    this.epoch = link.epoch;
  }
  /** The asker is gone (its runtime was lost, maybe replaced): the answer has nobody to go to. */
  private stale(): boolean {
    if (this.link.epoch === this.epoch && this.link.open) return false;
    this.runtime.droppedReply(this.link.node);
    return true;
  }
  reply(value: unknown): void {
    if (this.stale()) return;
    const enc = this.runtime.encoder;
    let v: unknown;
    try {
      v = enc.encode(value, 'reply');
    } catch (e) {
      this.fail(e);
      return;
    }
    this.link.push3(enc.hadRefs ? Rec.ReplyRefs : Rec.Reply, this.id, v);
  }
  fail(error: unknown): void {
    if (this.stale()) return;
    this.link.push3(Rec.ReplyError, this.id, serializeError(error));
  }
}

export class Inbound extends ControlHandler {
  /**
   * Process a batch of records from `from`, from `batch[start]` on (a link header before it is
   * skipped). Malformed input is dropped and counted, never thrown.
   */
  receive(from: string, batch: unknown, start = 0): void {
    if (!Array.isArray(batch)) {
      this.host.dropped('malformed-batch', `a batch from ${from} is not an array`);
      return;
    }
    const link = this.link(from);
    this.rejected = null;
    this.carrier = undefined;
    let i = start;
    while (i < batch.length) {
      const kind = batch[i] as number;
      const size = RECORD_SIZE[kind];
      // The kind fixes the record's length: past an unknown or truncated one nothing can be read.
      if (size === undefined || i + size > batch.length) {
        this.host.dropped(
          'malformed-record',
          `record kind ${String(kind)} from ${from} is unknown or truncated`,
        );
        return;
      }
      try {
        this.record(from, link, kind, batch, i);
      } catch (e) {
        // A record that passed the checks but made handling throw: reported, the batch goes on.
        this.host.events.publish({ kind: 'error', where: `record from ${from}`, error: serializeError(e) });
      }
      i += size;
    }
    const rejected = this.rejected as Map<string, number> | null; // filled by record()
    if (rejected !== null) {
      // Tells refused by full mailboxes are reported to the sending node (asks already fail there).
      for (const [target, count] of rejected) this.sendControl(from, { c: 'rejected', target, count });
      this.rejected = null;
    }
  }

  /**
   * A message for an actor not here: it may be one whose spawn request is still on its way from
   * a third runtime, so it waits for it (`Unborn.ts`); a dead letter at once when an actor
   * stopped there lately, or when it cannot wait.
   */
  private toMissing(path: string, message: unknown, reply: ReplyTarget | undefined): void {
    const host = this.host;
    if (host.isShutdown || host.stoppedLately(path) || !this.unborn.park(path, message, reply))
      this.deliverLocal(path, undefined, message, reply);
  }

  /** Tells refused by full mailboxes while processing the current batch, by recipient address. */
  private rejected: Map<string, number> | null = null;

  /** The trace context of the next record, from the `Trace` record just before it. */
  private carrier: string | undefined = undefined;

  /**
   * A received message as it goes into a mailbox: with the trace context it came with, once an
   * instrumentation is installed in this thread (without one, the context is dropped).
   */
  private withCarrier(msg: unknown): unknown {
    const carrier = this.carrier;
    if (carrier === undefined) return msg;
    this.carrier = undefined;
    return tracing ? new Traced(msg, carrier) : msg;
  }

  private record(from: string, link: Link, kind: Rec, b: unknown[], i: number): void {
    const problem = recordProblem(kind, b, i);
    if (problem !== undefined) {
      this.carrier = undefined;
      this.host.dropped(problem[0], `${problem[1]} (from ${from})`);
      return;
    }
    if (kind === Rec.Trace) {
      this.carrier = b[i + 1] as string;
      return;
    }
    switch (kind) {
      case Rec.Tell:
      case Rec.TellRefs: {
        const msg = this.withCarrier(kind === Rec.TellRefs ? reviveRefs(b[i + 2], this.resolveFn) : b[i + 2]);
        const cell = this.host.cellAt(b[i + 1] as string);
        if (cell === undefined) this.toMissing(b[i + 1] as string, msg, undefined);
        else if (!cell.enqueue(msg, undefined) && cell.status !== Status.Stopped) {
          const r = (this.rejected ??= new Map());
          r.set(cell.address, (r.get(cell.address) ?? 0) + 1);
        }
        return;
      }
      case Rec.Ask:
      case Rec.AskRefs: {
        const msg = this.withCarrier(kind === Rec.AskRefs ? reviveRefs(b[i + 2], this.resolveFn) : b[i + 2]);
        const path = b[i + 1] as string;
        const reply = new RemoteReply(this, link, b[i + 3] as number);
        const cell = this.host.cellAt(path);
        if (cell === undefined) this.toMissing(path, msg, reply);
        else cell.enqueue(msg, reply);
        return;
      }
      case Rec.Reply:
      case Rec.ReplyRefs:
      case Rec.ReplyError: {
        this.carrier = undefined; // a trace record belongs to a tell or an ask only
        const id = b[i + 1] as number;
        // Only the sender's own asks: a reply never settles an ask made to another runtime.
        const pending = this.links.get(from)?.asks.take(id);
        if (pending === undefined) {
          // A reply after its ask timed out, or one that does not belong to the sender.
          this.host.dropped('unmatched-reply', `a reply from ${from} matches no ask waiting for it`);
          return;
        }
        if (kind === Rec.ReplyError) pending.fail(reviveError(sanitizeError(b[i + 2])));
        else pending.reply(kind === Rec.ReplyRefs ? reviveRefs(b[i + 2], this.resolveFn) : b[i + 2]);
        return;
      }
      case Rec.Control:
        this.carrier = undefined;
        this.control(from, b[i + 1] as Control);
        return;
    }
  }
}

/** Ask ids are whole numbers from 1 up (per link, see `AskTable.add`). */
function isAskId(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v > 0;
}

/**
 * Why a record is malformed ([cause, detail]), or undefined. Input from other runtimes is
 * untrusted. Only this record is dropped: its length is known, so the batch goes on.
 */
function recordProblem(kind: Rec, b: unknown[], i: number): [string, string] | undefined {
  const first = b[i + 1];
  if (kind <= Rec.AskRefs && typeof first !== 'string') return ['malformed-record', 'a path is not a string'];
  if ((kind === Rec.Ask || kind === Rec.AskRefs) && !isAskId(b[i + 3])) {
    return ['malformed-record', 'an ask id is not a whole number > 0'];
  }
  if (kind >= Rec.Reply && kind <= Rec.ReplyError && !isAskId(first)) {
    return ['malformed-record', 'a reply id is not a whole number > 0'];
  }
  if (kind === Rec.Trace && (typeof first !== 'string' || first.length > MAX_CARRIER)) {
    return ['malformed-record', `a trace record is not a string of at most ${MAX_CARRIER} characters`];
  }
  if (
    kind === Rec.Control &&
    (typeof first !== 'object' || first === null || typeof (first as Control).c !== 'string')
  ) {
    return ['malformed-control', 'a control record has no kind'];
  }
  return undefined;
}

/** A serialized error from the wire (untrusted): keep only well-typed fields. */
function sanitizeError(e: unknown, depth = 0): SerializedError {
  const o = (typeof e === 'object' && e !== null ? e : {}) as Record<string, unknown>;
  const out: { name: string; message: string; stack?: string; cause?: SerializedError } = {
    name: typeof o.name === 'string' ? o.name.slice(0, 200) : 'RemoteError',
    message: typeof o.message === 'string' ? o.message : 'an error from another runtime',
  };
  if (typeof o.stack === 'string') out.stack = o.stack;
  if (o.cause !== undefined && depth < 8) out.cause = sanitizeError(o.cause, depth + 1);
  return out;
}
