/**
 * The pool actor: the actor at a pool's address. It spawns the routees as its children (and
 * spawns them again after a restart of its own), supervises them with the pool's supervision
 * options, keeps the core's routee list in step with its children (a routee lost, restarted,
 * relocated or gone for good; one pinned to a node that comes back is started there again), and
 * routes on a message sent to its address (e.g. from another thread). It stops with its last routee, and its stop fails what the pool still holds.
 * Owns: the routees as actors. May not touch: routing, the queue or the tasks — it speaks to the
 * core only through `routees`, `setRoutees`, `markDown`, `markUp`, `tell`, `ask` and `close`.
 * @internal
 */
import type { ActorCell } from '../actor/ActorCell.js';
import { Status } from '../actor/CellBase.js';
import { defineActor } from '../actor/defineActor.js';
import { processNodeOf } from '../address.js';
import type { ActorRef } from '../api/ActorRef.js';
import type { Behaviour } from '../api/ActorSystem.js';
import type { MailboxOptions, Placement } from '../api/options.js';
import type { SupervisionOptions } from '../api/supervision.js';
import { RemoteChild } from '../remote/proxies.js';
import { serializeError } from '../serializedError.js';
import type { PoolCore } from './PoolCore.js';

/** The pool actor's arguments (and its state: it never changes). @internal */
export interface PoolArgs {
  readonly core: PoolCore;
  readonly routee: Behaviour | string;
  readonly args: unknown;
  readonly size: number;
  readonly placement: Placement | undefined;
  readonly placements: readonly Placement[] | undefined;
  readonly mailbox: MailboxOptions | undefined;
}

/** The pool actor: supervises and watches the routees, and routes messages sent to its address. @internal */
export function poolBehaviour(
  supervision: SupervisionOptions | undefined,
): Behaviour<unknown, PoolArgs, PoolArgs> {
  return defineActor<unknown, PoolArgs, PoolArgs>({
    name: 'troupe.pool',
    ...(supervision === undefined ? {} : { supervision }),
    init(ctx, a) {
      // Routees are spawned with the pool; after a restart of the pool actor they are spawned again.
      if (ctx.children.length === 0) spawnRoutees(ctx as unknown as ActorCell, a);
      return a;
    },
    receive(ctx, a, message) {
      // A message sent to the pool's address (e.g. from another thread): route it on.
      const reply = (ctx as unknown as ActorCell).detachReply();
      if (reply === undefined) a.core.tell(message);
      else
        a.core.ask(message).then(
          (v) => reply.reply(v),
          (e) => reply.fail(e),
        );
      return a;
    },
    onStop: (_ctx, a) => a.core.close(),
    // A restart (after an escalation) stops the routees and spawns new ones in init; the pool's
    // queue and callers stay (without this, the restart would run onStop and close the pool).
    onRestart: () => undefined,
  });
}

/** Spawn the routees as children of `pool`, and keep the core's routee list in step with them. @internal */
export function spawnRoutees(pool: ActorCell, a: PoolArgs): void {
  const returning = respawnOnReturn(pool, a);
  // The routee list follows the pool actor's children: a routee restarted on a replacement thread
  // or relocated to another node (a new address) is routed to again; one whose runtime is down is
  // skipped meanwhile; one that terminated for good is dropped, and the pool stops with the last
  // (unless it was pinned to a node that is up again by now: then it is started there again).
  pool.childListener = (child, event) => {
    if (event === 'lost') a.core.markDown(child.address);
    else if (event === 'started') {
      if (a.core.routees.includes(child.ref)) a.core.markUp(child.address);
      else if (!settingUp) a.core.setRoutees(currentRoutees(pool));
    } else {
      a.core.setRoutees(currentRoutees(pool));
      // Ended with its node's loss, or stopped by that node as an orphan (it had thought this
      // node gone: both sides of a partition decide): if the node is up, start it there again.
      if (child instanceof RemoteChild && (child.lost || child.endReason === 'orphaned'))
        returning?.(child.name);
      if (a.core.routees.length === 0 && pool.status === Status.Running) pool.stop(pool.ref);
    }
  };
  let settingUp = true;
  for (let i = 0; i < a.size; i++) spawnRoutee(pool, a, i);
  settingUp = false;
  a.core.setRoutees(currentRoutees(pool));
}

function placementOf(a: PoolArgs, i: number): Placement | undefined {
  return a.placements?.[i] ?? a.placement;
}

function spawnRoutee(pool: ActorCell, a: PoolArgs, i: number): void {
  const placement = placementOf(a, i);
  pool.spawnChild(a.routee, a.args, {
    name: `routee-${i}`,
    ...(placement === undefined ? {} : { placement }),
    ...(a.mailbox === undefined ? {} : { mailbox: a.mailbox }),
  });
}

/** The process node a placement pins its actor to (`{ node: 'n2' }`, `{ node: 'n2.t0' }`), if any. */
function pinnedNode(placement: Placement | undefined): string | undefined {
  if (typeof placement !== 'object' || placement === null || !('node' in placement)) return undefined;
  return typeof placement.node === 'string' ? processNodeOf(placement.node) : undefined;
}

/** Pools that already follow the membership (a pool restarted in place spawns its routees again). */
const following = new WeakMap<ActorCell, (routee: string) => void>();

/**
 * A routee pinned to a node stops for good when that node is declared down (it cannot be placed
 * elsewhere). When the node is heard again (`up` after `down`: a partition healed, a frozen
 * process resumed), the pool starts that routee there again, so the node gets work again. The
 * `up` may come before the pool has heard that the routee ended (its end is a system message),
 * so both are watched: the `up`, and the end of a routee whose node was lost while its node is
 * up. Returns the latter hook (by routee name), or `undefined` for a pool with no pinned routee.
 */
function respawnOnReturn(pool: ActorCell, a: PoolArgs): ((routee: string) => void) | undefined {
  const known = following.get(pool);
  if (known !== undefined) return known;
  const pinned = Array.from({ length: a.size }, (_, i) => pinnedNode(placementOf(a, i)));
  if (pinned.every((n) => n === undefined)) return undefined;
  // After the current turn: the pool may be in the middle of its own bookkeeping.
  const restart = (node: string) =>
    setImmediate(() => {
      if (pool.status !== Status.Running || !pool.system.nodeIsUp(node)) return;
      for (let i = 0; i < a.size; i++) {
        if (pinned[i] !== node || pool.childCells?.has(`routee-${i}`)) continue;
        try {
          spawnRoutee(pool, a, i);
        } catch (err) {
          const error = serializeError(err);
          pool.system.events.publish({ kind: 'error', actor: pool.address, where: 'pool', error });
        }
      }
    });
  const off = pool.system.events.on('node', (e) => {
    if (pool.isTerminated()) off();
    else if (e.event === 'up') restart(e.node);
  });
  const onLostRoutee = (routee: string) => {
    const node = pinned[Number(routee.slice('routee-'.length))];
    if (node !== undefined) restart(node);
  };
  following.set(pool, onLostRoutee);
  return onLostRoutee;
}

function currentRoutees(pool: ActorCell): ActorRef[] {
  return pool.childCells === null ? [] : [...pool.childCells.values()].map((c) => c.ref);
}
