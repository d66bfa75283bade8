/**
 * The errors of the xstate adapter. Like every Troupe error they set `name`, take `{ cause }` and
 * have an `is…` guard that also matches an error that crossed a thread or network boundary.
 */
import { TroupeError, type TroupeErrorOptions } from '../errors.js';

/**
 * A hosted machine erred (an action, guard or invoked logic threw); the xstate error is the
 * `cause`. The actor fails with it to its supervisor.
 *
 * @example
 * ```ts
 * const err = await order.ask({ type: 'PAY', amount: 10 }).catch((e) => e);
 * isMachineError(err.cause) // true; err.cause.cause is what the action threw
 * ```
 */
export class MachineError extends TroupeError {
  /** Always `'MachineError'`, also after the error crossed a thread or network boundary. */
  override readonly name = 'MachineError';
}

/**
 * True if `e` is a {@link MachineError} (also after crossing a boundary).
 *
 * @example
 * ```ts
 * supervision: { decider: (e) => (isMachineError(e) ? 'restart' : 'escalate') }
 * ```
 */
export const isMachineError = (e: unknown): e is MachineError =>
  typeof e === 'object' && e !== null && (e as { name?: unknown }).name === 'MachineError';

/**
 * An event sent with `ask` was processed and no `reply()` ran, so the ask can never be answered:
 * it fails at once instead of waiting for its timeout. `handled` is false when no transition took
 * the event at all (the state ignores it, its guards refused it, or the machine is done). The
 * machine actor itself is fine: it goes on with its next message.
 *
 * @example
 * ```ts
 * await order.ask({ type: 'STATUS' }).catch((e) => {
 *   if (isUnansweredAskError(e)) console.log(e.state, e.event, e.handled);
 * });
 * ```
 */
export class UnansweredAskError extends TroupeError {
  /** Always `'UnansweredAskError'`, also after the error crossed a thread or network boundary. */
  override readonly name = 'UnansweredAskError';
  constructor(
    /** The behaviour name of the machine. */
    readonly machine: string,
    /** The machine's state when the event arrived (its `value` as JSON, or its status). */
    readonly state: string,
    /** The event's `type`. */
    readonly event: string,
    /** True if a transition took the event (but none of its actions was a `reply()`). */
    readonly handled: boolean,
    /** What the machine's status was: `'active'`, or `'done'` for a machine in a final state. */
    status: string,
    options?: TroupeErrorOptions,
  ) {
    super(
      status !== 'active'
        ? `machine '${machine}' is ${status} (state ${state}) and takes no more events, so the asked event '${event}' cannot be answered; read it with getSnapshot() instead`
        : handled
          ? `machine '${machine}' took the asked event '${event}' in state ${state}, but no reply() action ran, so the ask cannot be answered; add a reply() action to that transition, or send the event with tell`
          : `machine '${machine}' in state ${state} did not handle the asked event '${event}' (no transition: the state ignores it or its guards refused it), so nothing can reply; handle it in this state with a reply() action, or send it with tell`,
      options,
    );
  }
}

/**
 * True if `e` is an {@link UnansweredAskError} (also after crossing a boundary).
 *
 * @example
 * ```ts
 * const status = await order.ask({ type: 'STATUS' }).catch((e) => (isUnansweredAskError(e) ? undefined : Promise.reject(e)));
 * ```
 */
export const isUnansweredAskError = (e: unknown): e is UnansweredAskError =>
  typeof e === 'object' && e !== null && (e as { name?: unknown }).name === 'UnansweredAskError';
