/**
 * Faults of the network and of supervision: a NATS server restarted mid-traffic, one server of a
 * 3-server cluster killed mid-traffic (nothing that was acknowledged may be lost), and a
 * supervision storm (restart intensity trips and escalates; the system stays responsive).
 * Run with `pnpm test:chaos` (and in CI).
 */
import {
  type ActorRef,
  type ActorSystem,
  createActorSystem,
  defineActor,
  type SupervisionEvent,
} from '@troupe/core';
import { afterEach, describe, expect, it } from 'vitest';
import { awaitNodes, nats } from '../../src/index.js';
import {
  freePort,
  type NatsServer,
  startNatsServer,
  startNode,
  type TroupeNodeProcess,
} from '../../src/testing.js';

const catalog = new URL('../fixtures/catalog.mjs', import.meta.url).pathname;
const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f().catch(() => undefined);
});

/** Send `total` adds with ids, one at a time, while `disrupt` runs; returns the acknowledged ids. */
async function traffic(
  tally: ActorRef,
  total: number,
  disrupt: () => Promise<void>,
): Promise<{ acked: number[]; attempts: number }> {
  const acked: number[] = [];
  let attempts = 0;
  const disruption = (async () => {
    await new Promise((r) => setTimeout(r, 150));
    await disrupt();
  })();
  for (let id = 0; id < total; id++) {
    attempts++;
    // The default ask timeout: long enough for a reconnect, after which the links resend.
    const ok = await tally.ask({ type: 'add', id }, { timeoutMs: 5000 }).then(
      () => true,
      () => false,
    );
    if (ok) acked.push(id);
  }
  await disruption;
  return { acked, attempts };
}

async function twoNodes(
  url: string | string[],
  system: string,
): Promise<{ a: ActorSystem; b: TroupeNodeProcess }> {
  const urls = Array.isArray(url) ? url : [url];
  const b = await startNode({ nats: urls.join(','), system, catalog });
  cleanup.push(() => b.kill());
  const a = await createActorSystem({
    name: system,
    catalog: [new URL(`file://${catalog}`)],
    transports: [nats({ servers: urls })],
  });
  cleanup.push(() => a.shutdown());
  await awaitNodes(a, 2, 10_000);
  return { a, b };
}

describe('network faults', () => {
  it('a NATS server restarted mid-traffic: every add is acknowledged and kept once, in order', async () => {
    const server = await startNatsServer();
    cleanup.push(() => server.kill());
    const { a, b } = await twoNodes(server.url, 'srv-restart');
    const tally = a.spawn('fault.tally', undefined, { placement: { node: b.id } });
    const downs: string[] = [];
    a.events.on('node', (e) => e.event === 'down' && downs.push(e.node));
    const { acked, attempts } = await traffic(tally, 600, () => server.restart());
    const ids = (await tally.ask({ type: 'ids' }, { timeoutMs: 5000 })) as number[];
    // Every add acknowledged, and each arrived once, in order: nothing lost between live nodes.
    expect(acked.length).toBe(600);
    expect(ids).toEqual(Array.from({ length: 600 }, (_, i) => i));
    expect(downs).toEqual([]); // nobody was declared down for the server's restart
    const { resentBatches, duplicatesDropped } = a.stats().links;
    console.log(
      `[faults] server restart: ${acked.length}/${attempts} adds acknowledged, each kept once and in order; ${resentBatches} batches resent, ${duplicatesDropped} duplicates dropped (this side)`,
    );
  }, 60_000);

  it('one server of a 3-server cluster killed mid-traffic: every add is acknowledged and kept once, in order', async () => {
    const cp = [await freePort(), await freePort(), await freePort()];
    const routes = cp.map((p) => `nats://127.0.0.1:${p}`).join(',');
    const servers: NatsServer[] = [];
    for (const p of cp) {
      const s = await startNatsServer({
        args: ['--cluster_name', 'rc', '--cluster', `nats://127.0.0.1:${p}`, '--routes', routes],
      });
      servers.push(s);
      cleanup.push(() => s.kill());
    }
    await new Promise((r) => setTimeout(r, 300)); // let the routes form
    const { a, b } = await twoNodes(
      servers.map((s) => s.url),
      'cluster-kill',
    );
    const tally = a.spawn('fault.tally', undefined, { placement: { node: b.id } });
    const { acked, attempts } = await traffic(tally, 600, () => servers[0]!.kill());
    const ids = (await tally.ask({ type: 'ids' }, { timeoutMs: 5000 })) as number[];
    expect(acked.length).toBe(600);
    expect(ids).toEqual(Array.from({ length: 600 }, (_, i) => i));
    console.log(
      `[faults] cluster server killed: ${acked.length}/${attempts} adds acknowledged, each kept once and in order; ${a.stats().links.resentBatches} batches resent`,
    );
  }, 60_000);
});

describe('supervision storm', () => {
  it('an actor failing in a loop trips restart intensity and escalates, while the system stays responsive', async () => {
    const system = await createActorSystem({
      name: 'storm',
      supervision: { maxRestarts: 1000, withinMs: 60_000 },
    });
    cleanup.push(() => system.shutdown());
    const events: SupervisionEvent[] = [];
    system.events.on('supervision', (e) => events.push(e));
    const Crasher = defineActor<number, undefined>({
      name: 'crasher',
      receive() {
        throw new Error('failing in a loop');
      },
    });
    const Supervisor = defineActor<'go', ActorRef<number>, void>({
      name: 'storm-supervisor',
      supervision: { maxRestarts: 20, withinMs: 10_000 },
      init: (ctx) => ctx.spawn(Crasher, undefined, { name: 'crasher' }),
      receive(_ctx, crasher) {
        for (let i = 0; i < 10_000; i++) crasher.tell(i);
        return crasher;
      },
    });
    const Echo = defineActor<string, undefined, void, string>({
      name: 'echo',
      receive: (ctx, _s, m) => void ctx.reply(m),
    });
    const echo = system.spawn(Echo);
    const sup = system.spawn(Supervisor, undefined, { name: 'sup' });
    sup.tell('go');
    // While the storm rages, other actors keep answering.
    for (let i = 0; i < 20; i++)
      expect(await echo.ask(`still here ${i}`, { timeoutMs: 1000 })).toBe(`still here ${i}`);
    await expect
      .poll(() => events.some((e) => e.error.name === 'RestartIntensityError'), { timeout: 10_000 })
      .toBe(true);
    const tripped = events.find((e) => e.note?.includes('restart intensity exceeded'))!;
    expect(tripped.actor).toContain('user/sup/crasher');
    expect(events.find((e) => e.error.name === 'RestartIntensityError')).toMatchObject({
      actor: sup.address,
      directive: 'restart',
    });
    expect(await echo.ask('after the storm')).toBe('after the storm');
  }, 30_000);
});
