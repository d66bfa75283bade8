/**
 * The installed {@link Instrumentation} of this thread, and the envelope that carries a trace
 * context with a message: {@link Traced}. Without an instrumentation nothing is wrapped and the
 * message path checks one boolean; once one is installed, a message sent with a carrier travels
 * as a `Traced` through mailboxes and pools until the run loop (or a link, which sends the carrier
 * as a record of its own) takes it apart.
 *
 * Owns: the registry, the envelope, wrapping at the send side. May not touch: any tracing library.
 * @internal
 */
import type { Instrumentation, Sending } from '../api/instrumentation.js';

/** The longest carrier sent or accepted (a W3C traceparent is 55 characters). */
export const MAX_CARRIER = 1024;

/** A message with the trace context it was sent in. Never reaches a behaviour. */
export class Traced {
  constructor(
    readonly message: unknown,
    readonly carrier: string,
  ) {}
}

/**
 * The thread's registry, shared by every copy of this module the thread loaded (a bundle, two
 * installed versions, or sources next to a build, as a worker thread loading a TypeScript
 * catalog has): each copy keeps its own fast binding and is told of every change.
 */
interface Registry {
  current: Instrumentation | undefined;
  readonly copies: ((i: Instrumentation | undefined) => void)[];
}
const REGISTRY = Symbol.for('troupe.instrumentation');
const registry: Registry =
  ((globalThis as Record<symbol, unknown>)[REGISTRY] as Registry | undefined) ??
  ((globalThis as Record<symbol, unknown>)[REGISTRY] = { current: undefined, copies: [] } as Registry);

/** The installed instrumentation; undefined when none. */
export let instrumentation: Instrumentation | undefined;

/**
 * True from the first installation on, even after removal: run loops then look for a
 * {@link Traced} in every message (one may still wait in a mailbox).
 */
export let tracing = false;

function installed(i: Instrumentation | undefined): void {
  instrumentation = i;
  if (i !== undefined) tracing = true;
}
registry.copies.push(installed);
installed(registry.current);

/**
 * Install the instrumentation of this thread (`undefined` removes it). Every actor system of the
 * thread uses it from the next message on.
 *
 * @example
 * ```ts
 * import { instrumentTroupe } from '@troupe/telemetry';
 * instrumentTroupe(); // calls setInstrumentation with OpenTelemetry's tracer and meter
 * ```
 */
export function setInstrumentation(i: Instrumentation | undefined): void {
  if (i !== undefined && (typeof i.send !== 'function' || typeof i.process !== 'function'))
    throw new TypeError(
      'setInstrumentation() takes { send(kind, target, message), process(info, message, carrier, run) }',
    );
  registry.current = i;
  for (const copy of registry.copies) copy(i);
}

/** The message itself, without its envelope. */
export function unwrap(message: unknown): unknown {
  return tracing && message instanceof Traced ? message.message : message;
}

/**
 * `message` as it leaves a sender for `target`: wrapped with the carrier the instrumentation
 * gives, or as it is (none installed, nothing to carry, or already wrapped: handed on by a pool).
 * `sending` receives what the instrumentation returned, for an ask's `settled`.
 */
export function outbound(kind: 'tell' | 'ask', target: string, message: unknown): unknown {
  const inst = instrumentation;
  lastSending = undefined;
  if (inst === undefined || message instanceof Traced) return message;
  lastSending = inst.send(kind, target, message);
  const carrier = lastSending?.carrier;
  return typeof carrier === 'string' && carrier.length <= MAX_CARRIER
    ? new Traced(message, carrier)
    : message;
}

/** What the last {@link outbound} call got from the instrumentation (read at once by an ask). */
export let lastSending: Sending | undefined;

/** Call `settled` of an ask's {@link Sending} when `promise` settles. */
export function settleWith(sending: Sending | undefined, promise: Promise<unknown>): void {
  const settled = sending?.settled;
  if (settled === undefined) return;
  promise.then(
    () => settled.call(sending, undefined),
    (e: unknown) => settled.call(sending, e),
  );
}
