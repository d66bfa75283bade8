/**
 * Processes the benchmarks start: a private nats-server on a free port, and `troupe node`
 * processes (optionally pinned to a core with taskset). Every one is tracked and killed by PID
 * when the suite closes it, and again, whatever happened, when this process exits or is
 * interrupted — a benchmark never leaves a server or a node behind.
 *
 * (Adapted from packages/transport-nats/test/natsServer.ts: the bench does not import tests.)
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where nats-server is: `$TROUPE_BENCH_NATS_SERVER` if set (also a way to check that the suites
 * skip cleanly without it: point it at a file that does not exist), else a usual place, else the
 * bare name (found on PATH or not at all).
 */
export const NATS_SERVER =
  process.env.TROUPE_BENCH_NATS_SERVER ??
  ['/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server'].find((p) =>
    existsSync(p),
  ) ??
  'nats-server';

/** True if nats-server can be run here. */
export function natsServerAvailable(): boolean {
  return canRun(NATS_SERVER, ['--version']);
}

/** True if `taskset` (util-linux) can pin a process to a core here. */
export function tasksetAvailable(): boolean {
  return canRun('taskset', ['-c', '0', 'true']);
}

function canRun(file: string, args: readonly string[]): boolean {
  try {
    execFileSync(file, args, { stdio: 'ignore', timeout: 5000 });
    return true;
  } catch {
    return false;
  }
}

const running = new Set<ChildProcess>();
/** Scratch directories of running servers, removed with them. */
const scratch = new Set<string>();
let hooked = false;

/** Kill every process still running, at once (SIGKILL): on exit, on a signal, on a crash. */
function killAll(): void {
  for (const p of running) p.kill('SIGKILL');
  running.clear();
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
  scratch.clear();
}

function track(proc: ChildProcess): void {
  running.add(proc);
  proc.once('exit', () => running.delete(proc));
  if (hooked) return;
  hooked = true;
  process.once('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      killAll();
      process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1));
    });
  }
}

/** Stop a process (SIGTERM, then SIGKILL after `graceMs`) and wait for its exit. */
async function stop(proc: ChildProcess, graceMs: number): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill(graceMs > 0 ? 'SIGTERM' : 'SIGKILL');
  const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** A free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

async function waitForPort(port: number, proc: ChildProcess, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`nats-server exited with ${proc.exitCode} before listening`);
    const ok = await new Promise<boolean>((r) => {
      const s = connect(port, '127.0.0.1', () => {
        s.end();
        r(true);
      });
      s.on('error', () => r(false));
    });
    if (ok) return;
    if (Date.now() - start > timeoutMs) throw new Error(`nats-server did not listen on port ${port}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export interface NatsServer {
  readonly url: string;
  readonly pid: number | undefined;
  /** Kill it and remove its store directory. */
  stop(): Promise<void>;
}

/** Start a private nats-server on a free loopback port (never 4222's server, if one runs). */
export async function startNatsServer(): Promise<NatsServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'troupe-bench-nats-'));
  const proc = spawn(NATS_SERVER, ['-a', '127.0.0.1', '-p', String(port), '-sd', dir], { stdio: 'ignore' });
  track(proc);
  scratch.add(dir);
  const cleanup = async () => {
    await stop(proc, 0);
    rmSync(dir, { recursive: true, force: true });
    scratch.delete(dir);
  };
  try {
    await new Promise<void>((resolve, reject) => {
      proc.once('spawn', resolve);
      proc.once('error', reject);
    });
    await waitForPort(port, proc);
  } catch (e) {
    await cleanup();
    throw e;
  }
  return { url: `nats://127.0.0.1:${port}`, pid: proc.pid, stop: cleanup };
}

/** The `troupe node` CLI of @troupe/transport-nats (its compiled dist/cli.js). */
const TROUPE_CLI = fileURLToPath(new URL('./cli.js', import.meta.resolve('@troupe/transport-nats')));

export interface TroupeNode {
  /** The node id it announced. */
  readonly id: string;
  readonly pid: number | undefined;
  /** SIGTERM (a graceful leave), SIGKILL after a second; resolves on exit. */
  stop(): Promise<void>;
}

export interface NodeOptions {
  readonly nats: string;
  readonly system: string;
  /** Path of a compiled catalog module. */
  readonly catalog: string;
  readonly threads: number;
  /** Pin the whole process (main thread and worker threads) to this core with taskset. */
  readonly cpu?: number;
}

/** Start `troupe node` and wait until it has joined the system (it prints `node <id> joined`). */
export async function startTroupeNode(options: NodeOptions): Promise<TroupeNode> {
  const args = [
    TROUPE_CLI,
    'node',
    '--nats',
    options.nats,
    '--system',
    options.system,
    '--catalog',
    options.catalog,
    '--threads',
    String(options.threads),
  ];
  const [file, argv] =
    options.cpu === undefined
      ? [process.execPath, args]
      : ['taskset', ['-c', String(options.cpu), process.execPath, ...args]];
  // taskset execs node in place, so the PID is the node's.
  const proc = spawn(file, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  track(proc);
  const output: string[] = [];
  try {
    const id = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`troupe node did not join:\n${output.join('')}`)),
        15_000,
      );
      proc.stdout!.on('data', (d: Buffer) => {
        output.push(d.toString());
        const m = /node (\S+) joined system/.exec(output.join(''));
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
      proc.stderr!.on('data', (d: Buffer) => output.push(d.toString()));
      proc.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      proc.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`troupe node exited with ${code} before joining:\n${output.join('')}`));
      });
    });
    return { id, pid: proc.pid, stop: () => stop(proc, 1000) };
  } catch (e) {
    await stop(proc, 0);
    throw e;
  }
}
