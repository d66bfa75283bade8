/**
 * Test helpers: real nats-server processes on free ports (never 4222), stopped by PID; Troupe
 * node processes started with the `troupe node` CLI.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const NATS_SERVER =
  ['/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server'].find((p) =>
    existsSync(p),
  ) ?? 'nats-server';

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

async function waitForPort(port: number, host = '127.0.0.1', timeoutMs = 5000): Promise<void> {
  const { connect } = await import('node:net');
  const start = Date.now();
  for (;;) {
    const ok = await new Promise<boolean>((r) => {
      const s = connect(port, host, () => {
        s.end();
        r(true);
      });
      s.on('error', () => r(false));
    });
    if (ok) return;
    if (Date.now() - start > timeoutMs) throw new Error(`nats-server did not listen on ${port}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export interface NatsServer {
  readonly port: number;
  readonly url: string;
  proc: ChildProcess;
  /** Stop (SIGKILL) and wait for the exit. */
  kill(): Promise<void>;
  /** Start again on the same port with the same arguments. */
  restart(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const p of running) p.kill('SIGKILL');
});

/** Start nats-server on a free port with extra arguments (and an optional config file body). */
export async function startNatsServer(
  options: { args?: string[]; config?: string; port?: number; host?: string } = {},
): Promise<NatsServer> {
  const port = options.port ?? (await freePort());
  const host = options.host ?? '127.0.0.1';
  const args = ['-a', host, '-p', String(port), ...(options.args ?? [])];
  if (options.config !== undefined) {
    const dir = mkdtempSync(join(tmpdir(), 'nats-'));
    const file = join(dir, 'server.conf');
    writeFileSync(file, options.config);
    args.push('-c', file);
  }
  const launch = async () => {
    const proc = spawn(NATS_SERVER, args, { stdio: 'ignore' });
    running.add(proc);
    proc.on('exit', () => running.delete(proc));
    await waitForPort(port, host);
    return proc;
  };
  const server: NatsServer = {
    port,
    url: `nats://${host}:${port}`,
    proc: await launch(),
    async kill() {
      const p = server.proc;
      if (p.exitCode !== null || p.signalCode !== null) return;
      const exited = new Promise((r) => p.once('exit', r));
      p.kill('SIGKILL');
      await exited;
    },
    async restart() {
      await server.kill();
      server.proc = await launch();
    },
  };
  return server;
}

/** True if nats-server can be run here. */
export function natsServerAvailable(): boolean {
  try {
    execFileSync(NATS_SERVER, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const CLI = new URL('../dist/cli.js', import.meta.url).pathname;

export interface NodeProcess {
  readonly id: string;
  readonly proc: ChildProcess;
  readonly output: string[];
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Start `troupe node` and wait until it has joined. */
export async function startNode(options: {
  url: string;
  system: string;
  catalog: string;
  threads?: number;
  extra?: string[];
  env?: Record<string, string>;
  /** Run the node inside this network namespace (ip netns exec). */
  netns?: string;
}): Promise<NodeProcess> {
  const args = [
    CLI,
    'node',
    '--nats',
    options.url,
    '--system',
    options.system,
    '--catalog',
    options.catalog,
    '--threads',
    String(options.threads ?? 0),
    ...(options.extra ?? []),
  ];
  const [cmd, argv] =
    options.netns === undefined
      ? [process.execPath, args]
      : ['ip', ['netns', 'exec', options.netns, process.execPath, ...args]];
  const proc = spawn(cmd, argv, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...options.env },
  });
  running.add(proc);
  proc.on('exit', () => running.delete(proc));
  const output: string[] = [];
  const id = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`node did not join:\n${output.join('')}`)), 10_000);
    const onData = (d: Buffer) => {
      output.push(d.toString());
      const m = /node (\S+) joined system/.exec(output.join(''));
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', (d: Buffer) => output.push(d.toString()));
    proc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`node exited with ${code} before joining:\n${output.join('')}`));
    });
  });
  return {
    id,
    proc,
    output,
    kill(signal: NodeJS.Signals = 'SIGKILL') {
      if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve(proc.exitCode);
      return new Promise((r) => {
        proc.once('exit', (code) => r(code));
        proc.kill(signal);
      });
    },
  };
}
