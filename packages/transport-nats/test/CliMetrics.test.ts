// `troupe node --metrics-port`: the node serves its OpenTelemetry metrics in Prometheus' text
// format, on localhost by default; counters move as its actors work and fail.
import { fileURLToPath } from 'node:url';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startNode, type TroupeNodeProcess } from '../src/testing.js';
import { natsTestbed } from './testbed.js';

const catalog = fileURLToPath(new URL('./fixtures/serveCatalog.mjs', import.meta.url));
const bed = natsTestbed();
let nc: NatsConnection;
const nodes: TroupeNodeProcess[] = [];

beforeAll(async () => {
  nc = await connect({ servers: bed.server.url });
});
afterAll(async () => {
  await nc?.close();
  for (const n of nodes) await n.kill();
});

/** The value of the sample of `name` whose labels contain all of `labels` (summed over matches). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  let found = false;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
    found = true;
  }
  if (!found) throw new Error(`no sample ${name} ${JSON.stringify(labels)} in:\n${text}`);
  return sum;
}

describe('troupe node --metrics-port', () => {
  it('serves Prometheus metrics of the node on 127.0.0.1, moving with its actors', async () => {
    const port = await freePort();
    const node = await startNode({
      nats: bed.server.url,
      system: 'metered',
      catalog,
      args: [
        '--spawn',
        'counter=serve.counter:{"start":1}',
        '--expose',
        'counter',
        '--metrics-port',
        String(port),
      ],
    });
    nodes.push(node);
    expect(node.output.join('')).toContain(`metrics on http://127.0.0.1:${port}/metrics`);
    for (let i = 0; i < 3; i++)
      await nc.request('troupe.metered.svc.counter', '{"op":"add","n":1}', { timeout: 5000 });
    await nc.request('troupe.metered.svc.counter', '{"op":"crash"}', { timeout: 5000 });
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const counter = { troupe_actor_type: 'serve.counter' };
    expect(sample(text, 'troupe_messages_processed_total', { ...counter, troupe_outcome: 'ok' })).toBe(3);
    expect(sample(text, 'troupe_messages_processed_total', { ...counter, troupe_outcome: 'error' })).toBe(1);
    expect(sample(text, 'troupe_message_duration_count', counter)).toBe(4);
    expect(
      sample(text, 'troupe_message_duration_bucket', { ...counter, troupe_outcome: 'ok', le: '0.01' }),
    ).toBe(3);
    expect(
      sample(text, 'troupe_supervision_decisions_total', { troupe_supervision_directive: 'restart' }),
    ).toBe(1);
    expect(sample(text, 'troupe_actors')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'troupe_nodes')).toBe(1);
  });

  it('refuses a bad port and a host without a port, naming the fix', async () => {
    for (const [args, why] of [
      [['--metrics-port', 'abc'], /--metrics-port must be a port number from 1 to 65535, got 'abc'/],
      [
        ['--metrics-host', '0.0.0.0'],
        /--metrics-host applies to the metrics endpoint: give --metrics-port N too/,
      ],
    ] as const) {
      const failed = await startNode({
        nats: bed.server.url,
        system: 'bad',
        catalog,
        args,
        timeoutMs: 5000,
      }).catch((e: unknown) => e as Error);
      expect(failed).toBeInstanceOf(Error);
      expect((failed as Error).message).toMatch(why);
    }
  });
});
