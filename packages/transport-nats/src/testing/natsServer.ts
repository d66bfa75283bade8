/**
 * A private `nats-server` for tests, examples and benchmarks: found on this machine (or in the
 * project's `.cache/`, where `pnpm install` puts one), started on a free loopback port, stopped
 * with its scratch directory.
 * Owns: finding and starting nats-server. May not touch: Troupe nodes (`troupeNode.ts`).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { canConnect, exited, freePort, scratch, signalAndWait, spawned, track } from './processes.js';

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
