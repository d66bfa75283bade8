/**
 * @troupe/transport-nats — remote Troupe nodes over NATS. Not implemented yet: this package is a
 * placeholder until the NATS transport lands (see docs/guide/ for what exists today).
 *
 * @packageDocumentation
 */

/**
 * The version of the Troupe wire protocol this package will speak.
 *
 * @example
 * ```ts
 * import { WIRE_PROTOCOL_VERSION } from '@troupe/transport-nats';
 * ```
 */
export const WIRE_PROTOCOL_VERSION = 1;
