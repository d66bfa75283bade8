/**
 * What every kind of ref shares however it delivers: how it prints, how it serializes (as its
 * address, revived into a working ref on the other side), and the `_send` hook xstate's
 * `sendTo` uses.
 * @internal
 */
import type { AskOptions, TellOptions } from '../api/ActorRef.js';
import { InvalidOptionsError } from '../errors.js';
import type { WatchingCell } from './Watcher.js';

export abstract class RefBase<Msg = any, Reply = unknown> {
  abstract readonly address: string;
  abstract tell(message: Msg, options?: TellOptions): void;
  abstract ask(message: Msg, options?: AskOptions): Promise<Reply>;

  /** @internal xstate interop: `sendTo(ref, …)` delivers through `_send`. */
  _send(event: Msg): void {
    this.tell(event);
  }

  /**
   * Death watch: `watcher`, a cell of this runtime, gets `message` (or a `Terminated`) when this
   * actor terminates. Each kind of ref knows how — a local ref registers with its cell, a remote
   * ref asks the actor's runtime — so the cell never asks what kind of ref it holds. A kind that
   * cannot be watched (a pool, a machine ref) keeps this refusal.
   */
  watchedBy(_watcher: WatchingCell, _message: unknown): void {
    throw new InvalidOptionsError(`ctx.watch(${this.address}): not an actor ref`);
  }

  /** Undo {@link watchedBy}; nothing to undo for a kind that cannot be watched. */
  unwatchedBy(_watcher: WatchingCell): void {}

  /** A ref crosses threads and nodes as its address. */
  toJSON(): { $ref: string } {
    return { $ref: this.address };
  }

  toString(): string {
    return `ActorRef(${this.address})`;
  }
}
