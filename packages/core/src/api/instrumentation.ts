/**
 * The instrumentation seam: what a tracing or metrics layer (such as `@troupe/telemetry`, on
 * OpenTelemetry) plugs into, so the core carries a trace context with every message without
 * knowing any tracing library. The core calls {@link Instrumentation.send} where a message
 * leaves a sender and {@link Instrumentation.process} around each message an actor handles;
 * the carrier it returns travels with the message — in the mailbox, across a thread hop and
 * over the wire — as an opaque string.
 *
 * Owns: the contract only. May not touch: any implementation.
 */

/** What is being sent: a tell, or an ask (which waits for a reply). */
export type SendKind = 'tell' | 'ask';

/** A message on its way, as the instrumentation returns it from {@link Instrumentation.send}. */
export interface Sending {
  /**
   * The context to carry with the message (for OpenTelemetry, a W3C `traceparent`, optionally
   * followed by a newline and the `tracestate`). At most 1,024 characters: a longer one is not
   * sent. Opaque to the core, and never evaluated: on the receiving side it is only handed back to
   * {@link Instrumentation.process}. Undefined: nothing to carry (`settled` is still called).
   */
  readonly carrier?: string | undefined;
  /** For an ask: called once when it settles (`error` undefined on a reply). */
  settled?(error: unknown): void;
}

/** The actor about to process a message, as {@link Instrumentation.process} sees it. */
export interface ProcessInfo {
  /** The actor's address (`troupe://shop/n1/user/counter`). */
  readonly address: string;
  /** The actor's path (`user/counter`). */
  readonly path: string;
  /** Its behaviour's name: the actor's type. */
  readonly behaviour: string;
  /** The node (runtime) it runs on: a process's node id, or `<node>.t<k>` for a worker thread. */
  readonly node: string;
  /** Is the message an ask (a reply is expected)? */
  readonly isAsk: boolean;
}

/**
 * A tracing and metrics layer, installed per thread with `setInstrumentation` (each worker thread
 * installs its own, as each thread registers its own OpenTelemetry SDK). Both methods are on the
 * hot path of every message: return quickly when nothing is recorded.
 *
 * @example
 * ```ts
 * import { setInstrumentation } from '@troupe/core';
 * setInstrumentation({
 *   send: () => undefined, // carry nothing
 *   process: (info, _message, _carrier, run) => {
 *     const t = performance.now();
 *     try { return run(); } finally { console.log(info.behaviour, performance.now() - t); }
 *   },
 * });
 * ```
 */
export interface Instrumentation {
  /**
   * A message leaves a sender for `target` (an address). Called in the sender's context (inside
   * the `process` of the message being handled, if any). Return what to carry with it, or
   * undefined to carry nothing.
   */
  send(kind: SendKind, target: string, message: unknown): Sending | undefined;
  /**
   * An actor handles `message`, which came with `carrier` (undefined: none). Call `run` once and
   * return what it returns — a promise when the handler is async; an exception it throws must be
   * rethrown.
   */
  process<T>(info: ProcessInfo, message: unknown, carrier: string | undefined, run: () => T): T;
}
