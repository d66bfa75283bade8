/**
 * What ties actors here to other runtimes: children started elsewhere (the `RemoteChild` proxies
 * their parents here supervise), children started here for parents elsewhere, and watches of
 * actors elsewhere. These three tables are exactly what runtime loss (`NodeLoss.ts`) sweeps.
 *
 * Owns: the three tables below, and starting a child on another runtime (spawn, respawn after a
 * loss, where to restart it). The layers above read and update the tables, for the reasons noted
 * at each. May not touch: the link table beyond `link`/`sendControl`/`sendOrdered`/`resolve`
 * (`LinkTable.ts`); it calls nothing above it.
 * @internal
 */
import type { ActorCell } from '../actor/ActorCell.js';
import type { WatchingCell } from '../actor/Watcher.js';
import { formatAddress, parseAddress } from '../address.js';
import type { Behaviour } from '../api/ActorSystem.js';
import type { MailboxOptions, Placement } from '../api/options.js';
import type { RestartType } from '../api/supervision.js';
import type { TerminationReason } from '../api/terminated.js';
import type { ProxyHost, RemoteTarget } from './host.js';
import { LinkTable } from './LinkTable.js';
import type { SpawnSpec } from './protocol.js';
import { RemoteChild, RemoteParent } from './proxies.js';
import { RemoteActorRef } from './RemoteActorRef.js';

export class RemoteTies extends LinkTable implements ProxyHost<RemoteChild> {
  /**
   * Children here whose parent lives on another node: stopped if that node is lost. Added by
   * `ControlHandler` when it starts one, removed in {@link cellTerminated}.
   */
  protected readonly orphansByNode = new Map<string, Set<ActorCell>>();
  /**
   * Remote children (proxies) by the node they live on. Removed by `ControlHandler` when one
   * terminates; swept, and re-added for a restart, by `NodeLoss`.
   */
  protected readonly childrenByNode = new Map<string, Set<RemoteChild>>();
  /** Watches of actors elsewhere: target address → watcher cell → custom message. */
  protected readonly remoteWatches = new Map<string, Map<WatchingCell, unknown>>();

  // ---- Children on other runtimes -----------------------------------------------------------

  /** Start a child of `parent` on `node`; returns the proxy the parent supervises. */
  spawn(
    parent: ActorCell,
    node: string,
    behaviour: Behaviour,
    args: unknown,
    name: string,
    mailbox: Required<MailboxOptions>,
    restart: RestartType,
    placement?: Placement,
  ): RemoteChild {
    const encoded = this.encoder.encode(args, `spawn argument of '${behaviour.name}'`);
    const path = `${parent.path}/${name}`;
    const spec: SpawnSpec = {
      behaviour: behaviour.name,
      args: encoded,
      argsHaveRefs: this.encoder.hadRefs,
      name,
      path,
      mailbox,
      restart,
    };
    return this.startChild(parent, node, spec, placement, 0);
  }

  private startChild(
    parent: ActorCell,
    node: string,
    spec: SpawnSpec,
    placement: Placement | undefined,
    restartCount: number,
  ): RemoteChild {
    const ref = new RemoteActorRef(
      this,
      formatAddress({ system: this.host.name, node, path: spec.path }),
      node,
      spec.path,
    );
    const child = new RemoteChild(this, parent, ref, spec, placement);
    child.restartCount = restartCount;
    this.track(this.childrenByNode, node, child);
    parent.adoptChild(child);
    child.start();
    return child;
  }

  /** A new incarnation of `old` on `node` (same name and arguments), replacing it under its parent. */
  respawnAt(old: RemoteChild, node: string, restartCount: number): RemoteChild {
    this.untrack(this.childrenByNode, old.node, old);
    const next = this.startChild(old.parent, node, old.spec, old.placement, restartCount);
    next.backoffAttempt = old.backoffAttempt;
    next.terminationWaiters = old.terminationWaiters; // a pending system.stop waits for the new incarnation
    old.terminationWaiters = null;
    return next;
  }

  /** Where to restart a child whose runtime was lost: the same node if it is (being) replaced, else per its placement. */
  relocate(child: RemoteChild): string | undefined {
    if (this.host.nodeIsUp(child.node)) return child.node;
    if (child.placement === undefined) return undefined;
    try {
      const node = this.host.placementNode(child.placement, child.spec.behaviour);
      return node === undefined || !this.host.nodeIsUp(node) ? undefined : node;
    } catch {
      return undefined; // the placement cannot be met any more (e.g. its node is gone)
    }
  }

  // ---- Death watch of actors elsewhere ------------------------------------------------------

  /** Watch an actor in another runtime. */
  watch(watcher: WatchingCell, ref: RemoteTarget, custom: unknown): void {
    let m = this.remoteWatches.get(ref.address);
    if (m === undefined) this.remoteWatches.set(ref.address, (m = new Map()));
    m.set(watcher, custom);
    (watcher.remoteWatching ??= new Set()).add(ref.address);
    this.sendControl(ref.node, { c: 'watch', target: ref.path, watcher: watcher.address });
  }

  unwatch(watcher: WatchingCell, address: string): void {
    const m = this.remoteWatches.get(address);
    if (m === undefined) return;
    m.delete(watcher);
    if (m.size === 0) this.remoteWatches.delete(address);
    watcher.remoteWatching?.delete(address);
    const a = parseAddress(address);
    if (a !== undefined) this.sendControl(a.node, { c: 'unwatch', target: a.path, watcher: watcher.address });
  }

  /**
   * `target` (an address elsewhere) terminated: each cell here that watches it gets its
   * `Terminated` (or its custom message) and forgets the watch. `watcherAddress` narrows it to one
   * watcher (a `terminated` record names the watcher it answers); `''` means all of them (the
   * target's runtime was lost, see `NodeLoss.nodeDown`), and then nobody watching is no error. An
   * address that does not parse narrows nothing either.
   */
  protected deliverTerminated(target: string, watcherAddress: string, reason: TerminationReason): void {
    const watchers = this.remoteWatches.get(target);
    if (watchers === undefined) {
      if (watcherAddress !== '')
        this.host.dropped(
          'unknown-target',
          `a terminated notice for ${String(target)}, which nobody here watches`,
        );
      return;
    }
    const w = parseAddress(watcherAddress);
    for (const [cell, custom] of watchers) {
      if (w !== undefined && cell.path !== w.path) continue;
      watchers.delete(cell);
      cell.remoteWatching?.delete(target);
      // Death-watch notifications are not dropped by a full bounded mailbox (as for local watches).
      cell.enqueue(
        custom ?? { type: 'troupe.terminated', actor: this.resolve(target), reason },
        undefined,
        true,
      );
    }
    if (watchers.size === 0) this.remoteWatches.delete(target);
  }

  /** A cell here terminated: forget its remote watches and its orphan tracking. */
  cellTerminated(cell: ActorCell): void {
    if (cell.remoteWatching !== null) {
      for (const address of [...cell.remoteWatching]) this.unwatch(cell, address);
    }
    if (cell.parentCell instanceof RemoteParent) {
      this.untrack(this.orphansByNode, (cell.parentCell.ref as RemoteActorRef).node, cell);
    }
  }

  // ---- The tables by node -------------------------------------------------------------------

  protected track<T>(map: Map<string, Set<T>>, node: string, item: T): void {
    let s = map.get(node);
    if (s === undefined) map.set(node, (s = new Set()));
    s.add(item);
  }

  protected untrack<T>(map: Map<string, Set<T>>, node: string, item: T): void {
    const s = map.get(node);
    if (s === undefined) return;
    s.delete(item);
    if (s.size === 0) map.delete(node);
  }
}
