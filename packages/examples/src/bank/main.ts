/**
 * `pnpm example:bank`: bank accounts as event-sourced actors on two `troupe node` processes, their
 * journals in NATS JetStream. Transfers run between them; mid-traffic one node is SIGKILLed and a
 * replacement started; its accounts are restarted elsewhere and recover from their journals. At
 * the end the balances must add up, and every acknowledged transfer must be in the journals of
 * both its accounts (exit code 1 if not).
 *
 *   pnpm example:bank [--accounts N] [--seconds S | --transfers T] [--in-flight K]   (--help)
 */
import { randomInt } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { type ActorRef, createActorSystem } from '@troupe/core';
import { awaitNodes, nats } from '@troupe/transport-nats';
import { parseCli } from '../shared/cli.js';
import { startLocalNats, startNode } from '../shared/nodes.js';
import {
  Account,
  type AccountCommand,
  type AccountEvent,
  type AccountReply,
  BANK_NATS_ENV,
  journalId,
  openBankStore,
  SYSTEM,
} from './accounts.js';

const cli = parseCli({
  name: 'bank',
  command: 'pnpm example:bank',
  summary:
    'Accounts as event-sourced actors on two node processes, journals in NATS JetStream: transfers\n' +
    'between them, a node SIGKILLed mid-traffic and replaced; the balances must add up and every\n' +
    'acknowledged transfer must be in the journals of both its accounts.',
  options: {
    accounts: { type: 'string', arg: 'N', default: '20', help: 'accounts, 2 to 1000' },
    seconds: { type: 'string', arg: 'S', defaultText: '10', help: 'run transfers for S seconds, 2 to 600' },
    transfers: {
      type: 'string',
      arg: 'T',
      help: 'run T transfers instead of running for --seconds (at least 3)',
    },
    'in-flight': { type: 'string', arg: 'K', default: '4', help: 'transfers in flight at once, 1 to 64' },
  },
  notes: 'Needs nats-server (it starts a private one with JetStream in a temporary directory).',
});
const accounts = cli.int('accounts', { min: 2, max: 1000 });
if (cli.values.seconds !== undefined && cli.values.transfers !== undefined)
  cli.fail('give --seconds S or --transfers T, not both');
const seconds = cli.int('seconds', { min: 2, max: 600 }, 10);
const wanted = cli.values.transfers === undefined ? undefined : cli.int('transfers', { min: 3 });
const inFlight = cli.int('in-flight', { min: 1, max: 64 });
const INITIAL = 1000;
/** How long one try of a step waits for its reply; an account that is not there fails at once. */
const ASK_TIMEOUT_MS = 2000;
const STEP_GIVES_UP_MS = 30_000;

const fmt = (n: number) => n.toLocaleString('en-US');
/** "1 account", "1,000 accounts". */
const count = (n: number, what: string) => `${fmt(n)} ${what}${n === 1 ? '' : 's'}`;
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const begin = Date.now();
const say = (line: string) => console.log(`${secs(Date.now() - begin).padStart(6)}  ${line}`);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const nodeOf = (ref: ActorRef) => ref.address.split('/')[3]!; // troupe://<system>/<node>/user/<name>
/** "n1: 10, n2: 10": how many of `replies` came from each node. */
const perNode = (replies: readonly AccountReply[]) => {
  const counts = new Map<string, number>();
  for (const r of replies) counts.set(r.node, (counts.get(r.node) ?? 0) + 1);
  return [...counts]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([node, n]) => `${node}: ${n}`)
    .join(', ');
};

// ---- 1. A private nats-server with JetStream, two nodes that offer the accounts ----
// The processes started here are killed when this process exits, also on Ctrl-C (SIGINT) and SIGTERM.
const server = await startLocalNats({ jetStream: true, natsOption: false });
process.env[BANK_NATS_ENV] = server.url; // the nodes inherit it: their catalog opens the journals there
const catalog = new URL('./accounts.js', import.meta.url);
// Heartbeats every 200 ms, a node is down after 1 s without one: the node loss shows quickly.
const timing = { heartbeatMs: 200, downAfterMs: 1000 };
const nodeArgs = ['--heartbeat-ms', `${timing.heartbeatMs}`, '--down-after-ms', `${timing.downAfterMs}`];
const startBankNode = (id: string) =>
  startNode({
    nats: server.url,
    system: SYSTEM,
    catalog: fileURLToPath(catalog),
    args: ['--node-id', id, ...nodeArgs],
  });
const nodes = await Promise.all([startBankNode('n1'), startBankNode('n2')]);
// The coordinator drives the transfers and supervises the accounts (its root guardian restarts
// those of a lost node on a live one), but runs none itself.
const system = await createActorSystem({
  name: SYSTEM,
  catalog: [catalog],
  transports: [nats({ servers: server.url, ...timing })],
  // Every account of a lost node fails at once: allow that many restarts.
  supervision: { maxRestarts: 2 * accounts + 10, withinMs: 10_000 },
});
await awaitNodes(system, 3);
system.events.on('node', (e) => {
  if (e.event === 'down') say(`the coordinator declared ${e.node} down: ${e.detail ?? 'no detail'}`);
});
say(`nats-server -js at ${server.url}; nodes ${nodes.map((n) => n.id).join(' and ')} joined`);

// ---- 2. Talking to an account that may move: retry each step until it is acknowledged ----
const width = Math.max(2, String(accounts).length);
const names = Array.from({ length: accounts }, (_, i) => `acct-${String(i + 1).padStart(width, '0')}`);
const refs = new Map<string, ActorRef<AccountCommand, AccountReply>>();
const locating = new Map<string, Promise<void>>();
const stats = { retriedSteps: 0, duplicates: 0, declined: 0 };

/**
 * Find where `name` runs now, after an ask to `stale` failed: ask the account at its address on
 * every live node, `troupe://bank/<node>/user/<name>`; the one that answers hosts it. Concurrent
 * steps of one account share one search.
 */
function relocate(name: string, stale: ActorRef): Promise<void> {
  if (refs.get(name) !== stale) return Promise.resolve(); // another step found it already
  const pending = locating.get(name);
  if (pending !== undefined) return pending;
  const candidates = system
    .nodes()
    .filter((n) => !n.self)
    .map((n) => system.lookup<AccountCommand, AccountReply>(`troupe://${SYSTEM}/${n.id}/user/${name}`)!);
  const search = Promise.any(
    candidates.map((ref) => ref.ask({ type: 'balance' }, { timeoutMs: ASK_TIMEOUT_MS }).then(() => ref)),
  )
    .then((ref) => void refs.set(name, ref))
    .catch(() => sleep(100)) // not restarted anywhere yet
    .finally(() => locating.delete(name));
  locating.set(name, search);
  return search;
}

/**
 * Ask account `name` until it answers. A step can fail without an answer (its node died, the
 * reply was lost): then it is sent again, to wherever the account runs now. The account applies
 * each transfer id once, so a step whose first try was persisted is not applied twice.
 */
async function step(name: string, command: AccountCommand): Promise<AccountReply> {
  const giveUp = Date.now() + STEP_GIVES_UP_MS;
  for (let attempt = 1; ; attempt++) {
    const ref = refs.get(name)!;
    try {
      const reply = await ref.ask(command, { timeoutMs: ASK_TIMEOUT_MS });
      if (attempt > 1 && command.type !== 'balance') stats.retriedSteps++;
      if (reply.duplicate && command.type !== 'open') stats.duplicates++;
      return reply;
    } catch (e) {
      if (Date.now() > giveUp)
        throw new Error(
          `account ${name} did not answer for ${secs(STEP_GIVES_UP_MS)}: ${(e as Error).message}`,
        );
      await relocate(name, ref);
    }
  }
}

// ---- 3. Open the accounts, spread over the nodes ('any-node': round-robin) ----
for (const name of names) refs.set(name, system.spawn(Account, undefined, { placement: 'any-node', name }));
const opened = await Promise.all(names.map((name) => step(name, { type: 'open', balance: INITIAL })));
say(`opened ${accounts} accounts with ${fmt(INITIAL)} each (${perNode(opened)})`);

// ---- 4. Transfers: a debit, then a credit, each step retried until acknowledged ----
interface Transfer {
  readonly id: string;
  readonly from: string;
  readonly to: string;
}
const acknowledged: Transfer[] = [];
let started = 0;
const trafficStart = Date.now();
const more = () => (wanted === undefined ? Date.now() - trafficStart < seconds * 1000 : started < wanted);

async function transfer(id: string): Promise<void> {
  const from = names[randomInt(accounts)]!;
  let to = names[randomInt(accounts - 1)]!;
  if (to === from) to = names[accounts - 1]!; // any other account, uniformly
  const amount = 1 + randomInt(100);
  const debit = await step(from, { type: 'debit', transfer: id, amount });
  if (!debit.ok) {
    stats.declined++; // insufficient funds: nothing was written, nothing to credit
    return;
  }
  await step(to, { type: 'credit', transfer: id, amount });
  acknowledged.push({ id, from, to });
}

async function driver(): Promise<void> {
  while (more()) await transfer(`t${++started}`);
}

// ---- 5. Mid-traffic: SIGKILL node n1, start a replacement, wait for n1's accounts to answer ----
async function crashAndRecover(): Promise<void> {
  const due = () =>
    wanted === undefined
      ? Date.now() - trafficStart >= (seconds * 1000) / 3
      : acknowledged.length + stats.declined >= wanted / 3;
  while (!due()) await sleep(20);
  const victim = nodes[0]!;
  const lost = names.filter((name) => nodeOf(refs.get(name)!) === victim.id);
  await victim.kill('SIGKILL');
  const killedAt = Date.now();
  say(
    `SIGKILL node ${victim.id} (pid ${victim.pid}), host of ${count(lost.length, 'account')}; ${count(acknowledged.length, 'transfer')} acknowledged so far`,
  );
  const [replacement, answers] = await Promise.all([
    startBankNode('n3').then((node) => {
      say(`replacement node ${node.id} joined`);
      return node;
    }),
    // Probe each lost account until it answers from its new node (traffic also finds them).
    Promise.all(lost.map((name) => step(name, { type: 'balance' }).then((r) => [r, Date.now()] as const))),
  ]);
  nodes.push(replacement);
  const last = Math.max(...answers.map(([, at]) => at));
  say(
    `${victim.id}'s ${count(lost.length, 'account')} answered again ${secs(last - killedAt)} after the kill, now on ${perNode(answers.map(([r]) => r))}`,
  );
}

const progress = setInterval(() => say(`${count(acknowledged.length, 'transfer')} acknowledged`), 2500);
say(
  `${wanted === undefined ? `transfers for ${seconds} s` : count(wanted, 'transfer')}, ${inFlight} at a time`,
);
await Promise.all([crashAndRecover(), ...Array.from({ length: inFlight }, driver)]);
clearInterval(progress);

// ---- 6. The check: balances add up; every acknowledged transfer is in both journals ----
const finals = await Promise.all(names.map((name) => step(name, { type: 'balance' })));
const total = finals.reduce((sum, r) => sum + r.balance, 0);
const store = await openBankStore(server.url);
const applied = new Map<string, { debited: Set<string>; credited: Set<string> }>();
let twice = 0;
for (const name of names) {
  const seen = { debited: new Set<string>(), credited: new Set<string>() };
  for await (const { event } of store.journal.read(journalId(name), 1)) {
    const e = event as AccountEvent;
    if (e.type === 'opened') continue;
    if (seen[e.type].has(e.transfer)) twice++;
    seen[e.type].add(e.transfer);
  }
  applied.set(name, seen);
}
await store.close();
const missing = acknowledged.filter(
  (t) => !applied.get(t.from)!.debited.has(t.id) || !applied.get(t.to)!.credited.has(t.id),
);

say(`accounts per node: ${perNode(finals)}`);
say(
  `transfers: ${fmt(acknowledged.length)} acknowledged, ${fmt(stats.declined)} declined (insufficient funds); ` +
    `${count(stats.retriedSteps, 'step')} retried, ${fmt(stats.duplicates)} of them found already applied`,
);
const ok = total === accounts * INITIAL && missing.length === 0 && twice === 0;
const examples =
  missing.length === 0
    ? ''
    : ` (${missing
        .slice(0, 5)
        .map((t) => t.id)
        .join(', ')}, …)`;
console.log(
  ok
    ? `CHECK ok: the balances add up to ${fmt(total)} (${accounts} × ${fmt(INITIAL)}); all ${fmt(acknowledged.length)} acknowledged transfers are in the journals of both accounts, none applied twice`
    : `CHECK FAILED: the balances add up to ${fmt(total)}, not ${fmt(accounts * INITIAL)}; ` +
        `${missing.length} acknowledged transfers missing from a journal${examples}; ${twice} applied twice`,
);

// Shut down: the system stops the accounts (their journals stay), then the nodes and the server.
await system.shutdown();
await Promise.all(nodes.slice(1).map((n) => n.stop('SIGTERM', 2000)));
server.stop();
process.exitCode = ok ? 0 : 1;
