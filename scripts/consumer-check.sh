#!/usr/bin/env bash
# The consumer check: Troupe used as any npm library, the way a user's project uses it.
# Packs @troupe/core, @troupe/persistence, @troupe/entities and @troupe/transport-nats, installs the tarballs with npm into a fresh
# project outside the repository, compiles a strict NodeNext TypeScript program with plain tsc,
# and runs it: a local actor, a thread actor from a catalog module, an event-sourced actor that
# comes back from its SQLite file in a new system, an entity addressed by key, and two nodes over a private nats-server (this
# program and a `npx troupe node` process) asking each other.
# It fails when a package misses a file, an export or a dependency: tsc or the program stops.
#
#   bash scripts/consumer-check.sh          (after pnpm install && pnpm build)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/troupe-consumer-XXXXXX")"
trap 'rm -rf "$work"' EXIT
say() { printf 'consumer-check: %s\n' "$*"; }

nats_server="$(node "$repo/scripts/nats-server.mjs" --require --print | tail -n 1)"
say "packing into $work/tarballs"
mkdir -p "$work/tarballs" "$work/app/src"
for pkg in core persistence entities transport-nats; do
  (cd "$repo/packages/$pkg" && pnpm pack --pack-destination "$work/tarballs" >/dev/null)
done
for tgz in "$work"/tarballs/*.tgz; do
  listing="$(tar tzf "$tgz")"
  for f in package/package.json package/README.md package/LICENSE package/dist/index.js package/dist/index.d.ts; do
    grep -qx "$f" <<<"$listing" || { say "$(basename "$tgz") lacks $f"; exit 1; }
  done
done

cd "$work/app"
cat > package.json <<'EOF'
{ "name": "troupe-consumer", "private": true, "type": "module" }
EOF
cat > tsconfig.json <<'EOF'
{
  "compilerOptions": {
    "target": "ES2022",
    "module": "NodeNext",
    "moduleResolution": "NodeNext",
    "strict": true,
    "noUncheckedIndexedAccess": true,
    "verbatimModuleSyntax": true,
    "skipLibCheck": false,
    "types": ["node"],
    "rootDir": "src",
    "outDir": "dist"
  },
  "include": ["src"]
}
EOF
cat > src/behaviours.ts <<'EOF'
// The catalog module: this program, its worker threads and the other node all load it.
import { threadId } from 'node:worker_threads';
import { type ActorRef, defineActor } from '@troupe/core';

export type CounterMsg = { type: 'inc'; by: number } | { type: 'get' };

export const Counter = defineActor<CounterMsg, number, number, number>({
  name: 'consumer.counter',
  init: (_ctx, start) => start,
  receive(ctx, n, msg) {
    if (msg.type === 'inc') return n + msg.by;
    ctx.reply(n);
    return n;
  },
});

/** The same counter as an entity: its args are its key. */
export const Account = defineActor<CounterMsg, number, string, number>({
  name: 'consumer.account',
  init: () => 0,
  receive(ctx, n, msg) {
    if (msg.type === 'inc') return n + msg.by;
    ctx.reply(n);
    return n;
  },
});

/** Replies with fib(n) and the thread it ran on. */
export const Fib = defineActor<number, undefined, void, { fib: number; threadId: number }>({
  name: 'consumer.fib',
  receive(ctx, _s, n) {
    const fib = (k: number): number => (k < 2 ? k : fib(k - 1) + fib(k - 2));
    ctx.reply({ fib: fib(n), threadId });
  },
});

/** Runs on the other node: asks the counter it is given (on the first node) and answers with its value plus one. */
export const Relay = defineActor<{ counter: ActorRef<CounterMsg> }, undefined, void, number>({
  name: 'consumer.relay',
  async receive(ctx, _s, msg) {
    const n = (await msg.counter.ask({ type: 'get' }, { timeoutMs: 5000 })) as number;
    ctx.reply(n + 1);
  },
});
EOF
cat > src/main.ts <<'EOF'
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { createActorSystem } from '@troupe/core';
import { defineEntity, InMemoryLeaseStore, startEntities } from '@troupe/entities';
import { eventSourced, SqliteStore } from '@troupe/persistence';
import { awaitNodes, nats } from '@troupe/transport-nats';
import { startNatsServer, startNode } from '@troupe/transport-nats/testing';
import { Account, Counter, Fib, Relay } from './behaviours.js';

function check(what: string, ok: boolean): void {
  if (!ok) throw new Error(`consumer check failed: ${what}`);
  console.log(`ok: ${what}`);
}

const catalog = new URL('./behaviours.js', import.meta.url);

// 1. A local actor and 2. a thread actor.
const local = await createActorSystem({ name: 'consumer', catalog: [catalog], threads: { size: 1 } });
const counter = local.spawn(Counter, 40);
counter.tell({ type: 'inc', by: 2 });
check('local actor answers an ask', (await counter.ask({ type: 'get' }, { timeoutMs: 2000 })) === 42);
const fib = local.spawn(Fib, undefined, { placement: 'thread' });
const r = await fib.ask(20, { timeoutMs: 10_000 });
check('thread actor computes on a worker thread', r.fib === 6765 && r.threadId !== threadId);
await local.shutdown();

// 3. An event-sourced actor on a SQLite file, back with its state in a new system.
const file = join(mkdtempSync(join(tmpdir(), 'consumer-')), 'journal.db');
const Tally = (store: SqliteStore) =>
  eventSourced<number, number, number, void, number>({
    name: 'consumer.tally',
    store,
    initial: 0,
    apply: (n, by) => n + by,
    command(ctx, n, by) {
      if (by !== 0) ctx.persist(by);
      ctx.reply(n + by);
    },
  });
for (const [round, expected] of [[1, 5], [2, 10]] as const) {
  const store = new SqliteStore({ path: file });
  const sys = await createActorSystem({ name: `consumer-durable-${round}` });
  const tally = sys.spawn(Tally(store), undefined, { name: 'tally' });
  check(`event-sourced actor, run ${round}: ${expected}`, (await tally.ask(5, { timeoutMs: 5000 })) === expected);
  await sys.shutdown();
  await store.close();
}

// 4. An entity, addressed by its key: one activation, whichever ref asks.
{
  const sys = await createActorSystem({ name: 'consumer-entities', catalog: [Account] });
  const CounterEntity = defineEntity({ name: 'counter', behaviour: Account, idleTimeoutMs: 0 });
  const entities = await startEntities(sys, { types: [CounterEntity], leases: new InMemoryLeaseStore() });
  entities.of(CounterEntity, 'acct-1').tell({ type: 'inc', by: 3 });
  const again = entities.of(CounterEntity, 'acct-1');
  check('an entity addressed by its key', (await again.ask({ type: 'get' }, { timeoutMs: 5000 })) === 3);
  await sys.shutdown();
}

// 5. Two nodes over a private nats-server, asking each other.
const server = await startNatsServer();
const node = await startNode({ nats: server.url, system: 'consumer', catalog: catalog.pathname });
const system = await createActorSystem({ name: 'consumer', catalog: [catalog], transports: [nats({ servers: server.url })] });
try {
  await awaitNodes(system, 2, 10_000);
  const here = system.spawn(Counter, 7);
  const relay = system.spawn(Relay, undefined, { placement: { node: node.id } });
  check('an actor on the other node runs there', relay.address.includes(`/${node.id}/`));
  check('the two nodes ask each other', (await relay.ask({ counter: here }, { timeoutMs: 10_000 })) === 8);
} finally {
  await system.shutdown();
  await node.stop();
  await server.stop();
}
EOF

say "npm install (the tarballs, typescript, @types/node)"
npm install --no-audit --no-fund --loglevel=error \
  "$work"/tarballs/*.tgz typescript@6.0.3 @types/node@20.19.43 >/dev/null
say "tsc (strict, NodeNext)"
npx tsc -p tsconfig.json
ls node_modules/.bin/troupe >/dev/null || { say 'the troupe command is not in node_modules/.bin'; exit 1; }
npx troupe --help >/dev/null
say "run"
TROUPE_NATS_SERVER="$nats_server" node dist/main.js
say "passed"
