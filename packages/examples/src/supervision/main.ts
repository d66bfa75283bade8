/**
 * Supervision example: a small tree — a supervisor with three workers, one of which crashes on
 * some jobs — printing every supervision decision from the event stream.
 *
 *   pnpm example:supervision [--jobs 30] [--crash-every 7]   (--help for the options)
 */
import { type ActorRef, createActorSystem, defineActor } from '@troupe/core';
import { parseCli } from '../shared/cli.js';

type WorkerMsg = { type: 'job'; n: number; replyTo: ActorRef<Done> } | { type: 'status' };
interface Done {
  type: 'done';
  n: number;
  by: string;
}

/** A worker that squares numbers, and crashes on every `crashEvery`-th number. */
const Worker = defineActor<
  WorkerMsg,
  { processed: number; crashEvery: number },
  { crashEvery: number },
  number
>({
  name: 'example.worker',
  init: (_ctx, { crashEvery }) => ({ processed: 0, crashEvery }),
  receive(ctx, state, msg) {
    if (msg.type === 'status') {
      ctx.reply(state.processed);
      return state;
    }
    if (msg.n % state.crashEvery === 0) throw new Error(`cannot handle job ${msg.n}`);
    msg.replyTo.tell({ type: 'done', n: msg.n * msg.n, by: ctx.self.name });
    return { ...state, processed: state.processed + 1 };
  },
});

type SupMsg = { type: 'job'; n: number; replyTo: ActorRef<Done> };

/** Supervises three workers (one-for-one, at most 5 restarts a second, exponential backoff). */
const Supervisor = defineActor<SupMsg, { next: number }, { crashEvery: number }>({
  name: 'example.supervisor',
  supervision: {
    strategy: 'one-for-one',
    maxRestarts: 5,
    withinMs: 1000,
    backoff: { minMs: 10, maxMs: 200 },
  },
  init(ctx, { crashEvery }) {
    for (let i = 1; i <= 3; i++) ctx.spawn(Worker, { crashEvery }, { name: `worker-${i}` });
    return { next: 0 };
  },
  receive(ctx, state, msg) {
    const workers = ctx.children as ActorRef<WorkerMsg>[];
    workers[state.next % workers.length]!.tell(msg);
    return { next: state.next + 1 };
  },
});

const cli = parseCli({
  name: 'supervision',
  command: 'pnpm example:supervision',
  summary:
    'A supervisor with three workers, one-for-one with backoff: every job divisible by --crash-every\n' +
    'crashes its worker; prints each supervision decision and restart, then the jobs done and lost.',
  options: {
    jobs: { type: 'string', arg: 'N', default: '30', help: 'jobs to send (1, 2, …, N), 1 to 100000' },
    'crash-every': {
      type: 'string',
      arg: 'K',
      default: '7',
      help: 'every job divisible by K crashes its worker, K ≥ 1 (more than N: no crash)',
    },
  },
});
const jobs = cli.int('jobs', { min: 1, max: 100_000 });
const crashEvery = cli.int('crash-every', { min: 1 });

const system = await createActorSystem({ name: 'supervision-example' });
system.events.on('supervision', (e) => {
  console.log(
    `  supervisor ${e.supervisor.split('/').pop()} → ${e.directive} ${e.actor.split('/').pop()}` +
      ` after "${e.error.message}" (restarts so far: ${e.restartCount}${e.delayMs ? `, backoff ${e.delayMs} ms` : ''})`,
  );
});
system.events.on('lifecycle', (e) => {
  if (e.phase === 'restarted') console.log(`  ${e.actor.split('/').pop()} restarted`);
});

const results: Done[] = [];
let resolveAll!: () => void;
const allDone = new Promise<void>((r) => (resolveAll = r));
const Collector = defineActor<Done, undefined>({
  name: 'example.collector',
  receive(_ctx, _s, m) {
    results.push(m);
    if (results.length === expected) resolveAll();
  },
});
const expected = Array.from({ length: jobs }, (_, i) => i + 1).filter((n) => n % crashEvery !== 0).length;

console.log(`Sending ${jobs} jobs to 3 workers; every job divisible by ${crashEvery} crashes its worker.`);
const sup = system.spawn(Supervisor, { crashEvery }, { name: 'supervisor' });
const collector = system.spawn(Collector);
for (let n = 1; n <= jobs; n++) sup.tell({ type: 'job', n, replyTo: collector });
let timer: NodeJS.Timeout | undefined;
await Promise.race([allDone, new Promise((r) => (timer = setTimeout(r, 5000)))]);
clearTimeout(timer);

const stats = system.stats();
console.log(
  `\n${results.length} of ${jobs} jobs done; ${jobs - results.length} crashed and went to dead letters.`,
);
console.log(`dead letters: ${stats.deadLetters} (${JSON.stringify(stats.deadLettersByReason)})`);
console.log(`messages processed: ${stats.messagesProcessed}`);
await system.shutdown();
