/**
 * `troupe node` processes for tests, examples and benchmarks: started with the command line of
 * this package and awaited until they have joined their system.
 * Owns: starting and stopping node processes. May not touch: the NATS server (`natsServer.ts`).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { signalAndWait, track } from './processes.js';

/** The `troupe node` command of this package (its compiled `dist/cli.js`; run `pnpm build` first). */
const TROUPE_CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

/**
 * Options of {@link startNode}.
 *
 * @example
 * ```ts
 * const options: TroupeNodeOptions = { nats: server.url, system: 'shop', catalog: './dist/behaviours.js', threads: 2 };
 * ```
 */
export interface TroupeNodeOptions {
  /** The NATS server(s) for `--nats`: one URL, or several comma-separated. */
  readonly nats: string;
  /** The system to join (`--system`). */
  readonly system: string;
  /** Path(s) of compiled catalog module(s) (`--catalog`, once per path). */
  readonly catalog: string | readonly string[];
  /** Worker threads of the node (`--threads`, default 0). */
  readonly threads?: number;
  /**
   * More `troupe node` arguments: `['--heartbeat-ms', '200']`, `['--user', 'u', '--pass', 'p']`,
   * `['--nkey', seedFile]`, `['--nats-options', '{"tls":{"caFile":"ca.pem"}}']`, …
   */
  readonly args?: readonly string[];
  /** Environment variables added to this process's own. */
  readonly env?: Readonly<Record<string, string>>;
  /** Pin the whole process (main thread and worker threads) to this core with `taskset`. */
  readonly cpu?: number;
  /** Run the node inside this network namespace (`ip netns exec`; needs root). */
  readonly netns?: string;
  /** How long to wait for it to join (default 15 000 ms). */
  readonly timeoutMs?: number;
}

/**
 * A `troupe node` process started by {@link startNode}, which has joined its system.
 *
 * @example
 * ```ts
 * const node: TroupeNodeProcess = await startNode({ nats: server.url, system: 'shop', catalog });
 * console.log(node.id, node.pid);
 * await node.kill(); // a crash: the others declare it down
 * ```
 */
export interface TroupeNodeProcess {
  /** The node id it announced. */
  readonly id: string;
  /** The process (`taskset` and `ip netns exec` exec node in place, so this is the node). */
  readonly proc: ChildProcess;
  /** Its PID. */
  readonly pid: number | undefined;
  /** What it printed (standard output and error), chunk by chunk, kept while it runs. */
  readonly output: string[];
  /** Send `signal` (default SIGKILL: a crash) and resolve with its exit code once it has exited. */
  kill(signal?: NodeJS.Signals): Promise<number | null>;
  /**
   * Let it leave gracefully: send `signal` (default SIGTERM; SIGINT works the same) and wait for
   * the exit, sending SIGKILL after `graceMs` if given.
   */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
}

/**
 * Start `troupe node` and wait until it has joined its system (it prints
 * `node <id> joined system …`). If it exits or does not join within the timeout, it is killed
 * and this rejects with what it printed.
 *
 * @example
 * ```ts
 * const node = await startNode({
 *   nats: server.url,
 *   system: 'shop',
 *   catalog: fileURLToPath(new URL('./behaviours.js', import.meta.url)),
 *   threads: 1,
 *   args: ['--heartbeat-ms', '200'],
 * });
 * await node.stop('SIGINT'); // peers see `leave`
 * ```
 */
export async function startNode(options: TroupeNodeOptions): Promise<TroupeNodeProcess> {
  const catalogs = typeof options.catalog === 'string' ? [options.catalog] : options.catalog;
  let argv = [
    process.execPath,
    TROUPE_CLI,
    'node',
    '--nats',
    options.nats,
    '--system',
    options.system,
    ...catalogs.flatMap((c) => ['--catalog', c]),
    '--threads',
    String(options.threads ?? 0),
    ...(options.args ?? []),
  ];
  if (options.cpu !== undefined) argv = ['taskset', '-c', String(options.cpu), ...argv];
  if (options.netns !== undefined) argv = ['ip', 'netns', 'exec', options.netns, ...argv];
  const proc = spawn(argv[0]!, argv.slice(1), {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...options.env },
  });
  track(proc);
  const output: string[] = [];
  const timeoutMs = options.timeoutMs ?? 15_000;
  try {
    const id = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`troupe node did not join within ${timeoutMs} ms:\n${output.join('')}`)),
        timeoutMs,
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
        reject(new Error(`could not run troupe node (${argv[0]}): ${e.message}`, { cause: e }));
      });
      proc.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`troupe node exited with ${code ?? signal} before joining:\n${output.join('')}`));
      });
    });
    return {
      id,
      proc,
      pid: proc.pid,
      output,
      kill: (signal: NodeJS.Signals = 'SIGKILL') => signalAndWait(proc, signal),
      async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs?: number) {
        await signalAndWait(proc, signal, graceMs);
      },
    };
  } catch (e) {
    await signalAndWait(proc, 'SIGKILL');
    throw e;
  }
}
