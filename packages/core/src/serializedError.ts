/**
 * Errors across boundaries: any thrown value as plain data (`SerializedError`) that crosses a
 * worker thread or the network, and back as an `Error` that keeps the original name, so the
 * `is…` guards of `errors.ts` match it on the other side.
 * Owns: the serialized form of errors. May not touch: the error classes (it imports nothing).
 */

/**
 * An error in a form that can cross a thread or network boundary.
 *
 * @example
 * ```ts
 * system.events.on('supervision', ({ actor, error }) => {
 *   console.warn(`${actor} failed: ${error.name}: ${error.message}`, error.cause?.message ?? '');
 * });
 * ```
 */
export interface SerializedError {
  /** The error's `name`, e.g. `'TypeError'` or `'AskTimeoutError'` (`'NonError'` for a thrown non-error). */
  readonly name: string;
  /** The error's `message`. */
  readonly message: string;
  /** The stack trace, as captured where the error was thrown. */
  readonly stack?: string;
  /** The error's `cause`, serialized the same way (followed to depth 8). */
  readonly cause?: SerializedError;
}

/**
 * An error revived from its serialized form (it crossed a thread or network boundary). It keeps
 * the original `name`, `message` and `stack`, so deciders and guards can match it by name.
 *
 * @example
 * ```ts
 * const e = reviveError({ name: 'TypeError', message: 'x' }); e.name === 'TypeError'
 * ```
 */
export class RemoteError extends Error {
  /** The original error's `name` (e.g. `'TypeError'`), not `'RemoteError'`. */
  override name: string;
  constructor(serialized: SerializedError) {
    super(
      serialized.message,
      serialized.cause === undefined ? undefined : { cause: reviveError(serialized.cause) },
    );
    this.name = serialized.name;
    if (serialized.stack !== undefined) this.stack = serialized.stack;
  }
}

/**
 * Turn any thrown value into `{ name, message, stack, cause }` (causes followed to depth 8).
 *
 * @example
 * ```ts
 * port.postMessage({ error: serializeError(e) })
 * ```
 */
export function serializeError(error: unknown, depth = 0): SerializedError {
  if (error instanceof Error) {
    const out: { name: string; message: string; stack?: string; cause?: SerializedError } = {
      name: error.name,
      message: error.message,
    };
    if (error.stack !== undefined) out.stack = error.stack;
    if (error.cause !== undefined && depth < 8) out.cause = serializeError(error.cause, depth + 1);
    return out;
  }
  return { name: 'NonError', message: describeCause(error) };
}

/**
 * Turn a {@link SerializedError} back into an `Error` (a {@link RemoteError}).
 *
 * @example
 * ```ts
 * const err = reviveError(msg.error)
 * ```
 */
export function reviveError(serialized: SerializedError): Error {
  return new RemoteError(serialized);
}

/** A one-line description of a thrown value, for error messages. @internal */
export function describeCause(cause: unknown): string {
  if (cause instanceof Error) return `${cause.name}: ${cause.message}`;
  if (typeof cause === 'string') return cause;
  try {
    return JSON.stringify(cause) ?? String(cause);
  } catch {
    return String(cause);
  }
}
