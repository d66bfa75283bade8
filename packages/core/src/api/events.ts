/**
 * The event stream: lifecycle, dead letters, supervision decisions and fatal errors, for users
 * and tests to observe. Publishing costs nothing when nobody listens to that kind of event.
 */
import type { SerializedError } from '../serializedError.js';
import type { Directive } from './supervision.js';

/**
 * Why a message became a dead letter:
 * - `stopped`: its actor had stopped, or stopped with the message still queued;
 * - `shutdown`: the same, during or after `system.shutdown()`;
 * - `failed`: its actor failed on it (it is not processed again after a restart);
 * - `mailbox-full`: a bounded mailbox dropped or refused it;
 * - `no-such-actor`: no actor lives at that address in another runtime, or the runtime cannot be reached;
 * - `unserializable`: it could not be sent to another thread or node (structured clone or the
 *   wire codec refused it, or it was larger than the transport allows; an `error` event names the cause).
 *
 * Malformed input from other runtimes is not a dead letter: it is counted in `stats().droppedByCause`.
 *
 * @example
 * ```ts
 * const reasons: DeadLetterReason[] = ['stopped', 'no-such-actor'];
 * system.events.on('dead-letter', (e) => {
 *   if (reasons.includes(e.reason)) console.warn(`a ref to ${e.recipient} outlived its actor`);
 * });
 * ```
 */
export type DeadLetterReason =
  | 'stopped'
  | 'failed'
  | 'mailbox-full'
  | 'no-such-actor'
  | 'shutdown'
  | 'unserializable'
  | 'link-full';

/**
 * A message that could not be delivered or processed.
 *
 * @example
 * ```ts
 * system.events.on('dead-letter', (e) => {
 *   if (e.reason === 'mailbox-full') metrics.increment('dropped', { actor: e.recipient });
 * });
 * ```
 */
export interface DeadLetterEvent {
  /** Always `'dead-letter'`. */
  readonly kind: 'dead-letter';
  /** Address of the intended recipient. */
  readonly recipient: string;
  /** The message itself. */
  readonly message: unknown;
  /** Why it was not delivered or processed. */
  readonly reason: DeadLetterReason;
}

/**
 * An actor started, restarted or stopped.
 *
 * @example
 * ```ts
 * system.events.on('lifecycle', (e) => console.log(`${e.behaviour} ${e.phase}: ${e.actor}`));
 * // order started: troupe://shop/n1/user/order-1
 * ```
 */
export interface LifecycleEvent {
  /** Always `'lifecycle'`. */
  readonly kind: 'lifecycle';
  /** Address of the actor. */
  readonly actor: string;
  /** The catalog name of its behaviour. */
  readonly behaviour: string;
  /** `started` and `restarted` once `init` has finished; `stopped` once it has terminated. */
  readonly phase: 'started' | 'restarted' | 'stopped';
}

/**
 * A supervisor decided what to do with a failed child.
 *
 * @example
 * ```ts
 * system.events.on('supervision', (e) => {
 *   console.warn(`${e.actor}: ${e.error.name} → ${e.directive} (restart #${e.restartCount + 1})`, e.note ?? '');
 * });
 * ```
 */
export interface SupervisionEvent {
  /** Always `'supervision'`. */
  readonly kind: 'supervision';
  /** The failed child. */
  readonly actor: string;
  /** Address of the supervisor that decided. */
  readonly supervisor: string;
  /** What the child threw (or the error that stands for a lost thread or node). */
  readonly error: SerializedError;
  /** What the supervisor does with the child. */
  readonly directive: Directive;
  /** How many times the child had been restarted before this failure. */
  readonly restartCount: number;
  /**
   * Why the directive differs from the decider's: a temporary child, the intensity exceeded, or a
   * child whose thread or node was lost and whose placement fits no other (`stop`: it ended for good).
   */
  readonly note?: string;
  /** Backoff delay before the restart, in ms. */
  readonly delayMs?: number;
}

/**
 * The root guardian failed: the system stops.
 *
 * @example
 * ```ts
 * system.events.on('fatal', (e) => console.error(`system down: ${e.error.name}: ${e.error.message}`));
 * ```
 */
export interface FatalEvent {
  /** Always `'fatal'`. */
  readonly kind: 'fatal';
  /** Why the root guardian failed (e.g. a `RestartIntensityError`). */
  readonly error: SerializedError;
}

/**
 * An error Troupe caught and could not route to a supervisor (e.g. thrown by `onStop`, or a thread that is not replaced any more).
 *
 * @example
 * ```ts
 * system.events.on('error', (e) => console.error(`[${e.where}] ${e.actor ?? ''}`, e.error.message));
 * // [onStop] troupe://shop/n1/user/cart-ann cleanup failed
 * ```
 */
export interface ErrorEvent {
  /** Always `'error'`. */
  readonly kind: 'error';
  /** Address of the actor concerned, when there is one. */
  readonly actor?: string;
  /** Where it happened, e.g. `onStop`, `tell to <node>`, `record from <node>`, `thread pool`, `dispatcher`. */
  readonly where: string;
  /** The error. */
  readonly error: SerializedError;
}

/**
 * Tells this node sent were refused by a full bounded mailbox on another node (reported back by that node).
 *
 * @example
 * ```ts
 * system.events.on('rejected', (e) => console.warn(`${e.count} tells to ${e.recipient} refused: slow down`));
 * ```
 */
export interface RejectedEvent {
  /** Always `'rejected'`. */
  readonly kind: 'rejected';
  /** Address of the actor whose mailbox refused the tells. */
  readonly recipient: string;
  /** How many tells were refused (one notice covers the tells of one batch the other runtime received). */
  readonly count: number;
  /** Always `'mailbox-full'`. */
  readonly reason: 'mailbox-full';
}

/**
 * A node joined, left gracefully, or was declared down.
 *
 * @example
 * ```ts
 * system.events.on('node', (e) => {
 *   if (e.event === 'down') console.warn(`node ${e.node} lost (${e.detail ?? 'no detail'})`);
 * });
 * ```
 */
export interface NodeEvent {
  /** Always `'node'`. */
  readonly kind: 'node';
  /** The node id (of the node's process, its main thread). */
  readonly node: string;
  /** `up`: joined (or came back after `leave` or `down`); `leave`: left gracefully; `down`: declared down (its actors fail with `NodeLostError`). */
  readonly event: 'up' | 'leave' | 'down';
  /** The node's worker threads. */
  readonly threads: readonly string[];
  /** For `leave` and `down`: why, e.g. `no heartbeat for 3012 ms (down after 3000 ms)`. */
  readonly detail?: string;
}

/**
 * A reliable link to another node stopped being acknowledged while it had batches to deliver
 * (`stuck`: the server is unreachable, or the peer is alive for the failure detector but does not
 * take our batches), or is acknowledged again (`recovered`). The node is not declared down for
 * this: that stays the failure detector's decision.
 *
 * @example
 * ```ts
 * system.events.on('link', (e) => {
 *   if (e.event === 'stuck') console.warn(`link ${e.from} → ${e.to} stuck: ${e.detail}`);
 * });
 * ```
 */
export interface LinkEvent {
  /** Always `'link'`. */
  readonly kind: 'link';
  /** The runtime of this node that sends on the link. */
  readonly from: string;
  /** The runtime of the other node. */
  readonly to: string;
  /** `stuck`: no acknowledgement for `links.stuckAfterMs`; `recovered`: acknowledged again. */
  readonly event: 'stuck' | 'recovered';
  /** Batches waiting for an acknowledgement. */
  readonly unackedBatches: number;
  /** For `stuck`: for how long nothing was acknowledged. */
  readonly detail?: string;
}

/**
 * Every event on the stream.
 *
 * @example
 * ```ts
 * system.events.on('*', (e: TroupeEvent) => {
 *   if (e.kind === 'fatal' || e.kind === 'error') alerts.tell(e);
 * });
 * ```
 */
export type TroupeEvent =
  | RejectedEvent
  | DeadLetterEvent
  | LifecycleEvent
  | SupervisionEvent
  | FatalEvent
  | ErrorEvent
  | NodeEvent
  | LinkEvent;

/**
 * The kinds of event.
 *
 * @example
 * ```ts
 * const worrying: TroupeEventKind[] = ['dead-letter', 'supervision', 'error', 'fatal'];
 * const offs = worrying.map((kind) => system.events.on(kind, (e) => log.warn(e)));
 * ```
 */
export type TroupeEventKind = TroupeEvent['kind'];

/**
 * The event type for a kind (or every event for `*`).
 *
 * @example
 * ```ts
 * const onNode = (e: EventOf<'node'>) => console.log(e.node, e.event);
 * system.events.on('node', onNode);
 * ```
 */
export type EventOf<K extends TroupeEventKind | '*'> = K extends '*'
  ? TroupeEvent
  : Extract<
      TroupeEvent,
      {
        /** The kind to pick. */
        kind: K;
      }
    >;

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
