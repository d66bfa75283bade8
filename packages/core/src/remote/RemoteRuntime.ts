/**
 * The remote side of one runtime: links to the other runtimes, remote tells and asks (replies
 * through correlation ids on the link, never a new channel per ask), remote spawn, supervision
 * and death watch across runtimes, and what happens when a runtime is lost. Transports (worker
 * threads, NATS) only move batches; everything else is here, once.
 *
 * The runtime is one object whose concepts are layered as classes, one per file, each extending
 * the one below and calling only downwards (imports point down, as between packages):
 *
 * ```
 * RemoteRuntime      this file: the name the system, the thread pool and the transports use
 *   Inbound          Inbound.ts: decoding and checking received records, answering remote asks
 *   ControlHandler   ControlHandler.ts: what each control record does (spawn here, directives, watch…)
 *   NodeLoss         NodeLoss.ts: a lost runtime becomes failures, in a fixed order
 *   RemoteTies       RemoteTies.ts: children elsewhere, children here of parents elsewhere, watches
 *   LinkTable        LinkTable.ts: the links, outbound tells, asks and controls, local delivery
 * ```
 *
 * One object, not parts that call each other: a tell, a received record and a reply make the
 * same calls on the same object as they would in a single class, with no hop between parts and
 * nothing allocated to connect them. Around the layers: `Link.ts` (one peer: the outbound queue
 * and batching), `AskTable.ts` (asks waiting for replies), `refusedRecords.ts` (records that could
 * not be posted), `codec.ts` (refs and Maps inside messages), `protocol.ts` (the records),
 * `RemoteHost.ts` (what the runtime needs from its system), and the refs and proxies it hands out
 * (`RemoteActorRef.ts`, `proxies.ts`), which know it only through `host.ts`.
 *
 * Owns: nothing beyond its layers. May not touch: transports (it gets ports, see `Link.Port`).
 * @internal
 */
import type { ProxyHost, RefHost } from './host.js';
import { Inbound } from './Inbound.js';
import type { RemoteChild } from './proxies.js';

export class RemoteRuntime extends Inbound implements RefHost, ProxyHost<RemoteChild> {}
