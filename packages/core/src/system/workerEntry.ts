/**
 * The entry of every worker thread: it builds this thread's runtime (same system name, its own
 * node id), loads the catalog modules — TypeScript ones through tsx — and connects to the main
 * thread and to the other threads with the ports the pool hands out.
 * @internal
 */
import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import { LATER } from '../remote/Routes.js';
import { serializeError } from '../serializedError.js';
import type { PoolMessage, WorkerInit } from '../threads/options.js';
import { LocalActorSystem } from './LocalActorSystem.js';

const init = workerData as WorkerInit;
const port = parentPort!;

async function main(): Promise<void> {
  // TypeScript catalog modules are loaded through tsx when needed (BehaviourCatalog.load).
  const system = new LocalActorSystem(
    { name: init.system, nodeId: init.node, askTimeoutMs: init.askTimeoutMs },
    { mainNode: init.mainNode, threadNodes: init.threadNodes },
  );
  for (const url of init.catalog) await system.catalog.load(url);
  const runtime = system.remote!;
  // The resolver chain of a thread (see remote/Routes.ts): the runtimes of this process are
  // attached here (the main thread now, the other threads as the pool connects them); every
  // other runtime is reached through the main thread, the gateway of this process.
  const local = new Set([init.mainNode, ...init.threadNodes]);
  runtime.routes.add({
    name: 'gateway',
    resolve: (node) =>
      local.has(node)
        ? LATER
        : { post: (batch) => port.postMessage({ to: node, batch } satisfies PoolMessage) },
  });
  runtime.link(init.mainNode).attach({ post: (batch, transfer) => port.postMessage(batch, transfer ?? []) });
  const peers: MessagePort[] = [];
  port.on('message', (m: unknown) => {
    if (Array.isArray(m)) {
      runtime.receive(init.mainNode, m);
      return;
    }
    const msg = m as PoolMessage;
    if ('from' in msg) {
      runtime.receive(msg.from, msg.batch);
    } else if ('connect' in msg) {
      const peer = msg.connect;
      const p = msg.port;
      peers.push(p);
      p.on('message', (b: unknown) => runtime.receive(peer, b));
      runtime.link(peer).attach({ post: (batch, transfer) => p.postMessage(batch, transfer ?? []) });
    } else if ('shutdown' in msg) {
      void system.shutdown().finally(() => {
        for (const p of peers) p.close();
        process.exit(0);
      });
    }
  });
  port.postMessage({ ready: true } satisfies PoolMessage);
}

main().catch((e) => {
  port.postMessage({ startError: serializeError(e) } satisfies PoolMessage);
  process.exit(1);
});
