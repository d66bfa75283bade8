/**
 * A ref to an actor in this runtime: tell and ask go straight into the actor's mailbox.
 * @internal
 */

import type { ActorRef, AskOptions, TellOptions } from '../api/ActorRef.js';
import { ActorStoppedError, SystemShutdownError } from '../errors.js';
import type { AskRegistry } from './ask.js';
import { PendingAsk, type ReplyTarget, settling } from './ask.js';
import { instrumentation, lastSending, outbound, settleWith } from './instrumentation.js';
import { askTimeout, checkTellOptions } from './messageOptions.js';
import { RefBase } from './RefBase.js';
import type { Watched, WatchingCell } from './Watcher.js';

/**
 * What a local ref needs from the cell it points at (the actor cell implements it). An interface,
 * so that the cell can make its own ref without the two files importing each other.
 */
export interface LocalCell extends Watched {
  readonly name: string;
  readonly path: string;
  /** The cell's system: ask timeouts, shutdown state, and the live cell at a path (a restarted actor). */
  readonly system: AskRegistry & {
    readonly name: string;
    readonly askTimeoutMs: number;
    readonly isShutdown: boolean;
    cellAt(path: string): LocalCell | undefined;
  };
  enqueue(message: unknown, reply: ReplyTarget | undefined, force?: boolean): boolean;
  isTerminated(): boolean;
  acceptWatch(watcher: WatchingCell, message: unknown): void;
  dropWatch(watcher: WatchingCell): void;
}

export class LocalActorRef<Msg = any, Reply = unknown>
  extends RefBase<Msg, Reply>
  implements ActorRef<Msg, Reply>
{
  // A private field, not an own enumerable property: code that walks a message or a machine's
  // context deeply (structured clone checks, deep equality, xstate's snapshot copy) must not
  // wander from a ref into the whole actor system.
  readonly #cell: LocalCell;

  constructor(cell: LocalCell) {
    super();
    this.#cell = cell;
  }

  /** @internal */
  get cell(): LocalCell {
    return this.#cell;
  }

  get address(): string {
    return this.cell.address;
  }

  get name(): string {
    return this.cell.name;
  }

  tell(message: Msg, options?: TellOptions): void {
    if (options !== undefined) checkTellOptions(options); // `transfer` is for other threads: nothing to do here
    this.#cell.enqueue(
      instrumentation === undefined ? message : outbound('tell', this.address, message),
      undefined,
    );
  }

  ask(message: Msg, options?: AskOptions): Promise<Reply> {
    const sys = this.#cell.system;
    const timeoutMs = askTimeout(options, sys.askTimeoutMs);
    if (typeof timeoutMs !== 'number') return Promise.reject(timeoutMs);
    const pending = new PendingAsk(sys, this.#cell.address, message, timeoutMs);
    if (instrumentation === undefined) this.deliverAsk(message, pending);
    else {
      const traced = outbound('ask', this.address, message);
      const sending = lastSending;
      this.deliverAsk(traced, pending);
      settleWith(sending, pending.promise);
    }
    return pending.promise as Promise<Reply>;
  }

  /** @internal An ask whose reply goes to `target`, with no promise and no timer (the caller keeps the deadline). */
  askInto(message: Msg, target: ReplyTarget): number {
    if (instrumentation === undefined) return this.deliverAsk(message, target);
    const traced = outbound('ask', this.address, message);
    return this.deliverAsk(traced, settling(target));
  }

  private deliverAsk(message: unknown, target: ReplyTarget): number {
    let cell = this.#cell;
    if (cell.isTerminated()) cell = cell.system.cellAt(cell.path) ?? cell;
    const sys = cell.system;
    if (cell.isTerminated()) {
      target.fail(
        sys.isShutdown
          ? new SystemShutdownError(sys.name, `cannot ask ${cell.address}`)
          : new ActorStoppedError(cell.address),
      );
      return 0;
    }
    cell.enqueue(message, target);
    return 0;
  }

  /** @internal Death watch of a local actor: its cell registers the watcher (or tells it at once it is gone). */
  override watchedBy(watcher: WatchingCell, message: unknown): void {
    this.#cell.acceptWatch(watcher, message);
  }

  /** @internal */
  override unwatchedBy(watcher: WatchingCell): void {
    this.#cell.dropWatch(watcher);
  }

  /** @internal Nothing to forget for a local ask: a late reply to a settled target is ignored. */
  cancelAsk(_id: number): void {}
}
