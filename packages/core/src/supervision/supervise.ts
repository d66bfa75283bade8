/**
 * The supervisor's side of a failure: ask the decider, apply restart type and intensity, pick the
 * affected children through the strategy, and carry out the directive. Every decision is
 * published on the event stream.
 * @internal
 */
import type { Behaviour } from '../api/ActorSystem.js';
import type { Directive } from '../api/supervision.js';
import type { TerminationReason } from '../api/terminated.js';
import { RestartIntensityError } from '../errors.js';
import { backoffDelay } from './backoff.js';
import { type ChildHandle, type Supervisor, Sys } from './handles.js';
import { recordRestart } from './intensity.js';
import { DEFAULT_SUPERVISION, type ResolvedSupervision, resolveSupervision } from './options.js';
import { publishDecision } from './report.js';

const DIRECTIVES = new Set<Directive>(['resume', 'restart', 'stop', 'escalate']);
const resolved = new WeakMap<Behaviour, ResolvedSupervision>();

/** The parent's supervision options (validated once per behaviour). */
export function supervisionOf(parent: Supervisor): ResolvedSupervision {
  const b = parent.behaviour;
  if (b.supervision === undefined) return DEFAULT_SUPERVISION;
  let r = resolved.get(b);
  if (r === undefined) resolved.set(b, (r = resolveSupervision(b.supervision)));
  return r;
}

function isCurrentChild(parent: Supervisor, child: ChildHandle): boolean {
  return parent.childCells?.get(child.name) === child;
}

/** A child reported a failure: decide and act. */
export function onChildFailed(parent: Supervisor, child: ChildHandle, error: unknown): void {
  if (!isCurrentChild(parent, child) || !parent.supervising) return;
  const opts = supervisionOf(parent);
  let directive: Directive;
  let note: string | undefined;
  try {
    directive = opts.decider(error);
    if (!DIRECTIVES.has(directive)) {
      note = `the decider returned ${String(directive)}, which is not a directive; escalating`;
      directive = 'escalate';
    }
  } catch (e) {
    note = `the decider threw (${(e as Error)?.message ?? e}); escalating`;
    directive = 'escalate';
  }
  let stopReason: TerminationReason = 'failed';
  if (directive === 'restart' && child.restartType === 'temporary') {
    directive = 'stop';
    note = 'temporary child: never restarted';
  } else if (directive === 'restart' || directive === 'resume') {
    // A child whose runtime was lost is started again elsewhere, if its placement allows: if not,
    // it is over, and the event must say so rather than 'restart' (nor count as a restart).
    const blocked = child.cannotRestart?.();
    if (blocked !== undefined) {
      directive = 'stop';
      note = blocked.note;
      stopReason = blocked.reason;
    }
  }
  if (directive === 'restart' && !withinIntensity(parent, opts)) {
    intensityExceeded(parent, child, error, opts);
    return;
  }
  const delayMs = directive === 'restart' ? nextBackoff(parent, child, opts) : undefined;
  publishDecision(parent, child, error, directive, note, delayMs);
  switch (directive) {
    case 'resume':
      child.sendSystem({ k: Sys.Resume });
      return;
    case 'stop':
      child.sendSystem({ k: Sys.Stop, reason: stopReason, self: false });
      return;
    case 'escalate':
      parent.fail(error);
      return;
    case 'restart':
      for (const c of opts.strategy.affected(childList(parent), child)) {
        if (c === child) restartAfter(parent, child, error, delayMs ?? 0);
        else if (c.restartType === 'temporary') c.sendSystem({ k: Sys.Stop, reason: 'stopped', self: false });
        else c.sendSystem({ k: Sys.Restart, error });
      }
      return;
  }
}

/**
 * A child terminated while the parent is running. A permanent child that stopped itself is
 * started again (OTP semantics), in its place in the start order; every other exit is final.
 * Returns true if the child was replaced.
 */
export function onChildTerminated(
  parent: Supervisor,
  child: ChildHandle,
  _reason: TerminationReason,
  self: boolean,
): boolean {
  if (!self || child.restartType !== 'permanent') return false;
  const opts = supervisionOf(parent);
  const note = 'permanent child stopped itself; started again';
  if (!withinIntensity(parent, opts)) {
    parent.removeChild(child);
    intensityExceeded(parent, child, new Error(`permanent child ${child.address} keeps stopping`), opts);
    return false;
  }
  publishDecision(parent, child, new Error('normal exit of a permanent child'), 'restart', note, undefined);
  for (const c of opts.strategy.affected(childList(parent), child)) {
    if (c === child) child.respawn();
    else if (c.restartType === 'temporary') c.sendSystem({ k: Sys.Stop, reason: 'stopped', self: false });
    else c.sendSystem({ k: Sys.Restart, error: undefined });
  }
  return true;
}

function childList(parent: Supervisor): ChildHandle[] {
  return parent.childCells === null ? [] : [...parent.childCells.values()];
}

function withinIntensity(parent: Supervisor, opts: ResolvedSupervision): boolean {
  const log = (parent.restartLog ??= []);
  return recordRestart(log, parent.system.clock.now(), opts.maxRestarts, opts.withinMs);
}

function nextBackoff(parent: Supervisor, child: ChildHandle, opts: ResolvedSupervision): number | undefined {
  const b = opts.backoff;
  if (b === undefined) return undefined;
  if (parent.system.clock.now() - child.startedAt >= b.resetAfterMs) child.backoffAttempt = 0;
  return backoffDelay(b, child.backoffAttempt++, parent.system.random);
}

function restartAfter(parent: Supervisor, child: ChildHandle, error: unknown, delayMs: number): void {
  if (delayMs <= 0) {
    child.sendSystem({ k: Sys.Restart, error });
    return;
  }
  const clock = parent.system.clock;
  if (child.restartTimer !== undefined) clock.clearTimeout(child.restartTimer);
  child.restartTimer = clock.setTimeout(() => {
    child.restartTimer = undefined;
    child.sendSystem({ k: Sys.Restart, error });
  }, delayMs);
}

function intensityExceeded(
  parent: Supervisor,
  child: ChildHandle,
  error: unknown,
  opts: ResolvedSupervision,
): void {
  publishDecision(
    parent,
    child,
    error,
    'stop',
    `restart intensity exceeded (${opts.maxRestarts} within ${opts.withinMs} ms): stopping all children and escalating`,
    undefined,
  );
  for (const c of childList(parent).reverse()) {
    c.sendSystem({ k: Sys.Stop, reason: c === child ? 'failed' : 'stopped', self: false });
  }
  parent.restartLog = null;
  parent.fail(new RestartIntensityError(parent.address, opts.maxRestarts, opts.withinMs, error));
}
