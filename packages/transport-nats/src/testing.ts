/**
 * Process helpers for tests, examples and benchmarks of Troupe over NATS
 * (`@troupe/transport-nats/testing`): a private `nats-server` on a free loopback port, and
 * `troupe node` processes started with the command line and awaited until they have joined.
 *
 * Every process started here is tracked and killed by PID (SIGKILL) when this process exits,
 * whatever happened; {@link exitOnSignals} extends that to Ctrl-C, SIGTERM and SIGHUP. Nothing
 * here assumes a server on port 4222.
 *
 * @example
 * ```ts
 * import { startNatsServer, startNode } from '@troupe/transport-nats/testing';
 * const server = await startNatsServer();
 * const node = await startNode({ nats: server.url, system: 'shop', catalog: './dist/behaviours.js' });
 * // … createActorSystem({ name: 'shop', transports: [nats({ servers: server.url })] }) …
 * await node.stop();
 * await server.stop();
 * ```
 *
 * @packageDocumentation
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const USUAL_PLACES = ['/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server'];

/**
 * The project-local copies of `nats-server` that `scripts/nats-server.mjs` (run by `pnpm install`
 * in the Troupe repository) fetches where the system has none: `.cache/nats-server/nats-server` in
 * the current directory or any directory above it, and above this module's own file.
 */
function cachedNatsServers(cwd: string): string[] {
  const places: string[] = [];
  for (const start of [cwd, dirname(fileURLToPath(import.meta.url))]) {
    for (let dir = start; ; dir = dirname(dir)) {
      places.push(join(dir, '.cache', 'nats-server', 'nats-server'));
      if (dirname(dir) === dir) break;
    }
  }
  return places;
}

/**
 * Where `nats-server` is: `$TROUPE_NATS_SERVER` if set (taken as it is, even if nothing is there),
 * else the first of `/usr/sbin`, `/usr/bin`, `/usr/local/bin`, the directories of `PATH` and a
 * project-local cache (`.cache/nats-server/nats-server` in the current directory or above, where
 * the Troupe repository's `pnpm install` puts Debian's binary when the system has none) that
 * holds it, else the bare name `nats-server` (which will then fail to run).
 *
 * @example
 * ```ts
 * findNatsServer(); // '/usr/sbin/nats-server' on Debian
 * findNatsServer({ TROUPE_NATS_SERVER: '/opt/nats/nats-server' }); // '/opt/nats/nats-server'
 * ```
 */
export function findNatsServer(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): string {
  const given = env.TROUPE_NATS_SERVER;
  if (given !== undefined && given !== '') return given;
  const onPath = (env.PATH ?? '')
    .split(delimiter)
    .filter((dir) => dir !== '')
    .map((dir) => join(dir, 'nats-server'));
  return [...USUAL_PLACES, ...onPath, ...cachedNatsServers(cwd)].find((p) => existsSync(p)) ?? 'nats-server';
}

/**
 * The `nats-server` that {@link startNatsServer} runs unless told otherwise: {@link findNatsServer}
 * when this module was loaded.
 *
 * @example
 * ```ts
 * console.log(`using ${NATS_SERVER}`);
 * ```
 */
export const NATS_SERVER: string = findNatsServer();

/**
 * True if `nats-server` can be run here (`<bin> --version` succeeds within 5 s).
 *
 * @example
 * ```ts
 * describe.skipIf(!natsServerAvailable())('over NATS', () => { … });
 * ```
 */
export function natsServerAvailable(bin: string = NATS_SERVER): boolean {
  try {
    execFileSync(bin, ['--version'], { stdio: 'ignore', timeout: 5000 });
    return true;
  } catch {
    return false;
  }
}

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
const scratch = new Set<string>();
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

function track(proc: ChildProcess): void {
  running.add(proc);
  proc.once('exit', () => running.delete(proc));
  if (!exitHooked) {
    exitHooked = true;
    process.once('exit', killAll);
  }
  hookSignals();
}

function hookSignals(): void {
  if (!signalsWanted || signalsHooked || running.size === 0) return;
  signalsHooked = true;
  for (const [signal, number] of [
    ['SIGINT', 2],
    ['SIGTERM', 15],
    ['SIGHUP', 1],
  ] as const) {
    process.once(signal, () => {
      killAll();
      process.exit(128 + number);
    });
  }
}

/**
 * Also on SIGINT (Ctrl-C), SIGTERM and SIGHUP: kill every process started here and exit with
 * 128 + the signal's number. The handlers are installed when the first process is started (at
 * once if one runs already), so a program that never starts one keeps the default behaviour.
 * Without this call, processes are killed only when this process exits normally (`exit` event).
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

function exited(proc: ChildProcess): boolean {
  return proc.exitCode !== null || proc.signalCode !== null;
}

/** Send `signal` and resolve with the exit code once the process has exited. */
function signalAndWait(proc: ChildProcess, signal: NodeJS.Signals, graceMs?: number): Promise<number | null> {
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
function spawned(proc: ChildProcess, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    proc.once('spawn', resolve);
    proc.once('error', (e) => reject(new Error(`could not run ${what}: ${e.message}`, { cause: e })));
  });
}

function canConnect(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, host, () => {
      s.end();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

// ---- nats-server ----

/**
 * Options of {@link startNatsServer}.
 *
 * @example
 * ```ts
 * const options: NatsServerOptions = { args: ['--user', 'shop', '--pass', 's3cret'] };
 * ```
 */
export interface NatsServerOptions {
  /**
   * More `nats-server` arguments, after `-a <host> -p <port>`: `['-js']`,
   * `['--user', 'u', '--pass', 'p']`, `['--auth', token]`,
   * `['--tls', '--tlscert', file, '--tlskey', file]`, cluster options, …
   */
  readonly args?: readonly string[];
  /**
   * The text of a configuration file (nkey users, `authorization`, `tls { … }`, `max_payload`):
   * written to a scratch directory and passed with `-c`. The command-line arguments win over it.
   */
  readonly config?: string;
  /** The client port (default: a {@link freePort}). */
  readonly port?: number;
  /** The address to listen on (default `127.0.0.1`). */
  readonly host?: string;
  /** Give the server a fresh store directory (`-sd`), removed by `stop()` and at exit. */
  readonly storeDir?: boolean;
  /** The `nats-server` binary (default {@link NATS_SERVER}). */
  readonly bin?: string;
  /** How long to wait for it to listen (default 5000 ms). */
  readonly timeoutMs?: number;
}

/**
 * A `nats-server` started by {@link startNatsServer}.
 *
 * @example
 * ```ts
 * const server: NatsServer = await startNatsServer();
 * await server.restart(); // same port, same arguments
 * await server.stop();
 * ```
 */
export interface NatsServer {
  /** The address it listens on. */
  readonly host: string;
  /** Its client port. */
  readonly port: number;
  /** `nats://<host>:<port>`, for `nats({ servers })` and `troupe node --nats`. */
  readonly url: string;
  /** The running process (a new one after {@link NatsServer.restart}). */
  readonly proc: ChildProcess;
  /** Its PID. */
  readonly pid: number | undefined;
  /** The last 16 KiB the server wrote to standard error (its log). */
  log(): string;
  /** Send `signal` (default SIGKILL) and wait for the exit. Its files stay, for a restart. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Kill it and start it again on the same port with the same arguments. */
  restart(): Promise<void>;
  /** Kill it (SIGKILL) and remove its scratch directory (config file, store). */
  stop(): Promise<void>;
}

/**
 * Start `nats-server` on a free loopback port (or `options.port`), wait until it listens, and
 * return it. It is killed when this process exits, if not before.
 *
 * @example
 * ```ts
 * const plain = await startNatsServer();
 * const withAuth = await startNatsServer({ args: ['--user', 'shop', '--pass', 's3cret'] });
 * const withNkeys = await startNatsServer({ config: `authorization { users = [ { nkey: ${publicKey} } ] }` });
 * const withJetStream = await startNatsServer({ args: ['-js'], storeDir: true });
 * ```
 */
export async function startNatsServer(options: NatsServerOptions = {}): Promise<NatsServer> {
  const port = options.port ?? (await freePort());
  const host = options.host ?? '127.0.0.1';
  const bin = options.bin ?? NATS_SERVER;
  const args = ['-a', host, '-p', String(port), ...(options.args ?? [])];
  let dir: string | undefined;
  if (options.config !== undefined || options.storeDir === true) {
    dir = mkdtempSync(join(tmpdir(), 'troupe-nats-'));
    scratch.add(dir);
    if (options.config !== undefined) {
      const file = join(dir, 'server.conf');
      writeFileSync(file, options.config);
      args.push('-c', file);
    }
    if (options.storeDir === true) args.push('-sd', join(dir, 'store'));
  }
  let log = '';
  const launch = async (): Promise<ChildProcess> => {
    const proc = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    track(proc);
    proc.stderr!.on('data', (d: Buffer) => {
      log = (log + d.toString()).slice(-16_384);
    });
    try {
      await spawned(proc, bin);
      const start = Date.now();
      const timeoutMs = options.timeoutMs ?? 5000;
      for (;;) {
        if (exited(proc)) {
          throw new Error(
            `nats-server exited with ${proc.exitCode ?? proc.signalCode} before listening on ${host}:${port}:\n${log}`,
          );
        }
        if (await canConnect(port, host)) return proc;
        if (Date.now() - start > timeoutMs) {
          throw new Error(`nats-server did not listen on ${host}:${port} within ${timeoutMs} ms:\n${log}`);
        }
        await new Promise((r) => setTimeout(r, 25));
      }
    } catch (e) {
      await signalAndWait(proc, 'SIGKILL');
      throw e;
    }
  };
  const removeScratch = () => {
    if (dir === undefined) return;
    rmSync(dir, { recursive: true, force: true });
    scratch.delete(dir);
  };
  let proc: ChildProcess;
  try {
    proc = await launch();
  } catch (e) {
    removeScratch();
    throw e;
  }
  const server: NatsServer = {
    host,
    port,
    url: `nats://${host}:${port}`,
    get proc() {
      return proc;
    },
    get pid() {
      return proc.pid;
    },
    log: () => log,
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      await signalAndWait(proc, signal);
    },
    async restart() {
      await signalAndWait(proc, 'SIGKILL');
      proc = await launch();
    },
    async stop() {
      await signalAndWait(proc, 'SIGKILL');
      removeScratch();
    },
  };
  return server;
}

// ---- troupe node ----

/** The `troupe node` command of this package (its compiled `dist/cli.js`; run `pnpm build` first). */
const TROUPE_CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

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
