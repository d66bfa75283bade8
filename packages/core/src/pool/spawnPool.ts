/**
 * Starting a pool: check the options, make the core, spawn the pool actor and its routees, and
 * hand back the ref. The entry point of pools (`system.spawnPool` calls it).
 * Owns: the order of these steps — the routees are spawned before the ref is handed out, so the
 * pool routes from its first message on, and a pool whose routees fail to spawn is stopped.
 * May not touch: routing (PoolCore.ts), the pool actor's behaviour (poolActor.ts), the checks
 * (options.ts).
 * @internal
 */
import { type ActorCell, cellOf } from '../actor/ActorCell.js';
import type { LocalActorRef } from '../actor/LocalActorRef.js';
import type { ActorRef } from '../api/ActorRef.js';
import type { Behaviour } from '../api/ActorSystem.js';
import type { PoolOptions, PoolRef } from '../api/pool.js';
import { checkPoolOptions } from './options.js';
import { PoolActorRef } from './PoolActorRef.js';
import { PoolCore } from './PoolCore.js';
import { type PoolArgs, poolBehaviour, spawnRoutees } from './poolActor.js';

/** Start a pool under `parent`. @internal */
export function spawnPool(
  parent: ActorCell,
  routee: Behaviour | string,
  args: unknown,
  options: PoolOptions,
  defaultSize: number,
): PoolRef {
  const { routing, size } = checkPoolOptions(options, defaultSize);
  const sys = parent.system;
  let actor: ActorRef | undefined;
  const address = () => actor?.address ?? 'pool';
  const core = new PoolCore(routing, sys.clock, sys.askTimeoutMs, address, options, (m) =>
    sys.deadLetter(address(), m, 'stopped'),
  );
  const poolArgs: PoolArgs = {
    core,
    routee,
    args,
    size,
    placement: options.placement,
    placements: options.placements,
    mailbox: options.mailbox,
  };
  actor = parent.spawnChild(
    poolBehaviour(options.supervision),
    poolArgs,
    options.name === undefined ? undefined : { name: options.name },
  );
  // Spawn the routees now, so the pool routes from its first message on.
  try {
    spawnRoutees(cellOf(actor as LocalActorRef), poolArgs);
  } catch (e) {
    parent.stop(actor);
    throw e;
  }
  return new PoolActorRef(actor, core);
}
