/**
 * The subjects a Troupe system uses on NATS (specified in docs/wire-protocol.md). Every subject
 * starts with `troupe.<system>.`, so two systems on one server never see each other's traffic.
 */

/** Batches for node `node` (a process; its threads are reached through it). */
export const nodeSubject = (system: string, node: string) => `troupe.${system}.node.${node}`;
/** Membership: hello, heartbeat and leave announcements. */
export const membersSubject = (system: string) => `troupe.${system}.members`;
/** An exposed actor: plain request/reply with JSON bodies. */
export const serviceSubject = (system: string, name: string) => `troupe.${system}.svc.${name}`;

/** A system name or node id that can be one subject token. */
export const TOKEN_RE = /^[A-Za-z0-9_-]+$/;
