/**
 * A ref to an actor in another runtime (a worker thread or a remote node). Tell and ask go
 * through the runtime's link to that node; the API is the same as for a local ref. It knows the
 * runtime only as a {@link RefHost} (`host.ts`), so this file does not import the runtime.
 * @internal
 */
import type { Transferable } from 'node:worker_threads';
import type { ReplyTarget } from '../actor/ask.js';
import { checkTellOptions } from '../actor/messageOptions.js';
import { RefBase } from '../actor/RefBase.js';
import type { WatchingCell } from '../actor/Watcher.js';
import type { ActorRef, AskOptions, TellOptions } from '../api/ActorRef.js';
import type { RefHost } from './host.js';

export class RemoteActorRef<Msg = any, Reply = unknown>
  extends RefBase<Msg, Reply>
  implements ActorRef<Msg, Reply>
{
  readonly name: string;

  /** Private, so a deep walk of a message never wanders from a ref into the runtime. */
  readonly #runtime: RefHost;

  constructor(
    runtime: RefHost,
    readonly address: string,
    readonly node: string,
    readonly path: string,
  ) {
    super();
    this.#runtime = runtime;
    this.name = path.slice(path.lastIndexOf('/') + 1);
  }

  tell(message: Msg, options?: TellOptions): void {
    if (options === undefined) {
      this.#runtime.tell(this, message, undefined);
      return;
    }
    checkTellOptions(options);
    this.#runtime.tell(this, message, options.transfer);
  }

  ask(message: Msg, options?: AskOptions): Promise<Reply> {
    return this.#runtime.ask(this, message, options) as Promise<Reply>;
  }

  /** Death watch of an actor elsewhere: its runtime reports its end to this one. */
  override watchedBy(watcher: WatchingCell, message: unknown): void {
    this.#runtime.watch(watcher, this, message);
  }

  override unwatchedBy(watcher: WatchingCell): void {
    this.#runtime.unwatch(watcher, this.address);
  }

  /** @internal An ask whose reply goes to `target`, with no promise and no timer (see LinkTable.askInto). */
  askInto(message: Msg, target: ReplyTarget, transfer?: readonly Transferable[]): number {
    return this.#runtime.askInto(this, message, target, transfer);
  }

  /** @internal Give up on an ask made with {@link askInto}. */
  cancelAsk(id: number): void {
    this.#runtime.cancelAsk(this.node, id);
  }
}
