/**
 * A private nats-server with JetStream (the KV snapshot store needs it) on a free loopback port,
 * storing in a fresh temporary directory that is removed when it stops.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface JetStreamServer {
  readonly url: string;
  stop(): Promise<void>;
}

const SERVER_PATHS = ['/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server'];

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });

const listening = (port: number) =>
  new Promise<boolean>((r) => {
    const s = connect(port, '127.0.0.1', () => {
      s.end();
      r(true);
    });
    s.on('error', () => r(false));
  });

export async function startJetStream(): Promise<JetStreamServer> {
  const bin = SERVER_PATHS.find((p) => existsSync(p));
  if (bin === undefined) {
    throw new Error(
      'nats-server is not installed; install it (apt-get install nats-server) or pass --nats with a server that runs JetStream (-js)',
    );
  }
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'order-workflow-js-'));
  const proc = spawn(bin, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir], { stdio: 'ignore' });
  const cleanUp = () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', cleanUp); // also if the example fails half-way
  const start = Date.now();
  while (!(await listening(port))) {
    if (Date.now() - start > 5000) throw new Error('nats-server did not start within 5 s');
    await new Promise((r) => setTimeout(r, 25));
  }
  return {
    url: `nats://127.0.0.1:${port}`,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
