/**
 * Errors of the NATS transport. Each sets `name`, takes `{ cause }`, says what to do, and has an
 * `is…` guard.
 */
import { TroupeError } from '@troupe/core';

/**
 * The node could not connect to NATS (no server, wrong credentials, TLS failure).
 *
 * @example
 * ```ts
 * await createActorSystem({ name, transports: [nats({ servers })] }).catch((e) => isNatsConnectionError(e) && exit(2));
 * ```
 */
export class NatsConnectionError extends TroupeError {
  override readonly name = 'NatsConnectionError';
}

/** True if `e` is a {@link NatsConnectionError}. @example `if (isNatsConnectionError(e)) retryLater()` */
export function isNatsConnectionError(e: unknown): e is NatsConnectionError {
  return typeof e === 'object' && e !== null && (e as Error).name === 'NatsConnectionError';
}
