/**
 * A child process of the parent-child example: started with command-line arguments, it joins the
 * system over NATS, does its work, and reports to the parent's collector actor with an ask —
 * no polling of a shared server.
 *
 *   node child.js --nats URL --system NAME --id N --report troupe://… --work MS
 */
import { createActorSystem } from '@troupe/core';
import { nats } from '@troupe/transport-nats';
import { parseCli } from '../shared/cli.js';

const cli = parseCli({
  name: 'child',
  command: 'node packages/examples/dist/parent-child/child.js',
  summary:
    'A child of the parent-child example (the parent starts it): joins the system over NATS, works\n' +
    "for --work ms, and reports to the parent's collector actor.",
  options: {
    nats: { type: 'string', arg: 'URL', help: 'the NATS server(s); required' },
    system: { type: 'string', arg: 'NAME', help: 'the system to join; required' },
    id: { type: 'string', arg: 'N', help: "this child's number; required" },
    report: { type: 'string', arg: 'ADDRESS', help: "the parent's collector actor (troupe://…); required" },
    work: { type: 'string', arg: 'MS', default: '100', help: 'CPU work in milliseconds' },
  },
});
const url = cli.required('nats');
const systemName = cli.required('system');
const report = cli.required('report');
const id = cli.int('id', { min: 0 });
const work = cli.int('work', { min: 0 });
const system = await createActorSystem({ name: systemName, transports: [nats({ servers: url })] });
const collector = system.lookup<{ id: number; pid: number; result: number }, string>(report);
if (collector === undefined) {
  console.error(`child ${id}: ${report} is not an address of system '${systemName}'`);
  process.exit(2);
}
console.log(`child ${id} (pid ${process.pid}): starting work`);
// "work work work": a little CPU work for --work milliseconds, counting iterations.
let result = 0;
const until = Date.now() + work;
while (Date.now() < until) result++;
const ack = await collector.ask({ id, pid: process.pid, result }, { timeoutMs: 10_000 });
console.log(`child ${id}: done working (${ack})`);
await system.shutdown();
