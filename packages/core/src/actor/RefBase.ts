/**
 * What every kind of ref shares however it delivers: how it prints, how it serializes (as its
 * address, revived into a working ref on the other side), and the `_send` hook xstate's
 * `sendTo` uses.
 * @internal
 */
import type { AskOptions, TellOptions } from './ActorRef.js';

export abstract class RefBase<Msg = any, Reply = unknown> {
  abstract readonly address: string;
  abstract tell(message: Msg, options?: TellOptions): void;
  abstract ask(message: Msg, options?: AskOptions): Promise<Reply>;

  /** @internal xstate interop: `sendTo(ref, …)` delivers through `_send`. */
  _send(event: Msg): void {
    this.tell(event);
  }

  /** A ref crosses threads and nodes as its address. */
  toJSON(): { $ref: string } {
    return { $ref: this.address };
  }

  toString(): string {
    return `ActorRef(${this.address})`;
  }
}
