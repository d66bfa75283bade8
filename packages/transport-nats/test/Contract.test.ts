/**
 * The transport contract against NATS: a real nats-server, each node connected through a TCP
 * proxy of its own, so that killing a node cuts its connection at once (no `leave`, no more
 * heartbeats), as a crashed process or a pulled cable does.
 */
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { afterAll, beforeAll } from 'vitest';
import type { Transport } from '../../core/src/index.js';
import { transportContract } from '../../core/test/contract/transportContract.js';
import { nats } from '../src/index.js';
import { type NatsServer, startNatsServer } from '../src/testing.js';

let server: NatsServer;
beforeAll(async () => {
  server = await startNatsServer();
});
afterAll(async () => {
  await server?.stop();
});

/** A TCP proxy in front of the NATS server; `cut()` closes it and every connection through it. */
interface Proxy {
  readonly url: string;
  cut(): Promise<void>;
}

async function proxy(host: string, port: number): Promise<Proxy> {
  const sockets = new Set<Socket>();
  const track = (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  };
  const srv: Server = createServer((client) => {
    const upstream = tcpConnect(port, host);
    track(client);
    track(upstream);
    client.pipe(upstream).pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.once('error', end);
    upstream.once('error', end);
    client.once('close', end);
    upstream.once('close', end);
  });
  await new Promise<void>((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', resolve);
  });
  const { port: own } = srv.address() as { port: number };
  return {
    url: `nats://127.0.0.1:${own}`,
    cut: () =>
      new Promise<void>((resolve) => {
        srv.close(() => resolve()); // no reconnect either: nothing listens there any more
        for (const s of sockets) s.destroy();
      }),
  };
}

/** The proxy of each node, by node id (learnt when the transport starts). */
const proxies = new Map<string, Proxy>();
const all: Proxy[] = [];

transportContract('nats', {
  async transport(): Promise<Transport> {
    const p = await proxy(server.host, server.port);
    all.push(p);
    // The suite runs core from source, and nats() is typed against core's build: one interface, two
    // declarations (whose EventStream classes differ in their private fields only).
    const inner = nats({ servers: p.url, heartbeatMs: 100, downAfterMs: 600 }) as unknown as Transport;
    return {
      name: inner.name,
      start: (host) => {
        proxies.set(host.nodeId, p);
        return inner.start(host);
      },
      send: (from, to, batch) => inner.send(from, to, batch),
      stop: () => inner.stop(),
      expose: (...args) => inner.expose!(...args),
    };
  },
  async kill(system) {
    const p = proxies.get(system.nodeId);
    if (p === undefined) throw new Error(`no proxy for node ${system.nodeId}`);
    await p.cut();
  },
  async teardown() {
    await Promise.all(all.splice(0).map((p) => p.cut()));
    proxies.clear();
  },
});
