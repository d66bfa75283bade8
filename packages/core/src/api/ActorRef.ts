/**
 * The one handle to an actor, wherever it runs. Code that holds an `ActorRef` cannot tell
 * whether the actor lives in this thread, in a worker thread or on a remote node.
 */
import type { Transferable } from 'node:worker_threads';

/**
 * Options of {@link ActorRef.tell}.
 *
 * @example
 * ```ts
 * const samples = new Float64Array(1_000_000);
 * onThread.tell({ type: 'sum', samples }, { transfer: [samples.buffer] }); // moved, not copied
 * ```
 */
export interface TellOptions {
  /**
   * ArrayBuffers (or other transferables) inside the message to move to a worker thread instead
   * of copying them; the sender must not use them afterwards. Ignored for actors in this thread.
   */
  readonly transfer?: readonly Transferable[];
}

/**
 * Options of {@link ActorRef.ask}.
 *
 * @example
 * ```ts
 * const total = await cart.ask({ type: 'total' }, { timeoutMs: 1000 });
 * ```
 */
export interface AskOptions extends TellOptions {
  /** How long (ms, ≥ 0; `Infinity`: no limit) to wait for the reply before rejecting with `AskTimeoutError`. Default: the system's `askTimeoutMs` (5000). */
  readonly timeoutMs?: number;
}

/**
 * A reference to an actor that accepts messages of type `Msg` and answers asks with `Reply`.
 *
 * @example
 * ```ts
 * const counter = system.spawn(Counter, 0);
 * counter.tell({ type: 'inc' });
 * const n = await counter.ask({ type: 'get' }, { timeoutMs: 1000 });
 * ```
 */
export interface ActorRef<Msg = any, Reply = unknown> {
  /** The actor's address, `troupe://<system>/<node>/<path>`; stable for the actor's lifetime. */
  readonly address: string;
  /** The last segment of the actor's path (its name among its siblings). */
  readonly name: string;
  /**
   * Send a message without waiting (fire-and-forget). Messages from one sender to one actor
   * arrive in the order they were sent. A message to a stopped actor becomes a dead letter.
   * Never throws because of the recipient (ADR 0003); throws `InvalidOptionsError` for a mistake
   * in the call itself (an unknown option such as `{ timeoutMs }`, a `transfer` that is not an
   * array), the same wherever the actor runs.
   */
  tell(message: Msg, options?: TellOptions): void;
  /**
   * Send a message and wait for the actor to `ctx.reply()`. Rejects with `AskTimeoutError`
   * after `timeoutMs`, at once with `ActorStoppedError` if the actor has stopped, and with
   * `ActorFailedError` if the actor fails while processing this message. Rejects with
   * `InvalidOptionsError` for bad options (an unknown one such as `{ timeout }`, a `timeoutMs`
   * that is not a number ≥ 0).
   */
  ask(message: Msg, options?: AskOptions): Promise<Reply>;
  /** Refs are serializable: inside a message they cross threads and nodes as `{ $ref: address }`. */
  toJSON(): {
    /** The actor's {@link ActorRef.address}; the receiving runtime turns it back into a working ref. */
    $ref: string;
  };
}

/**
 * True if `value` is an {@link ActorRef} (of any placement).
 *
 * @example
 * ```ts
 * if (isActorRef(msg.replyTo)) msg.replyTo.tell(result)
 * ```
 */
export function isActorRef(value: unknown): value is ActorRef {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ActorRef).tell === 'function' &&
    typeof (value as ActorRef).ask === 'function' &&
    typeof (value as ActorRef).address === 'string'
  );
}
