/**
 * The pool of worker threads of the main runtime. Each slot has a stable node id
 * (`<main>.t<i>`), so refs to thread actors stay valid when a dead thread is replaced. The pool
 * starts workers, waits for their READY, gives every pair of runtimes its own MessageChannel (so
 * thread ↔ thread traffic never hops through the main thread), and turns a thread's death into
 * failures of its actors through the ordinary supervision path.
 * @internal
 */

import { availableParallelism } from 'node:os';
import { MessageChannel, Worker } from 'node:worker_threads';
import type { EventStream } from '../api/events.js';
import { InvalidOptionsError, ThreadLostError } from '../errors.js';
import type { Control } from '../remote/protocol.js';
import type { RemoteRuntime } from '../remote/RemoteRuntime.js';
import { LATER } from '../remote/Routes.js';
import { reviveError, serializeError } from '../serializedError.js';
import type { PoolMessage, ThreadOptions, WorkerInit } from './options.js';

interface Slot {
  readonly index: number;
  readonly node: string;
  worker: Worker | null;
  ready: boolean;
  /** Consecutive failures before READY. */
  startFailures: number;
  /** Not replaced any more. */
  dead: boolean;
  lastError: Error | undefined;
  /** Killed on purpose (`threads.terminate()`): not a start-up failure of the thread. */
  killed: boolean;
}

export class ThreadPool {
  readonly slots: Slot[];
  private closing = false;
  private forced = false;
  private readonly maxStartFailures: number;
  private firstStart: { resolve: () => void; reject: (e: Error) => void; pending: number } | undefined;

  constructor(
    private readonly runtime: RemoteRuntime,
    private readonly events: EventStream,
    private readonly init: Omit<WorkerInit, 'node' | 'threadNodes'>,
    private readonly options: ThreadOptions,
    /** The module each worker runs (the system's worker entry: this layer does not know it). */
    private readonly entry: URL,
  ) {
    const size = options.size ?? availableParallelism();
    if (!Number.isInteger(size) || size < 1 || size > 1024) {
      throw new InvalidOptionsError(
        `threads.size must be a whole number from 1 to 1024, got ${String(options.size)}`,
      );
    }
    this.maxStartFailures = options.maxStartFailures ?? 3;
    this.slots = Array.from({ length: size }, (_, index) => ({
      index,
      node: `${init.mainNode}.t${index}`,
      worker: null,
      ready: false,
      startFailures: 0,
      dead: false,
      lastError: undefined,
      killed: false,
    }));
    // The threads' step of the resolver chain (remote/Routes.ts): records for a thread wait in
    // its link until the thread is ready and the link is attached (onReady).
    const threads = new Set(this.slots.map((s) => s.node));
    runtime.routes.add({ name: 'threads', resolve: (node) => (threads.has(node) ? LATER : undefined) });
  }

  get nodes(): string[] {
    return this.slots.map((s) => s.node);
  }

  /** Nodes that are running or being replaced (not given up on). */
  usableNodes(): string[] {
    return this.slots.filter((s) => !s.dead).map((s) => s.node);
  }

  /** Start every worker; resolves when all are ready, rejects with the first start error. */
  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.firstStart = { resolve, reject, pending: this.slots.length };
      for (const slot of this.slots) this.startWorker(slot);
    });
  }

  private startWorker(slot: Slot): void {
    const data: WorkerInit = { ...this.init, node: slot.node, threadNodes: this.nodes };
    const worker = new Worker(this.entry, {
      workerData: data,
      execArgv: [...(this.options.execArgv ?? [])],
      ...(this.options.resourceLimits === undefined ? {} : { resourceLimits: this.options.resourceLimits }),
      name: `troupe ${slot.node}`,
    });
    slot.worker = worker;
    slot.lastError = undefined;
    slot.killed = false;
    worker.on('message', (m: unknown) => {
      if (Array.isArray(m)) this.runtime.receive(slot.node, m);
      else this.onControl(slot, m as PoolMessage);
    });
    worker.on('error', (e) => {
      slot.lastError = e;
    });
    worker.on('exit', (code) => this.onExit(slot, worker, code));
  }

  /**
   * A thread sent a batch for a runtime of another process: it goes on through this runtime's
   * resolver chain (the transports), as the thread's own. A batch the transport refuses (a cycle
   * the codec cannot write, too large) must not crash the thread: its records are refused one by
   * one, the thread's asks answered with the error.
   */
  private forwardOut(from: string, to: string, batch: unknown[]): void {
    const port = this.runtime.routes.resolve(to, from);
    if (port === undefined || port === LATER) {
      this.runtime.host.dropped(
        'unroutable',
        `a batch from thread ${from} for ${to}, which no transport reaches`,
      );
      return;
    }
    try {
      port.post(batch, undefined);
    } catch (e) {
      this.runtime.forwardFailed(
        to,
        batch,
        e,
        (b) => port.post(b, undefined),
        (records) => this.forwardIn(from, to, records),
      );
    }
  }

  private onControl(slot: Slot, m: PoolMessage): void {
    if ('ready' in m) this.onReady(slot);
    else if ('startError' in m) slot.lastError = reviveError(m.startError);
    else if ('to' in m) this.forwardOut(slot.node, m.to, m.batch);
  }

  /** Hand a batch from the network to thread `to`; false if no such thread is running. */
  forwardIn(to: string, from: string, batch: unknown[]): boolean {
    const slot = this.slots.find((s) => s.node === to);
    if (slot === undefined || !slot.ready || slot.worker === null) return false;
    slot.worker.postMessage({ from, batch } satisfies PoolMessage);
    return true;
  }

  /** Send a control record to every running thread. */
  broadcastControl(control: Control): void {
    for (const s of this.slots) if (s.ready) this.runtime.sendControl(s.node, control);
  }

  private onReady(slot: Slot): void {
    const worker = slot.worker;
    if (worker === null) return;
    slot.ready = true;
    slot.startFailures = 0;
    this.runtime
      .link(slot.node)
      .attach({ post: (batch, transfer) => worker.postMessage(batch, transfer ?? []) });
    for (const other of this.slots) {
      if (other === slot || !other.ready || other.worker === null) continue;
      const { port1, port2 } = new MessageChannel();
      worker.postMessage({ connect: other.node, port: port1 } satisfies PoolMessage, [port1]);
      other.worker.postMessage({ connect: slot.node, port: port2 } satisfies PoolMessage, [port2]);
    }
    const first = this.firstStart;
    if (first !== undefined && --first.pending === 0) {
      this.firstStart = undefined;
      first.resolve();
    }
  }

  private onExit(slot: Slot, worker: Worker, code: number): void {
    if (slot.worker !== worker) return;
    const wasReady = slot.ready;
    slot.worker = null;
    slot.ready = false;
    if (this.closing) {
      if (this.forced)
        this.runtime.nodeDown(
          slot.node,
          'terminated by shutdown',
          new ThreadLostError(slot.node, 'terminated by shutdown'),
        );
      return;
    }
    const detail = slot.lastError
      ? `${slot.lastError.name}: ${slot.lastError.message}`
      : `exited with code ${code}`;
    const first = this.firstStart;
    if (first !== undefined && !wasReady) {
      // A thread that cannot start when the system is created: fail createActorSystem clearly.
      this.firstStart = undefined;
      first.reject(
        new InvalidOptionsError(`worker thread ${slot.node} failed to start: ${detail}`, {
          cause: slot.lastError,
        }),
      );
      return;
    }
    const error = new ThreadLostError(slot.node, detail);
    this.runtime.nodeDown(slot.node, detail, error);
    for (const other of this.slots) {
      if (other !== slot && other.ready) {
        this.runtime.sendControl(other.node, {
          c: 'node-down',
          node: slot.node,
          reason: 'thread-lost',
          detail,
        });
      }
    }
    if (!wasReady && !slot.killed) slot.startFailures++;
    if (slot.startFailures >= this.maxStartFailures) {
      slot.dead = true;
      this.runtime.nodeGone(slot.node, 'thread-lost');
      this.events.publish({
        kind: 'error',
        where: `thread pool`,
        error: serializeError(
          new ThreadLostError(
            slot.node,
            `it failed ${slot.startFailures} times in a row before it was ready (last: ${detail}); it is not replaced again`,
          ),
        ),
      });
      return;
    }
    const delay = wasReady ? 0 : 50 * 2 ** slot.startFailures;
    setTimeout(() => {
      if (!this.closing) this.startWorker(slot);
    }, delay).unref();
  }

  /** Ask every worker to exit; terminate the ones that have not exited after `timeoutMs`. */
  async close(timeoutMs = 2000): Promise<void> {
    this.closing = true;
    const exits = this.slots
      .map((s) => s.worker)
      .filter((w): w is Worker => w !== null)
      .map(
        (w) =>
          new Promise<void>((resolve) => {
            const timer = setTimeout(() => void w.terminate(), timeoutMs);
            w.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            try {
              w.postMessage({ shutdown: true } satisfies PoolMessage);
            } catch {
              void w.terminate();
            }
          }),
      );
    await Promise.all(exits);
  }

  /** Kill worker `index` now, even mid-computation (for chaos tests); resolves when it has exited. */
  async terminate(index: number): Promise<void> {
    const slot = this.slots[index];
    if (slot === undefined)
      throw new InvalidOptionsError(`threads are numbered 0 to ${this.slots.length - 1}, got ${index}`);
    const w = slot.worker;
    if (w === null) return;
    slot.lastError = new Error('terminated by threads.terminate()');
    slot.killed = true;
    const exited = new Promise<void>((r) => w.once('exit', () => r()));
    await w.terminate();
    await exited;
  }

  /** Terminate every worker at once (shutdown took too long). */
  terminateAll(): void {
    this.closing = true;
    this.forced = true;
    for (const s of this.slots) void s.worker?.terminate();
  }
}
