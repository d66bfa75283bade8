/**
 * `pool.map`, the analogue of Python's `multiprocessing.Pool().map(fn, inputs)`: a function
 * becomes a task behaviour in a catalog module, and `map` spreads inputs over a balancing pool
 * of thread actors, returning results in input order.
 */
import { availableParallelism } from 'node:os';
import { type ActorSystem, type Behaviour, createActorSystem, defineActor, type PoolRef } from '@troupe/core';

/**
 * Turn a function into a task behaviour (export it from a catalog module so threads can load it).
 *
 * @example
 * ```ts
 * export const square = defineTask('square', (x: number) => x * x);
 * ```
 */
export function defineTask<I, O>(
  name: string,
  fn: (input: I) => O | Promise<O>,
): Behaviour<I, undefined, void, O> {
  return defineActor<I, undefined, void, O>({
    name,
    async receive(ctx, _state, input) {
      ctx.reply(await fn(input));
    },
  });
}

/** A pool of worker threads that maps task behaviours over inputs. */
export interface PoolMap {
  /** Apply `task` to every input on the threads; results come back in input order. */
  map<I, O>(task: Behaviour<I, undefined, void, O>, inputs: Iterable<I>): Promise<O[]>;
  /** Stop the pool and its threads. */
  close(): Promise<void>;
  /** The actor system behind the pool. */
  readonly system: ActorSystem;
}

/**
 * Start a pool on `threads` worker threads (default: every core) that can run the tasks exported
 * by `catalog` modules.
 *
 * @example
 * ```ts
 * const pool = await createPoolMap({ catalog: [new URL('./tasks.js', import.meta.url)] });
 * console.log(await pool.map(fibTask, [38, 37, 36])); // [39088169, 24157817, 14930352]
 * await pool.close();
 * ```
 */
export async function createPoolMap(options: {
  catalog: readonly URL[];
  threads?: number;
}): Promise<PoolMap> {
  const threads = options.threads ?? availableParallelism();
  const system = await createActorSystem({
    name: 'pool-map',
    catalog: [...options.catalog],
    threads: { size: threads },
  });
  const pools = new Map<string, PoolRef>();
  return {
    system,
    async map<I, O>(task: Behaviour<I, undefined, void, O>, inputs: Iterable<I>): Promise<O[]> {
      let pool = pools.get(task.name);
      if (pool === undefined) {
        pool = system.spawnPool(task.name, undefined, {
          placement: 'thread',
          size: threads,
          routing: 'balancing', // default credit: adaptive, so short tasks travel in batches
        });
        pools.set(task.name, pool);
      }
      const p = pool as PoolRef<I, O>;
      return Promise.all([...inputs].map((input) => p.ask(input, { timeoutMs: 3_600_000 })));
    },
    close: () => system.shutdown(),
  };
}
