/**
 * A link to one other runtime: an outbound queue of records, flushed as one batch per event-loop
 * turn (a `setImmediate` after the first record), so a burst of tells costs one `postMessage`;
 * the turn's first user record leaves at once, alone (see `leavesAtOnce`).
 * Not a microtask: Node drains microtasks after each incoming batch, so records sent in reply to
 * several batches that arrived together would leave in as many small batches (and fan-out, e.g.
 * round-robin, would keep halving them). Until a port is attached (the peer is starting),
 * records wait in the queue.
 * @internal
 */
import type { Transferable } from 'node:worker_threads';
import type { ReplyTarget } from '../actor/ask.js';
import { AskTable } from './AskTable.js';

/** Something that carries batches to the peer: a worker, a MessagePort, a NATS subject. */
export interface Port {
  post(batch: unknown[], transfer: Transferable[] | undefined): void;
}

/** A burst larger than this is posted in pieces, so the receiver starts while the sender goes on. */
const MAX_BATCH_SLOTS = 3 * 512;

export class Link {
  private port: Port | null = null;
  private out: unknown[] = [];
  /** Control records (spawn, directives, watch…) overtake user records, as system messages do in a mailbox. */
  private control: unknown[] = [];
  private transfer: Transferable[] | undefined;
  private scheduled = false;
  /** May the next user record leave at once (see `leavesAtOnce`)? */
  private eager = true;
  /** Records queued since the last end-of-turn flush. */
  private turnRecords = 0;
  private readonly flushFn = () => {
    this.scheduled = false;
    this.flush();
    // One record this turn (a request or a reply): the next turn's first may leave at once.
    // More (a stream of tells, a busy pool): the next turn's records wait for their batch too.
    this.eager = this.turnRecords <= 1;
    this.turnRecords = 0;
  };
  /** False once the peer is gone for good: records are refused. */
  open = true;
  /**
   * Which incarnation of the peer this link reaches: it changes when the peer is lost. A reply to
   * an ask from an earlier incarnation is dropped, never delivered to its replacement (which
   * counts its ask ids from 1 again).
   */
  epoch = 0;
  /** Asks sent over this link and waiting for the peer's reply, by ask id. */
  readonly asks = new AskTable<ReplyTarget>();

  constructor(
    readonly node: string,
    /** Called with a batch that could not be posted as a whole (e.g. a DataCloneError). */
    private readonly onPostError: (batch: unknown[], error: unknown) => void,
  ) {}

  get connected(): boolean {
    return this.port !== null;
  }

  attach(port: Port): void {
    this.port = port;
    if (this.out.length > 0 || this.control.length > 0) this.schedule();
  }

  /** The peer died: forget the port and drop what was queued for it. */
  detach(): void {
    this.epoch++;
    this.port = null;
    this.out = [];
    this.control = [];
    this.transfer = undefined;
  }

  /** Queue a control record (kind + payload); it is posted before the queued user records. */
  pushControl(kind: unknown, payload: unknown): void {
    this.control.push(kind, payload);
    this.turnRecords++;
    this.schedule();
  }

  /**
   * Queue a control record in order with the user records (a `Terminated` notice must not
   * overtake the dead actor's last messages to its watcher).
   */
  pushOrdered(kind: unknown, payload: unknown): void {
    this.out.push(kind, payload);
    this.turnRecords++;
    this.schedule();
  }

  push3(a: unknown, b: unknown, c: unknown): void {
    const out = this.out;
    out.push(a, b, c);
    this.turnRecords++;
    if (this.port !== null && (out.length >= MAX_BATCH_SLOTS || this.leavesAtOnce(3))) this.flush();
    this.schedule();
  }

  push4(a: unknown, b: unknown, c: unknown, d: unknown): void {
    this.out.push(a, b, c, d);
    this.turnRecords++;
    if (this.port !== null && this.leavesAtOnce(4)) this.flush();
    this.schedule();
  }

  /** A `Tell` record after the `Trace` record that carries its trace context (see protocol.ts). */
  push5(a: unknown, b: unknown, c: unknown, d: unknown, e: unknown): void {
    const out = this.out;
    out.push(a, b, c, d, e);
    this.turnRecords++;
    if (this.port !== null && (out.length >= MAX_BATCH_SLOTS || this.leavesAtOnce(5))) this.flush();
    this.schedule();
  }

  /** An `Ask` record after the `Trace` record that carries its trace context. */
  push6(a: unknown, b: unknown, c: unknown, d: unknown, e: unknown, f: unknown): void {
    this.out.push(a, b, c, d, e, f);
    this.turnRecords++;
    if (this.port !== null && this.leavesAtOnce(6)) this.flush();
    this.schedule();
  }

  /**
   * While the link carries one record a turn (requests and replies, one at a time), a turn's first
   * record leaves at once, alone, while the peer is likely still awake from its last message, and
   * the rest of the turn's records follow in one batch. A request/reply then costs about what it
   * costs with bare postMessage; waiting for the end of the turn on both sides let the peer fall
   * asleep first, and waking a sleeping thread is the slow part (~1.3x the round trip on a 2-core
   * VM). Once a turn ends with a batch, the link batches only, as a single record posted ahead of
   * every batch would cost a busy pool ~10% more CPU.
   */
  private leavesAtOnce(slots: number): boolean {
    if (!this.eager || this.out.length !== slots || this.control.length !== 0) return false;
    this.eager = false;
    return true;
  }

  addTransfer(list: readonly Transferable[]): void {
    (this.transfer ??= []).push(...list);
  }

  private schedule(): void {
    if (this.scheduled || this.port === null) return;
    this.scheduled = true;
    setImmediate(this.flushFn);
  }

  /** Post a batch now, bypassing the queue (used to retry records one by one). Throws on failure. */
  postRaw(batch: unknown[]): void {
    this.port?.post(batch, undefined);
  }

  /** Post what is queued now (the end-of-turn flush, a lone record, a large burst, shutdown). */
  flush(): void {
    // Nothing sent from inside a post (a post-error handler) leaves ahead of what is queued.
    this.eager = false;
    const port = this.port;
    if (port === null || (this.out.length === 0 && this.control.length === 0)) return;
    let batch = this.out;
    if (this.control.length > 0) {
      batch = this.control.concat(batch);
      this.control = [];
    }
    const transfer = this.transfer;
    this.out = [];
    this.transfer = undefined;
    try {
      port.post(batch, transfer);
    } catch (e) {
      this.onPostError(batch, e);
    }
  }
}
