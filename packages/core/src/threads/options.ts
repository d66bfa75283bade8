/** Options of the worker-thread pool. */
import type { MessagePort, ResourceLimits } from 'node:worker_threads';

/**
 * Worker-thread options of `createActorSystem({ threads })`.
 *
 * @example
 * ```ts
 * await createActorSystem({ name: 'farm', catalog: [new URL('./behaviours.js', import.meta.url)], threads: { size: 4 } });
 * ```
 */
export interface ThreadOptions {
  /** Number of worker threads. Default: `os.availableParallelism()`. */
  readonly size?: number;
  /** `execArgv` of each worker. Default `[]` (the parent's flags are not inherited). */
  readonly execArgv?: readonly string[];
  /** V8 resource limits of each worker (heap sizes, stack size). */
  readonly resourceLimits?: ResourceLimits;
  /** A thread that fails this many times in a row before it is ready is not replaced again. Default 3. */
  readonly maxStartFailures?: number;
  /** How long shutdown waits for thread actors to stop before terminating the threads (ms). Default 5000. */
  readonly shutdownTimeoutMs?: number;
}

/** @internal What a worker thread is told when it starts. */
export interface WorkerInit {
  readonly system: string;
  readonly node: string;
  readonly mainNode: string;
  readonly threadNodes: readonly string[];
  readonly catalog: readonly string[];
  readonly askTimeoutMs: number;
}

/** @internal Messages between the pool and a worker that are not record batches. */
export type PoolMessage =
  | { readonly ready: true }
  | { readonly startError: { name: string; message: string; stack?: string } }
  | { readonly connect: string; readonly port: MessagePort }
  | { readonly shutdown: true }
  /** worker → main: a batch for a node on the network (the main thread is the gateway). */
  | { readonly to: string; readonly batch: unknown[] }
  /** main → worker: a batch that arrived from the network. */
  | { readonly from: string; readonly batch: unknown[] };
