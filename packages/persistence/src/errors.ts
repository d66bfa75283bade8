/**
 * Errors of persistent actors.
 *
 * Owns: {@link PersistFailedError}. May not touch: anything else.
 */

/**
 * A message's events could not be persisted: the store refused them (another writer, see
 * `conflict`) or could not be reached. Nothing of the message was acknowledged: no reply was
 * sent, the state did not change. The actor fails with this error and its supervisor decides;
 * an ask that carried the message rejects.
 */
export class PersistFailedError extends Error {
  /** Always `'PersistFailedError'` (kept when the error crosses a thread or node). */
  override readonly name = 'PersistFailedError';
  constructor(
    /** The persistence id. */
    readonly id: string,
    /** The last sequence number the actor had. */
    readonly seq: number,
    /** How many events the message tried to persist (1 for a durable state). */
    readonly events: number,
    cause: unknown,
    /** Another writer appended to the id (two activations of one actor). */
    readonly conflict: boolean,
    /** What was not persisted: events, or a durable actor's state. */
    what: 'events' | 'state' = 'events',
  ) {
    // The store's message names the id already: say it once.
    const reason = String((cause as Error)?.message ?? cause).replace(`persistence id '${id}': `, '');
    const lost =
      what === 'state'
        ? `the state after sequence number ${seq} was`
        : `${events} event(s) after sequence number ${seq} were`;
    super(
      `persistence id '${id}': ${lost} not persisted: ${reason}` +
        (cause instanceof TypeError
          ? `. ${what === 'state' ? 'States' : 'Events'} must be JSON values: fix what the handler ${what === 'state' ? 'returns' : 'persists'}`
          : conflict
            ? '' // the conflict's own message says what happened and what comes next
            : '. Nothing was acknowledged; the supervisor restarts the actor (use a backoff supervision) and it recovers from the store when it is back'),
      { cause },
    );
  }
}

/** Is `e` a {@link PersistFailedError} (also one that crossed a thread or node as a plain error)? */
export function isPersistFailedError(e: unknown): e is PersistFailedError {
  return typeof e === 'object' && e !== null && (e as { name?: unknown }).name === 'PersistFailedError';
}
