/**
 * Processes the benchmarks start: a private nats-server on a free port, and `troupe node`
 * processes (optionally pinned to a core with taskset). They come from
 * `@troupe/transport-nats/testing`, which tracks every one and kills it by PID when the suite
 * closes it, and again, whatever happened, when this process exits or is interrupted
 * ({@link exitOnSignals}) — a benchmark never leaves a server or a node behind.
 */

import { execFileSync } from 'node:child_process';
import {
  natsServerAvailable as canRunNatsServer,
  exitOnSignals,
  NATS_SERVER as FOUND_NATS_SERVER,
  freePort,
  type NatsServer,
  startNode,
  startNatsServer as startServer,
  type TroupeNodeOptions,
} from '@troupe/transport-nats/testing';

export type { NatsServer } from '@troupe/transport-nats/testing';

exitOnSignals();

/**
 * Where nats-server is: `$TROUPE_BENCH_NATS_SERVER` if set (also a way to check that the suites
 * skip cleanly without it: point it at a file that does not exist), else where
 * `@troupe/transport-nats/testing` finds it (`$TROUPE_NATS_SERVER`, a usual place, `PATH`), else
 * the bare name.
 */
export const NATS_SERVER = process.env.TROUPE_BENCH_NATS_SERVER ?? FOUND_NATS_SERVER;

/** True if nats-server can be run here. */
export function natsServerAvailable(): boolean {
  return canRunNatsServer(NATS_SERVER);
}

/** True if `taskset` (util-linux) can pin a process to a core here. */
export function tasksetAvailable(): boolean {
  try {
    execFileSync('taskset', ['-c', '0', 'true'], { stdio: 'ignore', timeout: 5000 });
    return true;
  } catch {
    return false;
  }
}

/**
 * Start a private nats-server on a free loopback port (never 4222's server, if one runs), with a
 * store directory of its own; `stop()` kills it and removes the directory.
 */
export function startNatsServer(): Promise<NatsServer> {
  return startServer({ bin: NATS_SERVER, storeDir: true });
}

/** A private nats-server as {@link startNatsServer}, with its HTTP monitoring port open (for `/varz`). */
export async function startMonitoredNatsServer(): Promise<{ server: NatsServer; monitor: string }> {
  const port = await freePort();
  const server = await startServer({ bin: NATS_SERVER, storeDir: true, args: ['-m', String(port)] });
  return { server, monitor: `http://127.0.0.1:${port}` };
}

/** Bytes all clients have published to the server so far (message payloads; `/varz` `in_bytes`). */
export async function publishedBytes(monitor: string): Promise<number> {
  const varz = (await (await fetch(`${monitor}/varz`)).json()) as { in_bytes: number };
  return varz.in_bytes;
}

export interface TroupeNode {
  /** The node id it announced. */
  readonly id: string;
  readonly pid: number | undefined;
  /** SIGTERM (a graceful leave), SIGKILL after a second; resolves on exit. */
  stop(): Promise<void>;
}

/** Start `troupe node` and wait until it has joined the system (it prints `node <id> joined`). */
export async function startTroupeNode(options: TroupeNodeOptions): Promise<TroupeNode> {
  const node = await startNode(options);
  return { id: node.id, pid: node.pid, stop: () => node.stop('SIGTERM', 1000) };
}
