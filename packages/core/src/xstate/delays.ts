/**
 * Delayed events of a hosted machine (`after`, `raise` or `sendTo` with a `delay`). xstate v5 keeps
 * them in its scheduler, not in the persisted snapshot, and restores none (statelyai/xstate#5331),
 * so a machine restored in a state with `after` would wait forever. They are saved next to the
 * snapshot and scheduled again, at their original deadline, when the machine is restored.
 * @internal
 */
import type { AnyActorRef, EventObject } from 'xstate';
import { isActorRef } from '../api/ActorRef.js';
import { shieldRefs } from './refs.js';

/** A pending delayed event as it is stored. */
export interface PersistedDelay {
  /** Ids from the root machine down to the actor that scheduled it (`[]`: the root). */
  readonly source: readonly string[];
  /** Ids of the target inside the machine, or a Troupe ref (stored as `{ $ref }`). */
  readonly target: readonly string[] | object;
  readonly event: EventObject;
  /** The scheduled event's id (what `cancel(id)` and leaving an `after` state cancel). */
  readonly id: string;
  /** When it falls due: wall-clock ms since the epoch (xstate's `startedAt + delay`). */
  readonly due: number;
}

interface ActorInternals {
  readonly id: string;
  readonly sessionId: string;
  readonly _parent?: AnyActorRef;
}

/** Ids from `root` down to `actor`, or `undefined` if `actor` is not in `root`'s tree. */
function pathOf(root: AnyActorRef, actor: AnyActorRef): string[] | undefined {
  const ids: string[] = [];
  let at: AnyActorRef | undefined = actor;
  for (let hops = 0; at !== root; hops++) {
    if (at === undefined || hops > 64) return undefined;
    ids.push(at.id);
    at = (at as ActorInternals)._parent;
  }
  return ids.reverse();
}

/** The actor at `ids` below `root` (through each snapshot's `children`). */
function actorAt(root: AnyActorRef, ids: readonly unknown[]): AnyActorRef | undefined {
  let at: AnyActorRef | undefined = root;
  for (const id of ids) {
    const snap: { children?: Record<string, AnyActorRef> } | undefined = at?.getSnapshot();
    const children: Record<string, AnyActorRef> | undefined = snap?.children;
    at = typeof id === 'string' ? children?.[id] : undefined;
    if (at === undefined) return undefined;
  }
  return at;
}

/** The delayed events `root` and its child actors are waiting for, in storable form. */
export function pendingDelays(root: AnyActorRef): PersistedDelay[] {
  const scheduled = root.system.getSnapshot()._scheduledEvents;
  const out: PersistedDelay[] = [];
  for (const key in scheduled) {
    const e = scheduled[key]!;
    const source = pathOf(root, e.source);
    // A delayed sendTo to a Troupe ref keeps its ref; anything else must be in the machine's tree.
    const target = isActorRef(e.target) ? (shieldRefs(e.target) as object) : pathOf(root, e.target);
    if (source === undefined || target === undefined) continue;
    out.push({
      source,
      target,
      event: shieldRefs(e.event) as EventObject,
      id: e.id,
      due: e.startedAt + e.delay,
    });
  }
  return out;
}

/**
 * Schedule `delays` (read back from a store, refs already restored) on the started `root`: each
 * fires at its deadline, at once if that has passed. Entries that do not fit this machine are
 * skipped; one that xstate already scheduled itself is not scheduled twice.
 */
export function restoreDelays(root: AnyActorRef, delays: unknown, now = Date.now()): number {
  if (!Array.isArray(delays)) return 0;
  const system = root.system;
  let restored = 0;
  for (const d of delays as Partial<PersistedDelay>[]) {
    if (typeof d !== 'object' || d === null || typeof d.id !== 'string' || typeof d.due !== 'number')
      continue;
    if (typeof d.event?.type !== 'string' || !Array.isArray(d.source)) continue;
    const source = actorAt(root, d.source);
    const target = Array.isArray(d.target)
      ? actorAt(root, d.target)
      : isActorRef(d.target)
        ? d.target
        : undefined;
    if (source === undefined || target === undefined) continue;
    const key = `${(source as ActorInternals).sessionId}.${d.id}`;
    if (Object.hasOwn(system.getSnapshot()._scheduledEvents, key)) continue;
    system.scheduler.schedule(source, target as AnyActorRef, d.event, Math.max(0, d.due - now), d.id);
    restored++;
  }
  return restored;
}
