/**
 * The event stream: lifecycle, dead letters, supervision decisions and fatal errors, for users
 * and tests to observe. Publishing costs nothing when nobody listens to that kind of event.
 */
import type { SerializedError } from '../errors.js';
import type { Directive } from '../supervision/types.js';

/**
 * Why a message became a dead letter: its actor had `stopped`, it `failed` on it, the mailbox was
 * full, no actor lives at the address, the system shut down, it arrived `malformed` from another
 * runtime, or it could not be cloned (`unserializable`).
 */
export type DeadLetterReason =
  | 'stopped'
  | 'failed'
  | 'mailbox-full'
  | 'no-such-actor'
  | 'shutdown'
  | 'malformed'
  | 'unserializable'
  | 'too-large';

/** A message that could not be delivered or processed. */
export interface DeadLetterEvent {
  readonly kind: 'dead-letter';
  /** Address of the intended recipient. */
  readonly recipient: string;
  readonly message: unknown;
  readonly reason: DeadLetterReason;
}

/** An actor started, restarted or stopped. */
export interface LifecycleEvent {
  readonly kind: 'lifecycle';
  readonly actor: string;
  readonly behaviour: string;
  readonly phase: 'started' | 'restarted' | 'stopped';
}

/** A supervisor decided what to do with a failed child. */
export interface SupervisionEvent {
  readonly kind: 'supervision';
  /** The failed child. */
  readonly actor: string;
  readonly supervisor: string;
  readonly error: SerializedError;
  readonly directive: Directive;
  /** How many times the child had been restarted before this failure. */
  readonly restartCount: number;
  /** Why the directive differs from the decider's (a temporary child, intensity exceeded, …). */
  readonly note?: string;
  /** Backoff delay before the restart, in ms. */
  readonly delayMs?: number;
}

/** The root guardian failed: the system stops. */
export interface FatalEvent {
  readonly kind: 'fatal';
  readonly error: SerializedError;
}

/** An error Troupe caught and could not route to a supervisor (e.g. thrown by `onStop`, or a thread that is not replaced any more). */
export interface ErrorEvent {
  readonly kind: 'error';
  readonly actor?: string;
  readonly where: string;
  readonly error: SerializedError;
}

/** Tells this node sent were refused by a full bounded mailbox on another node (reported back by that node). */
export interface RejectedEvent {
  readonly kind: 'rejected';
  readonly recipient: string;
  readonly count: number;
  readonly reason: 'mailbox-full';
}

/** A node joined, left gracefully, or was declared down. */
export interface NodeEvent {
  readonly kind: 'node';
  readonly node: string;
  readonly event: 'up' | 'leave' | 'down';
  /** The node's worker threads. */
  readonly threads: readonly string[];
  readonly detail?: string;
}

/** Every event on the stream. */
export type TroupeEvent =
  | RejectedEvent
  | DeadLetterEvent
  | LifecycleEvent
  | SupervisionEvent
  | FatalEvent
  | ErrorEvent
  | NodeEvent;
/** The kinds of event. */
export type TroupeEventKind = TroupeEvent['kind'];
/** The event type for a kind (or every event for `*`). */
export type EventOf<K extends TroupeEventKind | '*'> = K extends '*'
  ? TroupeEvent
  : Extract<TroupeEvent, { kind: K }>;

/**
 * Subscribe to the system's events by kind (or `'*'` for all).
 *
 * @example
 * ```ts
 * const off = system.events.on('dead-letter', (e) => console.warn(e.recipient, e.reason));
 * off();
 * ```
 */
export class EventStream {
  private readonly subs = new Map<string, Set<(e: TroupeEvent) => void>>();
  /** @internal Fast checks for the hot paths. */
  listensTo(kind: TroupeEventKind): boolean {
    return this.subs.has(kind) || this.subs.has('*');
  }

  /** Call `handler` for every event of `kind`; returns a function that unsubscribes. */
  on<K extends TroupeEventKind | '*'>(kind: K, handler: (event: EventOf<K>) => void): () => void {
    let set = this.subs.get(kind);
    if (set === undefined) this.subs.set(kind, (set = new Set()));
    const h = handler as (e: TroupeEvent) => void;
    set.add(h);
    return () => {
      set.delete(h);
      if (set.size === 0 && this.subs.get(kind) === set) this.subs.delete(kind);
    };
  }

  /** @internal */
  publish(event: TroupeEvent): void {
    this.deliver(this.subs.get(event.kind), event);
    this.deliver(this.subs.get('*'), event);
  }

  private deliver(set: Set<(e: TroupeEvent) => void> | undefined, event: TroupeEvent): void {
    if (set === undefined) return;
    for (const h of [...set]) {
      try {
        h(event);
      } catch (e) {
        // A subscriber's bug must never break the actor that published the event.
        console.error('[troupe] an event-stream subscriber threw:', e);
      }
    }
  }
}
