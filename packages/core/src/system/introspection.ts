/**
 * Introspection: every runtime (a node's main thread and each worker thread) answers, at the
 * path `system/introspect`, with a {@link RuntimeReport} — its counters, its busiest actors, and
 * its events since a cursor — and `system.clusterStats()` asks every runtime of the cluster at
 * once. Events are kept in a bounded log per runtime (the last 1,000), started on the first
 * request: a reader that falls behind loses the oldest events, counted as lost, and the runtime
 * never holds more.
 *
 * Owns: the introspection behaviour, the event log, sanitizing events (no message contents, no
 * stacks leave the runtime), gathering the cluster's reports. May not touch: the cells (read
 * only, through the host).
 * @internal
 */

import type { CellSystem } from '../actor/ActorCell.js';
import { ActorCell } from '../actor/ActorCell.js';
import { messageType } from '../actor/ask.js';
import { Status } from '../actor/CellBase.js';
import { defineActor } from '../actor/defineActor.js';
import type { ActorRef } from '../api/ActorRef.js';
import type { SystemStats } from '../api/ActorSystem.js';
import type { EventStream, TroupeEvent } from '../api/events.js';
import type {
  ActorReport,
  ClusterStats,
  ClusterStatsOptions,
  ReportedEvent,
  RuntimeReport,
} from '../api/introspection.js';
import type { NodeStatus } from '../api/nodes.js';

/** The path every runtime answers introspection requests at. */
export const INTROSPECT_PATH = 'system/introspect';
const LOG_SIZE = 1000;
const MAX_ACTORS = 2000;

/** What introspection reads of a runtime. */
export interface IntrospectionHost {
  readonly name: string;
  readonly nodeId: string;
  readonly mainNodeId: string;
  readonly events: EventStream;
  now(): number;
  stats(): SystemStats;
  liveCells(): readonly ActorCell[];
  nodes(): NodeStatus[];
  lookup<M = unknown, R = unknown>(address: string): ActorRef<M, R> | undefined;
}

/** A request, as it arrives (from another runtime: checked before use). */
interface Request {
  readonly since?: number;
  readonly actors?: number;
}

/** An event as it may leave the runtime. */
function sanitize(seq: number, at: number, e: TroupeEvent): ReportedEvent {
  const out: Record<string, unknown> = { seq, at };
  for (const [k, v] of Object.entries(e)) {
    if (k === 'message') out.messageType = messageType(v);
    else if (k === 'error' && typeof v === 'object' && v !== null) {
      const err = v as { name?: unknown; message?: unknown };
      out.error = { name: String(err.name ?? 'Error'), message: String(err.message ?? '') };
    } else out[k] = v;
  }
  return out as ReportedEvent;
}

/** The last {@link LOG_SIZE} events of a runtime, numbered. */
class EventLog {
  private readonly ring: (ReportedEvent | undefined)[] = new Array(LOG_SIZE);
  /** The seq of the next event. */
  next = 0;
  constructor(host: IntrospectionHost) {
    host.events.on('*', (e) => {
      this.ring[this.next % LOG_SIZE] = sanitize(this.next, host.now(), e);
      this.next++;
    });
  }
  since(cursor: number): { events: ReportedEvent[]; lost: number } {
    const oldest = Math.max(0, this.next - LOG_SIZE);
    const from = Math.min(Math.max(cursor, oldest), this.next);
    const events: ReportedEvent[] = [];
    for (let s = from; s < this.next; s++) events.push(this.ring[s % LOG_SIZE]!);
    return { events, lost: Math.max(0, oldest - cursor) };
  }
}

/** The `limit` actors with the deepest mailboxes, then the most messages processed. */
function topActors(cells: readonly ActorCell[], limit: number): ActorReport[] {
  const better = (a: ActorCell, b: ActorCell) =>
    a.mailboxSize !== b.mailboxSize ? a.mailboxSize > b.mailboxSize : a.processed > b.processed;
  const top: ActorCell[] = [];
  for (const c of cells) {
    if (top.length === limit && (limit === 0 || !better(c, top[limit - 1]!))) continue;
    let i = top.length;
    while (i > 0 && better(c, top[i - 1]!)) i--;
    top.splice(i, 0, c);
    if (top.length > limit) top.pop();
  }
  return top.map((c) => ({
    path: c.path,
    behaviour: c.behaviour.name,
    mailbox: c.mailboxSize,
    processed: c.processed,
    restarts: c.restartCount,
  }));
}

/** This runtime's report for `request` (untrusted: numbers are clamped). */
function report(host: IntrospectionHost, log: () => EventLog, request: unknown): RuntimeReport {
  const r = (typeof request === 'object' && request !== null ? request : {}) as Request;
  const limit =
    typeof r.actors === 'number' && Number.isFinite(r.actors)
      ? Math.max(0, Math.min(MAX_ACTORS, Math.floor(r.actors)))
      : 100;
  const first = typeof r.since !== 'number' || !Number.isSafeInteger(r.since) || r.since < 0;
  const events = log();
  const { events: list, lost } = first ? { events: [], lost: 0 } : events.since(r.since as number);
  const cells = host.liveCells();
  const actors = topActors(cells, limit);
  return {
    node: host.nodeId,
    process: host.mainNodeId,
    at: host.now(),
    stats: host.stats(),
    actors,
    actorsOmitted: cells.length - actors.length,
    events: list,
    eventsLost: lost,
    nextEvent: events.next,
  };
}

/**
 * Start this runtime's introspection actor at {@link INTROSPECT_PATH} (outside the user tree: it
 * is not counted among the actors and never stops before the system does).
 */
export function startIntrospection(system: CellSystem, host: IntrospectionHost): ActorCell {
  let log: EventLog | undefined;
  const behaviour = defineActor<unknown, undefined>({
    name: 'troupe.introspect',
    receive(ctx, s, m) {
      if (!ctx.isAsk) return s;
      try {
        ctx.reply(report(host, () => (log ??= new EventLog(host)), m));
      } catch (e) {
        ctx.reply({ error: e instanceof Error ? e.message : String(e) });
      }
      return s;
    },
  });
  const cell = new ActorCell(
    system,
    null,
    behaviour,
    undefined,
    'introspect',
    INTROSPECT_PATH,
    { capacity: 1000, overflow: 'dropNewest' },
    'permanent',
  );
  cell.status = Status.Running;
  return cell;
}

/** Ask every runtime of the cluster for its report (see `ActorSystem.clusterStats`). */
export async function clusterStats(
  host: IntrospectionHost,
  options: ClusterStatsOptions = {},
): Promise<ClusterStats> {
  const at = host.now();
  const timeoutMs = options.timeoutMs ?? 2000;
  const runtimes = host.nodes().flatMap((n) => [n.id, ...n.threads]);
  const answers = await Promise.all(
    runtimes.map(async (node) => {
      const ref = host.lookup<Request, RuntimeReport | { error: string }>(
        `troupe://${host.name}/${node}/${INTROSPECT_PATH}`,
      );
      if (ref === undefined) return { node, error: 'no route' };
      const since = options.since?.[node];
      try {
        const r = await ref.ask(
          {
            ...(since === undefined ? {} : { since }),
            ...(options.actors === undefined ? {} : { actors: options.actors }),
          },
          { timeoutMs },
        );
        return 'error' in r ? { node, error: String(r.error) } : r;
      } catch (e) {
        return { node, error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
      }
    }),
  );
  const ok: RuntimeReport[] = [];
  const unreachable: { node: string; error: string }[] = [];
  for (const a of answers) {
    if ('stats' in a) ok.push(a);
    else unreachable.push(a as { node: string; error: string });
  }
  return { at, runtimes: ok, unreachable };
}
