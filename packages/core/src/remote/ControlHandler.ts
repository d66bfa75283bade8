/**
 * Control records from other runtimes: remote spawn, supervision directives and reports, death
 * watch, refused tells, and lost runtimes. Each control is checked against the runtime it comes
 * from (the envelope's `from`), because a control changes actors' lives: a directive only from
 * the actor's parent, a child's report only from where that child lives, `node-down` only from
 * this process's main thread. Input is untrusted: anything that does not pass is dropped and
 * counted, never thrown (see "Control records" in docs/wire-protocol.md).
 *
 * Owns: what each control does, and starting actors here for parents elsewhere (`spawn`).
 * May not touch: the decoding of records (`Inbound.ts` hands over a control whose `c` is a
 * string, nothing more is checked); links beyond `sendControl`/`sendOrdered`; the tables of
 * `RemoteTies.ts` beyond the additions and removals noted below.
 * @internal
 */
import { ActorCell } from '../actor/ActorCell.js';
import { Status } from '../actor/CellBase.js';
import { formatAddress, parseAddress, processNodeOf } from '../address.js';
import { DuplicateNameError, NodeLostError, ThreadLostError, UnknownBehaviourError } from '../errors.js';
import { wireMailbox } from '../mailbox/policy.js';
import { reviveError, serializeError } from '../serializedError.js';
import { Sys } from '../supervision/handles.js';
import { reviveRefs } from './codec.js';
import { NodeLoss } from './NodeLoss.js';
import { type Control, type SpawnSpec, wireReason } from './protocol.js';
import { RemoteChild, RemoteParent, RemoteWatcher } from './proxies.js';
import type { RemoteActorRef } from './RemoteActorRef.js';
import { Unborn } from './Unborn.js';

export class ControlHandler extends NodeLoss {
  /** Messages from other runtimes for actors whose spawn request has not arrived yet. */
  protected readonly unborn = new Unborn(this.host.clock, (p) =>
    this.deliverLocal(p.path, undefined, p.message, p.reply),
  );

  /** Act on control `c` from the runtime `from`. */
  protected control(from: string, c: Control): void {
    switch (c.c) {
      // A parent on `from` starts a child here. Only a catalog name and data arrive, never code.
      case 'spawn':
        this.spawnHere(from, c.spec, c.parent, c.restartCount);
        return;
      // The decision of the supervisor (on `from`) of an actor here that failed, or its order to
      // stop it. Anyone else could stop or restart any actor, so only the actor's own parent's
      // runtime may give one.
      case 'directive': {
        const cell = this.host.cellAt(c.path);
        if (
          cell === undefined ||
          !(cell.parentCell instanceof RemoteParent) ||
          cell.parentCell.node !== from
        ) {
          // Only an actor's own (remote) parent gives it directives.
          this.host.dropped(
            'unknown-target',
            `a directive from ${from} for ${String(c.path)}, which it does not supervise`,
          );
          return;
        }
        if (c.d !== 'resume' && c.d !== 'restart' && c.d !== 'stop') {
          this.host.dropped('malformed-control', `a directive '${String(c.d)}' from ${from}`);
          return;
        }
        if (c.d === 'resume') cell.sendSystem({ k: Sys.Resume });
        else if (c.d === 'restart')
          cell.sendSystem({ k: Sys.Restart, error: c.error ? reviveError(c.error) : undefined });
        else {
          const reason = wireReason(c.reason);
          // A parent elsewhere cannot lose its runtime on the child's behalf: those reasons are not directives.
          cell.sendSystem({
            k: Sys.Stop,
            reason: reason === 'thread-lost' || reason === 'node-lost' ? 'stopped' : reason,
            self: false,
          });
        }
        return;
      }
      // A child on `from` failed (its parent here decides) or terminated (its parent here
      // forgets it). Accepted only for a child that lives on `from`, so no runtime can fail or
      // end another's children. A terminated child is no longer tracked: a later loss of `from`
      // must not fail it again.
      case 'failed':
      case 'child-terminated': {
        const parent = this.host.cellAt(c.parent);
        const child = parent?.childCells?.get(c.child);
        if (parent === undefined || !(child instanceof RemoteChild) || child.node !== from) {
          this.host.dropped('unknown-target', `a '${c.c}' from ${from} for a child it does not host`);
          return;
        }
        if (c.c === 'failed') parent.sendSystem({ k: Sys.Failed, child, error: reviveError(c.error) });
        else {
          this.untrack(this.childrenByNode, from, child);
          child.endReason = wireReason(c.reason);
          parent.sendSystem({
            k: Sys.ChildTerminated,
            child,
            reason: child.endReason,
            self: c.self === true,
          });
        }
        return;
      }
      // A watcher on `from` watches an actor here. One that is not (or no longer) alive is
      // reported terminated at once, as Erlang's monitor of a dead process is: a watch never
      // waits forever. The notice is ordered with the user records, as every `terminated` is.
      case 'watch': {
        const cell = this.host.cellAt(c.target);
        if (cell === undefined || cell.status === Status.Stopped) {
          const target = formatAddress({ system: this.host.name, node: this.host.nodeId, path: c.target });
          this.sendOrdered(from, { c: 'terminated', target, watcher: c.watcher, reason: 'stopped' });
          return;
        }
        cell.addWatcher(new RemoteWatcher(this, from, c.watcher), undefined);
        return;
      }
      // The watcher on `from` cancels its watch.
      case 'unwatch': {
        const cell = this.host.cellAt(c.target);
        if (cell === undefined)
          this.host.dropped('unknown-target', `an unwatch from ${from} for ${String(c.target)}`);
        else cell.removeRemoteWatcher(c.watcher);
        return;
      }
      // An actor on `from` that a cell here watches terminated.
      case 'terminated':
        this.deliverTerminated(c.target, c.watcher, wireReason(c.reason));
        return;
      // Tells from this runtime were refused by a full mailbox on `from` (a refused ask is
      // answered with its error instead): counted in stats and published, so senders see it.
      case 'rejected':
        if (typeof c.target !== 'string' || !Number.isInteger(c.count) || c.count < 1) {
          this.host.dropped('malformed-control', `a rejected notice from ${from}`);
          return;
        }
        this.host.rejectedByPeer(c.target, c.count);
        return;
      // A runtime was lost (a thread of this process, or a node on the network): the main thread,
      // which detects losses, tells its worker threads, so they fail what they had tied to it.
      case 'node-down':
        // Only this process's main thread says which runtimes are lost (never the network).
        if (from !== this.mainNode) {
          this.host.dropped('forbidden-control', `a node-down from ${from}`);
          return;
        }
        if (c.reason === 'node-lost')
          this.nodeDown(c.node, c.detail, new NodeLostError(c.node, c.detail), 'node-lost');
        else this.nodeDown(c.node, c.detail, new ThreadLostError(c.node, c.detail), 'thread-lost');
        return;
      // Reserved: ignored.
      case 'shutdown':
        return;
      // A newer peer's control: dropped and counted, the rest of the batch goes on (new control
      // kinds may be added within wire version 1).
      default:
        this.host.dropped('unknown-control', `control '${String((c as { c: unknown }).c)}' from ${from}`);
    }
  }

  /**
   * Start the child a parent on `from` asked for. The request is checked field by field (it is
   * untrusted); an unknown behaviour or a taken path is answered with `failed`, so the parent's
   * supervisor hears of it. The child is tracked under `from`: if that runtime is lost, the child
   * is stopped as an orphan (`NodeLoss.nodeDown`).
   */
  private spawnHere(from: string, spec: SpawnSpec, parentAddress: string, restartCount: number): void {
    const host = this.host;
    if (
      typeof spec !== 'object' ||
      spec === null ||
      typeof spec.behaviour !== 'string' ||
      typeof spec.name !== 'string' ||
      typeof spec.path !== 'string' ||
      typeof parentAddress !== 'string' ||
      parseAddress(`troupe://${host.name}/${host.nodeId}/${spec.path}`) === undefined ||
      typeof spec.mailbox !== 'object' ||
      spec.mailbox === null
    ) {
      host.dropped('malformed-spawn', `a spawn request from ${from} is malformed`);
      return;
    }
    const parentRef = this.resolve(parentAddress);
    const parent = new RemoteParent(this, parentRef as RemoteActorRef);
    const fail = (error: Error) =>
      this.sendControl(from, {
        c: 'failed',
        parent: (parentRef as RemoteActorRef).path,
        child: spec.name,
        error: serializeError(error),
      });
    const behaviour = host.catalog.get(spec.behaviour);
    if (behaviour === undefined) {
      host.dropped(
        'unknown-behaviour',
        `a spawn request from ${from} for '${spec.behaviour}', which is not in this node's catalog`,
      );
      fail(this.unknownBehaviour(from, spec.behaviour));
      return;
    }
    if (host.cellAt(spec.path) !== undefined) {
      fail(new DuplicateNameError(`an actor already lives at ${spec.path} on ${host.nodeId}`));
      return;
    }
    const args = spec.argsHaveRefs ? reviveRefs(spec.args, this.resolveFn) : spec.args;
    const cell = new ActorCell(
      host,
      parent,
      behaviour,
      args,
      spec.name,
      spec.path,
      wireMailbox(spec.mailbox),
      spec.restart === 'permanent' || spec.restart === 'temporary' ? spec.restart : 'transient',
    );
    cell.restartCount = typeof restartCount === 'number' ? restartCount : 0;
    this.track(this.orphansByNode, from, cell);
    host.register(cell);
    // Messages that raced this request here from a third runtime go first, in their order.
    const waiting = this.unborn.born(spec.path);
    if (waiting !== undefined) for (const p of waiting) cell.enqueue(p.message, p.reply);
    cell.requestStart();
  }

  /**
   * The error for a spawn request from `from` for a behaviour this runtime's catalog lacks, as the
   * requester sees it: for a runtime of another process, a node (whose `--catalog` is the fix).
   */
  private unknownBehaviour(from: string, behaviour: string): UnknownBehaviourError {
    const host = this.host;
    const names = host.catalog.names();
    const proc = host.mainNodeId;
    const thread = host.nodeId !== proc;
    if (processNodeOf(from) !== proc) {
      const where = thread ? `worker thread ${host.nodeId} of node ${proc}` : `node ${proc}`;
      return new UnknownBehaviourError(behaviour, where, names, 'node');
    }
    return thread
      ? new UnknownBehaviourError(behaviour, `worker thread ${host.nodeId}`, names, 'thread')
      : new UnknownBehaviourError(behaviour, `node ${proc} (this process)`, names);
  }
}
