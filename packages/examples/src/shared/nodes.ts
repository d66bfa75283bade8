/**
 * Helpers for the multi-node examples: a private nats-server on a free port (when the user gives
 * no --nats URL and nats-server is installed), and `troupe node` child processes — a parent
 * starting its children with command-line arguments.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { connect, createServer } from 'node:net';

const SERVER_PATHS = ['/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server'];

/** A running nats-server started by this process. */
export interface LocalNats {
  readonly url: string;
  stop(): void;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/** Start nats-server on a free loopback port; throws with what to do if it is not installed. */
export async function startLocalNats(): Promise<LocalNats> {
  const bin = SERVER_PATHS.find((p) => existsSync(p));
  if (bin === undefined) {
    throw new Error(
      'no --nats URL given and nats-server is not installed; install it (apt-get install nats-server) or pass --nats nats://host:4222',
    );
  }
  const port = await freePort();
  const proc = spawn(bin, ['-a', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  const stop = () => {
    if (proc.exitCode === null) proc.kill('SIGTERM');
  };
  process.once('exit', stop);
  const start = Date.now();
  for (;;) {
    const ok = await new Promise<boolean>((r) => {
      const s = connect(port, '127.0.0.1', () => {
        s.end();
        r(true);
      });
      s.on('error', () => r(false));
    });
    if (ok) break;
    if (Date.now() - start > 5000) throw new Error('nats-server did not start within 5 s');
    await new Promise((r) => setTimeout(r, 25));
  }
  return { url: `nats://127.0.0.1:${port}`, stop };
}

/** A `troupe node` child process. */
export interface NodeProcess {
  readonly id: string;
  readonly proc: ChildProcess;
  /** Leave gracefully (SIGINT) or crash (SIGKILL); resolves when it has exited. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

const cli = createRequire(import.meta.url).resolve('@troupe/transport-nats/cli');

/** Start `troupe node` with these arguments (optionally pinned to one core with taskset) and wait until it joined. */
export async function startNode(options: {
  nats: string;
  system: string;
  catalog: string;
  threads: number;
  cpu?: number;
}): Promise<NodeProcess> {
  const args = [
    cli,
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
  const [cmd, argv] =
    options.cpu === undefined
      ? [process.execPath, args]
      : ['taskset', ['-c', String(options.cpu), process.execPath, ...args]];
  const proc = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  process.once('exit', () => proc.kill('SIGKILL'));
  let out = '';
  const id = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`a node did not join within 15 s:\n${out}`)), 15_000);
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /node (\S+) joined system/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`a node exited with code ${code} before joining:\n${out}`));
    });
  });
  return {
    id,
    proc,
    stop(signal: NodeJS.Signals = 'SIGINT') {
      if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
      return new Promise((r) => {
        proc.once('exit', () => r());
        proc.kill(signal);
      });
    },
  };
}
