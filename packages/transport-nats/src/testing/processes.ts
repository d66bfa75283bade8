/**
 * The processes the test helpers start: each is tracked and killed by PID (SIGKILL) when this
 * process exits, whatever happened, and on Ctrl-C, SIGTERM and SIGHUP. Also a free loopback port, and waiting for a process to start or to end.
 * Owns: the set of running helper processes and their scratch directories. May not touch: what
 * the processes are (`natsServer.ts`, `troupeNode.ts`).
 */
import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';

/**
 * A free TCP port on loopback (the system picks it; it is closed again before this resolves).
 *
 * @example
 * ```ts
 * const clusterPort = await freePort();
 * ```
 */
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

// ---- tracking: every process started here dies with this process ----

const running = new Set<ChildProcess>();
/** Scratch directories (config files, stores) of servers, removed with them. */
export const scratch = new Set<string>();
let exitHooked = false;
let signalsWanted = false;
let signalsHooked = false;

/** Kill every tracked process at once (SIGKILL) and remove the scratch directories. */
function killAll(): void {
  for (const p of running) p.kill('SIGKILL');
  running.clear();
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
  scratch.clear();
}

/** @internal */
export function track(proc: ChildProcess): void {
  running.add(proc);
  proc.once('exit', () => running.delete(proc));
  if (!exitHooked) {
    exitHooked = true;
    process.once('exit', killAll);
  }
  hookSignals();
}

/**
 * On SIGINT (Ctrl-C), SIGTERM and SIGHUP, every tracked process is killed first, so a program
 * that started nodes or a server never leaves them behind, re-parented to PID 1. Then, when the
 * program has no handler of its own for that signal, it ends as the signal would have ended it
 * (exit code 128 + the signal's number); with one, the program's handler decides, unless
 * {@link exitOnSignals} asked for the exit. Installed when the first process is started, so a
 * program that never starts one keeps the default behaviour.
 */
function hookSignals(): void {
  if (signalsHooked || running.size === 0) return;
  signalsHooked = true;
  for (const [signal, number] of [
    ['SIGINT', 2],
    ['SIGTERM', 15],
    ['SIGHUP', 1],
  ] as const) {
    process.once(signal, () => {
      killAll();
      // `once` has removed this listener: what is left is the program's own.
      if (signalsWanted || process.listenerCount(signal) === 0) process.exit(128 + number);
    });
  }
}

/**
 * On SIGINT (Ctrl-C), SIGTERM and SIGHUP, exit with 128 + the signal's number after the tracked
 * processes are killed, even when the program has handlers of its own for the signal. (Without
 * this call the processes are killed as well, and the program's own handlers, if any, decide
 * whether it exits.)
 *
 * @example
 * ```ts
 * exitOnSignals(); // a benchmark never leaves a server or a node behind on Ctrl-C
 * const server = await startNatsServer();
 * ```
 */
export function exitOnSignals(): void {
  signalsWanted = true;
  hookSignals();
}

/** @internal */
export function exited(proc: ChildProcess): boolean {
  return proc.exitCode !== null || proc.signalCode !== null;
}

/** Send `signal` and resolve with the exit code once the process has exited. */
/** @internal */
export function signalAndWait(
  proc: ChildProcess,
  signal: NodeJS.Signals,
  graceMs?: number,
): Promise<number | null> {
  if (exited(proc)) return Promise.resolve(proc.exitCode);
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    proc.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
    proc.kill(signal);
    if (graceMs !== undefined && signal !== 'SIGKILL')
      timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
  });
}

/** Resolve when the process has started, reject if it could not be run. */
/** @internal */
export function spawned(proc: ChildProcess, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    proc.once('spawn', resolve);
    proc.once('error', (e) => reject(new Error(`could not run ${what}: ${e.message}`, { cause: e })));
  });
}

/** @internal */
export function canConnect(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, host, () => {
      s.end();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

// ---- nats-server ----
