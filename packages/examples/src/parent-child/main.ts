/**
 * Parent and children, as in the Python notes — but the children coordinate through NATS with
 * actors instead of polling a shared server: the parent starts child processes with command-line
 * arguments; each child joins the system and reports to the parent's collector actor.
 *
 *   pnpm example:parent-child [--children 3] [--work 200] [--nats nats://host:4222]   (--help for the options)
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createActorSystem, defineActor } from '@troupe/core';
import { nats } from '@troupe/transport-nats';
import { parseCli } from '../shared/cli.js';
import { type LocalNats, startLocalNats } from '../shared/nodes.js';

const cli = parseCli({
  name: 'parent-child',
  command: 'pnpm example:parent-child',
  summary:
    'Parent and children over NATS: the parent starts child processes with command-line arguments;\n' +
    "each joins the system, works a little and reports to the parent's collector actor with an ask.",
  options: {
    children: { type: 'string', arg: 'K', default: '3', help: 'child processes to start, 1 to 64' },
    work: {
      type: 'string',
      arg: 'MS',
      default: '200',
      help: "each child's CPU work in milliseconds, 0 or more",
    },
    nats: {
      type: 'string',
      arg: 'URL',
      defaultText: 'a private nats-server started here, if nats-server is installed',
      help: 'the NATS server(s) to meet over, e.g. nats://host:4222',
    },
  },
});
const count = cli.int('children', { min: 1, max: 64 });
const work = cli.int('work', { min: 0 });

let local: LocalNats | undefined;
const url = cli.values.nats ?? (local = await startLocalNats()).url;
const system = await createActorSystem({ name: 'parent-child', transports: [nats({ servers: url })] });

interface Report {
  readonly id: number;
  readonly pid: number;
  readonly result: number;
}
let resolveAll!: (r: Report[]) => void;
const all = new Promise<Report[]>((r) => (resolveAll = r));
/** Collects one report per child and acknowledges each one. */
const Collector = defineActor<Report, Report[], void, string>({
  name: 'parent-child.collector',
  init: () => [],
  receive(ctx, reports, r) {
    reports.push(r);
    ctx.reply(`report ${reports.length} of ${count} received by the parent`);
    if (reports.length === count) resolveAll(reports);
    return reports;
  },
});
const collector = system.spawn(Collector, undefined, { name: 'collector' });

console.log(`parent (pid ${process.pid}): starting ${count} children; they report to ${collector.address}`);
const childScript = fileURLToPath(new URL('./child.js', import.meta.url));
const exits = Array.from({ length: count }, (_, id) => {
  const args = [
    childScript,
    '--nats',
    url,
    '--system',
    system.name,
    '--id',
    String(id),
    '--report',
    collector.address,
    '--work',
    String(work),
  ];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  return new Promise<number | null>((r) => child.once('exit', r));
});
const reports = await all;
const codes = await Promise.all(exits);
for (const r of [...reports].sort((a, b) => a.id - b.id)) {
  console.log(`parent: child ${r.id} (pid ${r.pid}) reported ${r.result.toLocaleString('en-US')} iterations`);
}
console.log(`parent: all ${count} children reported and exited (codes: ${codes.join(', ')})`);
await system.shutdown();
local?.stop();
