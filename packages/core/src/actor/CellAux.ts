/**
 * The rarely used part of an actor cell, allocated on its first use (a watch, a timer, a restart,
 * a listener): a million idle actors then carry one null field instead of fifteen.
 * Owns: the fields. May not touch: anything else — it holds no code.
 * @internal
 */
import type { TerminationReason } from '../api/terminated.js';
import type { ChildHandle } from '../supervision/handles.js';
import type { ActorTimers } from './Timers.js';
import type { Watched, Watcher } from './Watcher.js';

/** What a cell's child listener hears: a child started (or restarted in place), lost its runtime, or is gone for good. */
export type ChildEvent = 'started' | 'lost' | 'removed';

/** The rarely used part of a cell (see `CellBase.aux`). */
export class CellAux {
  watchers: Map<Watcher, unknown> | null = null;
  watching: Set<Watched> | null = null;
  remoteWatching: Set<string> | null = null;
  timers: ActorTimers<unknown> | null = null;
  stopReason: TerminationReason = 'stopped';
  stopSelf = false;
  restartError: unknown = undefined;
  asyncDone: ((v: unknown) => void) | null = null;
  asyncFail: ((e: unknown) => void) | null = null;
  terminationWaiters: (() => void)[] | null = null;
  childListener: ((child: ChildHandle, event: ChildEvent) => void) | null = null;
  backoffAttempt = 0;
  startedAt = 0;
  restartTimer: unknown = undefined;
  restartLog: number[] | null = null;
}
