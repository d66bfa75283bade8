/**
 * Proxies that let supervision and death watch span runtimes: a child that lives elsewhere (seen
 * from its parent), a parent that lives elsewhere (seen from its child), and a watcher that lives
 * elsewhere (seen from the watched actor). Each turns system messages into control records.
 * They know the runtime only as a {@link ProxyHost} (`host.ts`), so this file does not import it.
 * @internal
 */
import type { ActorCell } from '../actor/ActorCell.js';
import type { Watched, Watcher } from '../actor/Watcher.js';
import type { Placement } from '../api/options.js';
import type { RestartType } from '../api/supervision.js';
import type { TerminationReason } from '../api/terminated.js';
import { serializeError } from '../serializedError.js';
import { type ChildHandle, type ParentHandle, Sys, type SystemMessage } from '../supervision/handles.js';
import { publishDecision } from '../supervision/report.js';
import type { ProxyHost } from './host.js';
import type { SpawnSpec } from './protocol.js';
import type { RemoteActorRef } from './RemoteActorRef.js';

/** A child actor that lives in another runtime, as its parent sees it. */
export class RemoteChild implements ChildHandle {
  restartCount = 0;
  backoffAttempt = 0;
  startedAt: number;
  restartTimer: unknown = undefined;
  /** Its runtime died: directives can no longer reach it. */
  lost = false;
  /** How its runtime was lost (the termination reason if it cannot be started again), and the error that stands for it. */
  lostReason: TerminationReason = 'node-lost';
  lostError: unknown = undefined;
  /** Where a restart after the loss goes, chosen when the supervisor decided (see {@link cannotRestart}). */
  private relocation: string | undefined = undefined;
  /** Internal callbacks run once its parent has heard that it terminated for good (used by `system.stop`). */
  terminationWaiters: (() => void)[] | null = null;
  /** A stop was sent: if its runtime is lost now, it is over (not restarted). */
  stopRequested = false;
  /** How it ended, as its runtime reported (`orphaned`: that runtime thought its parent gone). */
  endReason: TerminationReason | undefined = undefined;

  constructor(
    private readonly runtime: ProxyHost<RemoteChild>,
    readonly parent: ActorCell,
    readonly ref: RemoteActorRef,
    readonly spec: SpawnSpec,
    /** The placement asked for, used to choose another node if this one is lost for good. */
    readonly placement: Placement | undefined,
  ) {
    this.startedAt = runtime.now();
  }

  get name(): string {
    return this.spec.name;
  }
  get address(): string {
    return this.ref.address;
  }
  get node(): string {
    return this.ref.node;
  }
  get restartType(): RestartType {
    return this.spec.restart;
  }

  /** Ask the child's runtime to start the actor. */
  start(): void {
    const again = this.lost;
    this.lost = false;
    this.startedAt = this.runtime.now();
    this.runtime.sendControl(this.node, {
      c: 'spawn',
      spec: this.spec,
      parent: this.parent.address,
      restartCount: this.restartCount,
    });
    // Restarted in place on a replacement thread: the same handle lives again.
    if (again) this.parent.childListener?.(this, 'started');
  }

  sendSystem(m: SystemMessage): void {
    switch (m.k) {
      case Sys.Resume:
        if (this.lost) this.restartLost();
        else this.runtime.sendControl(this.node, { c: 'directive', path: this.spec.path, d: 'resume' });
        return;
      case Sys.Restart:
        if (this.lost) this.restartLost();
        else
          this.runtime.sendControl(this.node, {
            c: 'directive',
            path: this.spec.path,
            d: 'restart',
            ...(m.error === undefined ? {} : { error: serializeError(m.error) }),
          });
        return;
      case Sys.Stop:
        this.stopRequested = true;
        if (this.restartTimer !== undefined) {
          // A backoff restart was pending: it must not bring the child back after the stop.
          this.runtime.host.clock.clearTimeout(this.restartTimer);
          this.restartTimer = undefined;
        }
        if (this.lost)
          this.parent.sendSystem({ k: Sys.ChildTerminated, child: this, reason: m.reason, self: false });
        else
          this.runtime.sendControl(this.node, {
            c: 'directive',
            path: this.spec.path,
            d: 'stop',
            ...(m.reason === 'stopped' ? {} : { reason: m.reason }),
          });
        return;
      default:
        return;
    }
  }

  /**
   * Its runtime was lost: can it start again? The supervisor asks before it decides, so its event
   * says `stop` rather than `restart` for a child that cannot. The node chosen is kept for the
   * restart, so a round-robin placement is not advanced twice.
   */
  cannotRestart(): { readonly note: string; readonly reason: TerminationReason } | undefined {
    if (!this.lost) return undefined;
    this.relocation = this.runtime.relocate(this);
    if (this.relocation !== undefined) return undefined;
    return { note: this.unplaceable(), reason: this.lostReason };
  }

  private unplaceable(): string {
    const kind = this.lostReason === 'thread-lost' ? 'thread' : 'node';
    const placement =
      this.placement === undefined ? 'its placement' : `placement ${describePlacement(this.placement)}`;
    return `its ${kind} ${this.node} is gone and ${placement} fits no ${kind} that is up: it stopped for good (not restarted)`;
  }

  /**
   * Its runtime was lost. A replaced thread (same node id) gets the actor again; for a lost node,
   * the placement chooses another node (a new incarnation at a new address); if none fits, the
   * child terminates for good.
   */
  private restartLost(): void {
    let node = this.relocation;
    this.relocation = undefined;
    if (node === undefined || !this.runtime.host.nodeIsUp(node)) node = this.runtime.relocate(this);
    if (node === undefined) {
      // The place chosen was lost too while a backoff delayed the restart (or a sibling's restart
      // brought this one along): the supervisor's `restart` does not happen, and the event says so.
      publishDecision(this.parent, this, this.lostError, 'stop', this.unplaceable(), undefined);
      this.parent.sendSystem({ k: Sys.ChildTerminated, child: this, reason: this.lostReason, self: false });
      return;
    }
    if (node === this.node) {
      this.restartCount++;
      this.start();
      return;
    }
    this.runtime.respawnAt(this, node, this.restartCount + 1);
  }

  respawn(): ChildHandle {
    return this.runtime.respawnAt(this, this.node, this.restartCount + 1);
  }
}

/** A parent that lives in another runtime, as its child sees it. */
export class RemoteParent implements ParentHandle {
  constructor(
    private readonly runtime: ProxyHost<RemoteChild>,
    readonly ref: RemoteActorRef,
  ) {}

  /** The node the parent lives on. */
  get node(): string {
    return this.ref.node;
  }

  sendSystem(m: SystemMessage): void {
    if (m.k === Sys.Failed) {
      this.runtime.sendControl(this.ref.node, {
        c: 'failed',
        parent: this.ref.path,
        child: m.child.name,
        error: serializeError(m.error),
      });
    } else if (m.k === Sys.ChildTerminated) {
      this.runtime.sendControl(this.ref.node, {
        c: 'child-terminated',
        parent: this.ref.path,
        child: m.child.name,
        reason: m.reason,
        self: m.self,
      });
    }
  }
}

/** A watcher in another runtime, registered with the watched cell. */
export class RemoteWatcher implements Watcher {
  watching: Set<Watched> | null = null;

  constructor(
    private readonly runtime: ProxyHost<RemoteChild>,
    readonly node: string,
    readonly watcherAddress: string,
  ) {}

  /** The watcher's address in its own runtime. */
  get address(): string {
    return this.watcherAddress;
  }

  notifyTerminated(target: Watched, _custom: unknown, reason: TerminationReason): void {
    // In order: the watcher gets the dead actor's last messages before it hears of its death.
    this.runtime.sendOrdered(this.node, {
      c: 'terminated',
      target: target.address,
      watcher: this.watcherAddress,
      reason,
    });
  }
}

/** A placement as it is written in code, for messages: `'any-node'`, `{ node: 'n2' }`, `{ thread: 1 }`. */
function describePlacement(p: Placement): string {
  if (typeof p !== 'object' || p === null) return `'${String(p)}'`;
  const fields = Object.entries(p).map(([k, v]) => `${k}: ${typeof v === 'string' ? `'${v}'` : String(v)}`);
  return `{ ${fields.join(', ')} }`;
}
