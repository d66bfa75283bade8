/**
 * Loss of a runtime: a worker thread that died (it may be replaced under the same id) or a node
 * declared down or gone. Everything tied to it fails through the ordinary paths: asks to it
 * reject, its actors fail to their supervisors here, watchers here get `Terminated`, and actors
 * here whose parent lived there stop. A loss is detected once, elsewhere (a thread's `exit`
 * event in `ThreadPool`, membership in a transport, a `node-down` control from the main thread),
 * and reported here.
 *
 * Owns: the order in which a loss is turned into failures (see {@link NodeLoss.nodeDown}). It
 * changes the tables of `RemoteTies.ts` and the links of `LinkTable.ts` only as written here.
 * May not touch: inbound records or controls; it calls nothing above it.
 * @internal
 */
import { Status } from '../actor/CellBase.js';
import type { TerminationReason } from '../api/terminated.js';
import { ActorStoppedError } from '../errors.js';
import { Sys } from '../supervision/handles.js';
import { RemoteTies } from './RemoteTies.js';
import { LATER } from './Routes.js';

export class NodeLoss extends RemoteTies {
  /**
   * `node` is gone: reject asks to it, fail its actors to their supervisors here, tell watchers,
   * and stop the actors here whose parent lived there. The order matters:
   *
   * 1. A lost node (not a thread) is remembered as down, so from here on an ask to it fails at
   *    once with `error` instead of waiting for a reply that cannot come, including an ask that a
   *    failure below starts. A lost thread is not: its link waits for the replacement.
   * 2. The link is detached before anything fails: its epoch moves on, so answers still owed to
   *    asks from the lost runtime are dropped as stale (see `Inbound.ts`, `RemoteReply`), and
   *    what was queued for it is dropped (at-most-once). Records sent by the failure callbacks
   *    below are queued after the detach, for the replacement or the network port, not dropped.
   * 3. Children there are marked lost, and their parents' child listeners (a pool) hear it,
   *    before any ask fails: a pool that re-sends a failed ask then never picks a lost routee.
   * 4. Asks to it fail. The table is drained first and failed after, so a new ask started by a
   *    failure goes into the emptied table and is not failed by this loss.
   * 5. Each child still current under its parent fails to it (`Failed`), so the supervisor
   *    decides, as for any failure: restart (on the replacement thread, or on another node per
   *    its placement), or stop. It stays tracked under `node` so that a restart in place, or
   *    `nodeGone`, finds it. A child already being stopped, or whose parent is stopping or
   *    restarting, terminates instead (`ChildTerminated` with the loss reason): nothing would
   *    restart it.
   * 6. Watchers here of any actor there get `Terminated` with the loss reason.
   * 7. Actors here whose parent lived there are stopped (`orphaned`): nobody supervises them any
   *    more, and the parent's side, which lost them with this runtime, may start them again
   *    elsewhere; kept, they would run twice.
   *
   * Steps 5 to 7 only enqueue system messages; the actors act on them in their own turns.
   */
  nodeDown(node: string, detail: string, error?: Error, reason: TerminationReason = 'thread-lost'): void {
    if (reason === 'node-lost' && error !== undefined) this.downNodes.set(node, error);
    const link = this.links.get(node);
    if (link !== undefined) {
      link.detach(); // what was queued for the lost runtime is dropped (at-most-once)
      // A node on the network keeps its network port (NATS drops what nobody receives); a thread's
      // link waits for the replacement thread.
      const port = this.routes.resolve(node);
      if (port !== undefined && port !== LATER) link.attach(port);
    }
    const err = error ?? new ActorStoppedError(node, `its runtime was lost (${detail})`);
    const children = this.childrenByNode.get(node);
    // Whoever routes to these children (a pool) hears of the loss before the asks to them fail,
    // so a failed ask is never sent straight back to the lost runtime.
    if (children !== undefined) {
      for (const child of children) {
        child.lost = true;
        child.lostReason = reason;
        child.lostError = err;
        if (child.parent.childCells?.get(child.name) === child) child.parent.childListener?.(child, 'lost');
      }
    }
    const failing = link?.asks.drain() ?? [];
    for (const a of failing) a.fail(err); // after the sweep: a failure may start new asks
    if (children !== undefined) {
      this.childrenByNode.delete(node);
      for (const child of children) {
        const parent = child.parent;
        // Replaced (respawned elsewhere) or removed since: not this parent's child any more.
        if (parent.childCells?.get(child.name) !== child) continue;
        if (parent.status >= Status.Restarting || child.stopRequested) {
          // Being stopped (or its parent is): a lost runtime ends it, nothing restarts it.
          parent.sendSystem({ k: Sys.ChildTerminated, child, reason, self: false });
        } else {
          this.track(this.childrenByNode, node, child); // it may be restarted on the replacement
          parent.sendSystem({ k: Sys.Failed, child, error: err });
        }
      }
    }
    // The trailing '/' keeps `main` from matching its threads' addresses (`main.t0`).
    const prefix = `troupe://${this.host.name}/${node}/`;
    for (const target of [...this.remoteWatches.keys()]) {
      if (target.startsWith(prefix)) this.deliverTerminated(target, '', reason);
    }
    const orphans = this.orphansByNode.get(node);
    if (orphans !== undefined) {
      this.orphansByNode.delete(node);
      for (const cell of orphans) cell.sendSystem({ k: Sys.Stop, reason: 'orphaned', self: false });
    }
  }

  /**
   * `node` will not come back (a thread that is not replaced; shutdown giving up on a node): its
   * link is closed for good, so a tell to it is a dead letter and an ask fails at once, and the
   * children that {@link nodeDown} left tracked for a restart in place terminate for good.
   */
  nodeGone(node: string, reason: TerminationReason = 'thread-lost'): void {
    const link = this.links.get(node);
    if (link !== undefined) {
      link.detach();
      link.open = false;
    }
    const children = this.childrenByNode.get(node);
    if (children === undefined) return;
    this.childrenByNode.delete(node);
    for (const child of children) {
      if (child.lost) child.parent.sendSystem({ k: Sys.ChildTerminated, child, reason, self: false });
    }
  }

  /** Give up on every remote child (shutdown could not reach them in time): they terminate as lost. */
  abandonRemoteChildren(): void {
    for (const [node, children] of this.childrenByNode) {
      for (const child of children) child.lost = true;
      this.nodeGone(node, 'node-lost');
    }
  }
}
