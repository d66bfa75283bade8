/**
 * A child process of the parent-child example: started with command-line arguments, it joins the
 * system over NATS, does its work, and reports to the parent's collector actor with an ask —
 * no polling of a shared server.
 *
 *   node child.js --nats URL --system NAME --id N --report troupe://… --work MS
 */
import { parseArgs } from 'node:util';
import { createActorSystem } from '@troupe/core';
import { nats } from '@troupe/transport-nats';

const { values } = parseArgs({
  options: {
    nats: { type: 'string' },
    system: { type: 'string' },
    id: { type: 'string' },
    report: { type: 'string' },
    work: { type: 'string', default: '100' },
  },
});
if (!values.nats || !values.system || !values.id || !values.report) {
  console.error('child: --nats, --system, --id and --report are required');
  process.exit(2);
}
const id = Number(values.id);
const system = await createActorSystem({ name: values.system, transports: [nats({ servers: values.nats })] });
const collector = system.lookup<{ id: number; pid: number; result: number }, string>(values.report);
if (collector === undefined) {
  console.error(`child ${id}: ${values.report} is not an address of system '${values.system}'`);
  process.exit(2);
}
console.log(`child ${id} (pid ${process.pid}): starting work`);
// "work work work": a little CPU work for --work milliseconds, counting iterations.
let result = 0;
const until = Date.now() + Number(values.work);
while (Date.now() < until) result++;
const ack = await collector.ask({ id, pid: process.pid, result }, { timeoutMs: 10_000 });
console.log(`child ${id}: done working (${ack})`);
await system.shutdown();
