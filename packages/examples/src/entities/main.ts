/**
 * `pnpm example:entities`: shopping carts as durable entities (virtual actors) on three host
 * processes, leases in NATS KV, journals in NATS JetStream. This process is a client node: it
 * addresses carts by key only and drives a load of `add` commands. Mid-load one host is SIGKILLed
 * and another frozen for 3 s (SIGSTOP, then SIGCONT: its leases go stale and it must stop its
 * carts when it wakes). At the end every acknowledged item must be in its cart, and the journals
 * must show that no two activations of a cart ever wrote at once (every run of events after a
 * fence record comes from the activation that wrote the fence). Exit code 1 if not.
 *
 *   pnpm example:entities [--keys N] [--seconds S] [--in-flight K]   (--help)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createActorSystem } from '@troupe/core';
import { type EntityEvent, startEntities } from '@troupe/entities';
import { awaitNodes, nats, natsLeaseStore } from '@troupe/transport-nats';
import { parseCli } from '../shared/cli.js';
import { startLocalNats } from '../shared/nodes.js';
import { Cart, type CartReply, cartStore, LEASES, SHOP_NATS_ENV, SYSTEM } from './carts.js';

const cli = parseCli({
  name: 'entities',
  command: 'pnpm example:entities',
  summary:
    'Carts as durable entities on three host processes (leases in NATS KV, journals in JetStream),\n' +
    'addressed by key from this client node under load; one host is SIGKILLed and one frozen for\n' +
    '3 s mid-load. Every acknowledged item must be in its cart, and no two activations of a cart\n' +
    'may ever have written at once.',
  options: {
    keys: { type: 'string', arg: 'N', default: '2000', help: 'carts, 10 to 100000' },
    seconds: { type: 'string', arg: 'S', default: '12', help: 'seconds of load, 6 to 600' },
    'in-flight': { type: 'string', arg: 'K', default: '32', help: 'commands in flight at once, 1 to 256' },
  },
  notes: 'Needs nats-server (it starts a private one with JetStream in a temporary directory).',
});
const keys = cli.int('keys', { min: 10, max: 100_000 });
const seconds = cli.int('seconds', { min: 6, max: 600 });
const inFlight = cli.int('in-flight', { min: 1, max: 256 });
const ASK_TIMEOUT_MS = 2000;
const GIVE_UP_MS = 30_000;

const fmt = (n: number) => n.toLocaleString('en-US');
const begin = Date.now();
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const say = (line: string) => console.log(`${secs(Date.now() - begin).padStart(6)}  ${line}`);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

// ---- 1. nats-server -js, three hosts ----
const server = await startLocalNats({ jetStream: true, natsOption: false });
process.env[SHOP_NATS_ENV] = server.url;
const events: (EntityEvent & { at: number })[] = [];
interface Host {
  readonly id: string;
  readonly proc: ChildProcess;
}
const hostScript = fileURLToPath(new URL('./host.js', import.meta.url));
const hosts: Host[] = [];
process.on('exit', () => {
  for (const h of hosts) h.proc.kill('SIGKILL');
});
for (const sig of ['SIGINT', 'SIGTERM'] as const)
  process.on(sig, () => {
    for (const h of hosts) h.proc.kill('SIGKILL');
    process.exit(sig === 'SIGINT' ? 130 : 143);
  });
async function startHost(id: string): Promise<Host> {
  const proc = spawn(process.execPath, [hostScript, '--node-id', id], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: proc.stdout! });
  await new Promise<void>((resolve, reject) => {
    lines.on('line', (line) => {
      if (line.startsWith('ready ')) resolve();
      else if (line.startsWith('{')) events.push(JSON.parse(line) as EntityEvent & { at: number });
    });
    proc.once('exit', (code) => reject(new Error(`host ${id} exited with code ${code} before it was ready`)));
  });
  return { id, proc };
}
hosts.push(...(await Promise.all(['h1', 'h2', 'h3'].map(startHost))));
const system = await createActorSystem({
  name: SYSTEM,
  nodeId: 'client',
  transports: [nats({ servers: server.url, heartbeatMs: 200, downAfterMs: 1000 })],
});
await awaitNodes(system, 4);
const leases = await natsLeaseStore({ connection: { servers: server.url }, bucket: LEASES });
const entities = await startEntities(system, { types: [Cart], leases, leaseTtlMs: 1500, client: true });
system.events.on('node', (e) => {
  if (e.event === 'down') say(`${e.node} declared down (${e.detail ?? ''})`);
  if (e.event === 'up' && hosts.some((h) => h.id === e.node)) say(`${e.node} is up again`);
});
say(`nats-server -js at ${server.url}; hosts h1, h2, h3 and this client node joined`);

// ---- 2. The load: `add` commands to random carts, each retried with its id until acknowledged ----
const names = Array.from({ length: keys }, (_, i) => `cart-${i + 1}`);
const acked = new Map<string, string[]>();
const stats = { acked: 0, retries: 0, gaveUp: 0, slowest: 0 };
let seq = 0;
let loadEnds = Date.now() + seconds * 1000;
async function addOne(): Promise<void> {
  const key = names[randomInt(keys)]!;
  const id = `i${++seq}`;
  const t0 = Date.now();
  for (;;) {
    try {
      await entities.of(Cart, key).ask({ type: 'add', id }, { timeoutMs: ASK_TIMEOUT_MS });
      const list = acked.get(key);
      if (list === undefined) acked.set(key, [id]);
      else list.push(id);
      stats.acked++;
      stats.slowest = Math.max(stats.slowest, Date.now() - t0);
      return;
    } catch {
      if (Date.now() - t0 > GIVE_UP_MS) {
        stats.gaveUp++;
        return;
      }
      stats.retries++;
      await sleep(100);
    }
  }
}
const workers = Array.from({ length: inFlight }, async () => {
  while (Date.now() < loadEnds) await addOne();
});
say(`load: ${fmt(keys)} carts, ${inFlight} commands in flight, ${seconds} s`);

// ---- 3. Faults mid-load: a SIGKILL, then a 3 s freeze ----
await sleep(seconds * 300);
const killed = hosts[1]!;
say(`SIGKILL ${killed.id} (pid ${killed.proc.pid}) after ${fmt(stats.acked)} acknowledged adds`);
killed.proc.kill('SIGKILL');
await sleep(seconds * 250);
const frozen = hosts[2]!;
say(`SIGSTOP ${frozen.id} (pid ${frozen.proc.pid}) for 3 s: its leases go stale, others take its carts`);
frozen.proc.kill('SIGSTOP');
await sleep(3000);
frozen.proc.kill('SIGCONT');
say(`SIGCONT ${frozen.id}: it must stop the carts it no longer holds`);
loadEnds = Math.max(loadEnds, Date.now() + 2000); // some load after the freeze, too
await Promise.all(workers);
say(
  `load done: ${fmt(stats.acked)} adds acknowledged, ${fmt(stats.retries)} retries, ${stats.gaveUp} given up; slowest add ${secs(stats.slowest)}`,
);

// ---- 4. The checks ----
let failures = 0;
const fail = (line: string) => {
  failures++;
  console.log(`CHECK FAILED: ${line}`);
};
// Every acknowledged item is in its cart, once.
const touched = [...acked.keys()];
let checked = 0;
const byNode = new Map<string, number>();
for (let i = 0; i < touched.length; i += 64) {
  await Promise.all(
    touched.slice(i, i + 64).map(async (key) => {
      let reply: CartReply | undefined;
      const t0 = Date.now();
      while (reply === undefined && Date.now() - t0 < GIVE_UP_MS)
        reply = await entities
          .of(Cart, key)
          .ask({ type: 'list' }, { timeoutMs: ASK_TIMEOUT_MS })
          .catch(() => undefined);
      if (reply === undefined) return fail(`${key} did not answer`);
      byNode.set(reply.node, (byNode.get(reply.node) ?? 0) + 1);
      const have = new Set(reply.ids);
      if (have.size !== reply.ids!.length) fail(`${key} holds an item twice`);
      for (const id of acked.get(key)!) if (!have.has(id)) fail(`${key} lost acknowledged item ${id}`);
      checked++;
    }),
  );
}
// The journals: after each fence, only the fencing activation's node writes.
const journal = await cartStore();
let fences = 0;
let interleaved = 0;
for (const key of touched) {
  let writer: string | undefined;
  for await (const e of journal.journal.read(`cart/${key}`, 1)) {
    if (e.version === 0) {
      fences++;
      writer = String((e.event as { fence: string }).fence).split('/')[3]; // troupe://shop/<node>/…
    } else if ((e.event as { node: string }).node !== writer) interleaved++;
  }
}
if (interleaved > 0)
  fail(`${interleaved} events were written by another activation than the one that fenced the journal`);
const activations = new Map<string, number>();
for (const e of events)
  if (e.kind === 'activate') activations.set(e.node, (activations.get(e.node) ?? 0) + 1);
const movedKeys = new Set<string>();
const firstNode = new Map<string, string>();
for (const e of events)
  if (e.kind === 'activate') {
    const was = firstNode.get(e.key);
    if (was === undefined) firstNode.set(e.key, e.node);
    else if (was !== e.node) movedKeys.add(e.key);
  }
const lost = events.filter((e) => e.kind === 'lease-lost');
say(
  `activations per node: ${[...activations]
    .sort()
    .map(([n, c]) => `${n}: ${fmt(c)}`)
    .join(', ')}`,
);
say(
  `carts that moved to another node: ${fmt(movedKeys.size)}; shards ${frozen.id} gave up on waking: ${lost.filter((e) => e.node === frozen.id).length}`,
);
say(
  `carts now per node: ${[...byNode]
    .sort()
    .map(([n, c]) => `${n}: ${fmt(c)}`)
    .join(', ')}`,
);
if (failures === 0)
  console.log(
    `CHECK ok: all ${fmt(stats.acked)} acknowledged adds are in their ${fmt(checked)} carts, none twice; ` +
      `${fmt(fences)} activations fenced the journals and no two ever wrote at once`,
  );
await entities.stop();
await system.shutdown();
await leases.close();
await journal.close();
for (const h of hosts) h.proc.kill('SIGTERM');
server.stop();
process.exit(failures === 0 ? 0 : 1);
