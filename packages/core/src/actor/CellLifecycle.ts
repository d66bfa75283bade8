/**
 * The middle of an actor cell: what system messages do. Start (`init`), resume, restart (stop
 * the children, run `onRestart`, start afresh), stop (stop the children in reverse start order,
 * run `onStop`, terminate), and what a parent does with its children's failures and ends (it
 * asks `supervision/` for the decision). Terminating tells the watchers, the parent and, for an
 * actor that others in other runtimes watch, the remote runtime.
 *
 * A restart and a stop wait for the children first: `childrenMaybeGone` runs after each child's
 * end and goes on only when none is left, so a parent never outlives its children's hooks.
 * Owns: the lifecycle states from Starting to Stopped. May not touch: the run loop
 * (`CellBase.ts`) or the context API (`ActorCell.ts`).
 * @internal
 */
import type { TerminationReason } from '../api/terminated.js';
import { serializeError } from '../serializedError.js';
import { type ChildHandle, type Supervisor, Sys, type SystemMessage } from '../supervision/handles.js';
import { onChildFailed, onChildTerminated } from '../supervision/supervise.js';
import type { ReplyTarget } from './ask.js';
import { CellBase, Status } from './CellBase.js';

export abstract class CellLifecycle extends CellBase implements Supervisor {
  /** False while this cell restarts or stops: its children's reports are moot then (see Supervisor). */
  get supervising(): boolean {
    return this.status < Status.Restarting;
  }

  /** Forget a child for good (it terminated and is not replaced). */
  removeChild(child: ChildHandle): void {
    if (this.childCells?.get(child.name) !== child) return;
    this.childCells.delete(child.name);
    this.childListener?.(child, 'removed');
    // A proxy for a child elsewhere: whoever waits for it to stop learns it now.
    if (!(child instanceof CellBase) && child.terminationWaiters != null) {
      const waiters = child.terminationWaiters;
      child.terminationWaiters = null;
      for (const w of waiters) w();
    }
  }

  protected handleSystem(m: SystemMessage): void {
    switch (m.k) {
      case Sys.Start:
        this.start();
        return;
      case Sys.Resume:
        if (this.status !== Status.Suspended) return;
        // An actor whose init failed has no state to resume: start it again instead.
        if (!this.initialized) {
          this.beginRestart(undefined);
          return;
        }
        this.status = Status.Running;
        // Children that escalated to this actor wait for a decision: resuming this actor resumes them (as in Akka).
        if (this.childCells !== null) {
          for (const c of this.childCells.values())
            if (c instanceof CellBase && c.status === Status.Suspended && c.restartTimer === undefined)
              c.sendSystem({ k: Sys.Resume });
        }
        return;
      case Sys.Restart:
        this.beginRestart(m.error);
        return;
      case Sys.Stop:
        this.beginStop(m.reason, m.self);
        return;
      case Sys.Failed:
        onChildFailed(this, m.child, m.error);
        return;
      case Sys.ChildTerminated: {
        const current = this.childCells?.get(m.child.name) === m.child;
        if (this.status === Status.Stopping || this.status === Status.Restarting) {
          if (current) this.removeChild(m.child);
          this.childrenMaybeGone();
        } else if (current) {
          // The child stays listed while the supervisor decides, so a strategy sees the start order.
          if (!onChildTerminated(this, m.child, m.reason, m.self)) this.removeChild(m.child);
        }
        return;
      }
    }
  }

  protected start(): void {
    if (this.status !== Status.Starting) return;
    if (this.restartCount > 0 || this.aux !== null) this.startedAt = this.system.clock.now();
    // The common case (a synchronous init, or none) allocates nothing: spawning is a hot path.
    const init = this.behaviour.init;
    if (init === undefined) {
      this.started(undefined);
      return;
    }
    let state: unknown;
    try {
      state = init(this.whole, this.args);
    } catch (e) {
      this.fail(e);
      return;
    }
    if (!(state instanceof Promise)) {
      this.started(state);
      return;
    }
    this.busy = true;
    state.then(
      (v) => {
        this.busy = false;
        this.started(v);
        this.kick();
      },
      (e) => {
        this.busy = false;
        this.fail(e);
        this.kick();
      },
    );
  }

  protected started(state: unknown): void {
    if (this.status !== Status.Starting) return;
    this.state = state;
    this.initialized = true;
    this.status = Status.Running;
    if (this.system.events.listensTo('lifecycle')) {
      this.system.events.publish({
        kind: 'lifecycle',
        actor: this.address,
        behaviour: this.behaviour.name,
        phase: this.restartCount > 0 ? 'restarted' : 'started',
      });
    }
  }

  protected beginRestart(error: unknown): void {
    if (this.status >= Status.Restarting) return;
    this.status = Status.Restarting;
    if (error !== undefined || this.aux !== null) this.x.restartError = error;
    this.timersImpl?.cancelAll();
    this.stopChildren('stopped');
    this.childrenMaybeGone();
  }

  protected beginStop(reason: TerminationReason, self: boolean): void {
    if (this.status >= Status.Stopping) return;
    this.status = Status.Stopping;
    if (reason !== 'stopped' || self || this.aux !== null) {
      this.x.stopReason = reason;
      this.x.stopSelf = self;
    }
    if (this.restartTimer !== undefined) {
      this.system.clock.clearTimeout(this.restartTimer);
      this.restartTimer = undefined;
    }
    this.timersImpl?.cancelAll();
    // Children of an orphaned actor are orphans too; a shutdown is a shutdown all the way down.
    this.stopChildren(reason === 'orphaned' || reason === 'shutdown' ? reason : 'stopped');
    this.childrenMaybeGone();
  }

  protected stopChildren(reason: TerminationReason): void {
    if (this.childCells === null) return;
    // Stop in reverse start order, as OTP does.
    const cells = [...this.childCells.values()].reverse();
    for (const c of cells) c.sendSystem({ k: Sys.Stop, reason, self: false });
  }

  /** Called when children may all have terminated, while stopping or restarting. */
  protected childrenMaybeGone(): void {
    if (this.childCells !== null && this.childCells.size > 0) return;
    if (this.status === Status.Stopping) {
      const onStop = this.behaviour.onStop;
      const reason = this.stopReason;
      this.step(
        () => (this.initialized && onStop !== undefined ? onStop(this.whole, this.state, reason) : undefined),
        () => this.terminate(),
        (e) => {
          this.reportHookError('onStop', e);
          this.terminate();
        },
      );
    } else if (this.status === Status.Restarting) {
      const { onRestart, onStop } = this.behaviour;
      const error = this.aux === null ? undefined : this.aux.restartError;
      this.step(
        () => {
          if (!this.initialized) return undefined;
          if (onRestart !== undefined) return onRestart(this.whole, this.state, error);
          return onStop?.(this.whole, this.state, 'failed');
        },
        () => this.completeRestart(),
        (e) => {
          this.reportHookError(onRestart ? 'onRestart' : 'onStop', e);
          this.completeRestart();
        },
      );
    }
  }

  protected completeRestart(): void {
    if (this.status !== Status.Restarting) return;
    if (this.aux !== null) this.aux.restartError = undefined;
    this.state = undefined;
    this.initialized = false;
    this.restartCount++;
    this.status = Status.Starting;
    this.start();
  }

  protected terminate(): void {
    if (this.status === Status.Stopped) return;
    this.status = Status.Stopped;
    const sys = this.system;
    sys.unregister(this);
    this.sys = null;
    const shutdown = sys.isShutdown;
    this.mailbox?.drain((message, reply) => {
      sys.deadLetter(this.address, message, shutdown ? 'shutdown' : 'stopped');
      (reply as ReplyTarget | undefined)?.fail(this.stoppedError());
    });
    this.mailbox = null;
    if (this.watching !== null) {
      for (const t of this.watching) t.forgetWatcher(this.whole);
      this.watching = null;
    }
    if (this.watchers !== null) {
      for (const [w, custom] of this.watchers) w.notifyTerminated(this, custom, this.stopReason);
      this.watchers = null;
    }
    sys.remote?.cellTerminated(this);
    if (this.parentCell !== null) {
      this.parentCell.sendSystem({
        k: Sys.ChildTerminated,
        child: this.whole,
        reason: this.stopReason,
        self: this.stopSelf,
      });
    }
    if (sys.events.listensTo('lifecycle') && this.parentCell !== null) {
      sys.events.publish({
        kind: 'lifecycle',
        actor: this.address,
        behaviour: this.behaviour.name,
        phase: 'stopped',
      });
    }
    const waiters = this.terminationWaiters;
    this.terminationWaiters = null;
    if (waiters !== null) for (const w of waiters) w();
  }

  protected reportHookError(where: string, e: unknown): void {
    this.system.events.publish({ kind: 'error', actor: this.address, where, error: serializeError(e) });
  }
}
