/**
 * The pool actor: the actor at a pool's address. It spawns the routees as its children (and
 * spawns them again after a restart of its own), supervises them with the pool's supervision
 * options, keeps the core's routee list in step with its children (a routee lost, restarted,
 * relocated or gone for good), and routes on a message sent to its address (e.g. from another
 * thread). It stops with its last routee, and its stop fails what the pool still holds.
 * Owns: the routees as actors. May not touch: routing, the queue or the tasks — it speaks to the
 * core only through `routees`, `setRoutees`, `markDown`, `markUp`, `tell`, `ask` and `close`.
 * @internal
 */
import type { ActorCell } from '../actor/ActorCell.js';
import { Status } from '../actor/CellBase.js';
import { defineActor } from '../actor/defineActor.js';
import type { ActorRef } from '../api/ActorRef.js';
import type { Behaviour } from '../api/ActorSystem.js';
import type { MailboxOptions, Placement } from '../api/options.js';
import type { SupervisionOptions } from '../api/supervision.js';
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
  // The routee list follows the pool actor's children: a routee restarted on a replacement thread
  // or relocated to another node (a new address) is routed to again; one whose runtime is down is
  // skipped meanwhile; one that terminated for good is dropped, and the pool stops with the last.
  pool.childListener = (child, event) => {
    if (event === 'lost') a.core.markDown(child.address);
    else if (event === 'started') {
      if (a.core.routees.includes(child.ref)) a.core.markUp(child.address);
      else if (!settingUp) a.core.setRoutees(currentRoutees(pool));
    } else {
      a.core.setRoutees(currentRoutees(pool));
      if (a.core.routees.length === 0 && pool.status === Status.Running) pool.stop(pool.ref);
    }
  };
  let settingUp = true;
  for (let i = 0; i < a.size; i++) {
    const placement = a.placements?.[i] ?? a.placement;
    pool.spawnChild(a.routee, a.args, {
      name: `routee-${i}`,
      ...(placement === undefined ? {} : { placement }),
      ...(a.mailbox === undefined ? {} : { mailbox: a.mailbox }),
    });
  }
  settingUp = false;
  a.core.setRoutees(currentRoutees(pool));
}

function currentRoutees(pool: ActorCell): ActorRef[] {
  return pool.childCells === null ? [] : [...pool.childCells.values()].map((c) => c.ref);
}
