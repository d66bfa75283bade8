/**
 * The metrics of one actor system as a whole: dead letters by reason, supervision decisions by
 * directive, actors, queued messages and the deepest mailboxes, pending asks, input dropped by
 * cause, and the nodes and threads of the cluster by status. Counted from the system's event
 * stream and read from `system.stats()` / `system.nodes()` when the SDK collects.
 *
 * Owns: those instruments and the event subscriptions. May not touch: per-message work (that is
 * `instrumentation.ts`, on the message path).
 */
import { type MeterProvider, metrics } from '@opentelemetry/api';
import type { ActorSystem } from '@troupe/core';
import { pathOfAddress, SCOPE } from './instrumentation.js';

/** Options of {@link instrumentSystem}. */
export interface SystemMetricsOptions {
  /** The meter provider. Default: the global one (register the SDK's first). */
  readonly meterProvider?: MeterProvider;
}

/**
 * Report the metrics of `system` (of its main runtime: worker threads report their per-message
 * metrics through their own `instrumentTroupe`): `troupe.dead_letters` (by reason),
 * `troupe.supervision.decisions` (by directive: restarts, stops, resumes, escalations),
 * `troupe.actors`, `troupe.mailbox.queued`, `troupe.mailbox.depth` (the five deepest, by
 * actor path), `troupe.asks.pending`, `troupe.input.dropped` (by cause), `troupe.nodes` (up),
 * `troupe.node.events` (up, leave, down) and `troupe.threads` (by node). Returns a function that stops reporting.
 *
 * @example
 * ```ts
 * const stop = instrumentSystem(system);
 * // … later
 * stop();
 * ```
 */
export function instrumentSystem(system: ActorSystem, options: SystemMetricsOptions = {}): () => void {
  const meter = (options.meterProvider ?? metrics.getMeterProvider()).getMeter(SCOPE);
  const node = system.nodeId;
  const base = { 'troupe.node': node, 'troupe.system': system.name };
  const deadLetters = meter.createCounter('troupe.dead_letters', {
    description: 'Messages that could not be delivered or processed, by reason',
    unit: '{message}',
  });
  const decisions = meter.createCounter('troupe.supervision.decisions', {
    description: 'What supervisors did with failed children, by directive',
    unit: '{decision}',
  });
  const nodeEvents = meter.createCounter('troupe.node.events', {
    description: 'Nodes that joined (up), left gracefully (leave) or were declared down (down)',
    unit: '{event}',
  });
  let stopped = false;
  void system.whenTerminated.then(() => {
    stopped = true;
  });
  const offs = [
    system.events.on('node', (e) => nodeEvents.add(1, { ...base, 'troupe.node.event': e.event })),
    system.events.on('dead-letter', (e) =>
      deadLetters.add(1, { ...base, 'troupe.dead_letter.reason': e.reason }),
    ),
    system.events.on('supervision', (e) =>
      decisions.add(1, { ...base, 'troupe.supervision.directive': e.directive }),
    ),
  ];

  const gauge = (name: string, description: string, unit: string) =>
    meter.createObservableGauge(name, { description, unit });
  const actors = gauge('troupe.actors', 'Live actors', '{actor}');
  const queued = gauge('troupe.mailbox.queued', 'Messages waiting in all mailboxes', '{message}');
  const depth = gauge(
    'troupe.mailbox.depth',
    'Messages waiting in the deepest mailboxes (up to five), by actor',
    '{message}',
  );
  const pending = gauge('troupe.asks.pending', 'Asks waiting for a reply', '{ask}');
  const dropped = meter.createObservableCounter('troupe.input.dropped', {
    description: 'Input from other runtimes or the network dropped as malformed or unroutable, by cause',
    unit: '{batch}',
  });
  const nodes = gauge(
    'troupe.nodes',
    'Nodes of the cluster this node knows to be up (itself included)',
    '{node}',
  );
  const threads = gauge(
    'troupe.threads',
    'Worker threads of the nodes this node knows to be up, by node',
    '{thread}',
  );
  const observed = [actors, queued, depth, pending, dropped, nodes, threads];
  const collect: Parameters<typeof meter.addBatchObservableCallback>[0] = (r) => {
    if (stopped) return;
    const s = system.stats();
    r.observe(actors, s.actors, base);
    r.observe(queued, s.queuedMessages, base);
    for (const m of s.deepestMailboxes)
      r.observe(depth, m.depth, { ...base, 'troupe.actor.path': pathOfAddress(m.actor) });
    r.observe(pending, s.pendingAsks, base);
    for (const [cause, n] of Object.entries(s.droppedByCause))
      r.observe(dropped, n, { ...base, 'troupe.drop.cause': cause });
    const up = system.nodes();
    r.observe(nodes, up.length, base);
    for (const n of up) r.observe(threads, n.threads.length, { ...base, 'troupe.peer': n.id });
  };
  meter.addBatchObservableCallback(collect, observed);
  return () => {
    for (const off of offs) off();
    meter.removeBatchObservableCallback(collect, observed);
  };
}
