import { connect } from '@nats-io/transport-node';
import {
  type ActorRef,
  type ActorSystem,
  createActorSystem,
  defineActor,
  isNodeLostError,
  isPayloadTooLargeError,
  isSystemShutdownError,
  isTerminated,
  isUnknownBehaviourError,
  isUnserializableMessageError,
  type SupervisionEvent,
  type Terminated,
} from '@troupe/core';
import { createProbe } from '@troupe/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { awaitNodes, isNatsConnectionError, type NatsTransportOptions, nats } from '../src/index.js';
import { type NatsServer, startNatsServer, startNode, type TroupeNodeProcess } from '../src/testing.js';
import { natsTestbed } from './testbed.js';

const catalog = new URL('./fixtures/catalog.mjs', import.meta.url).pathname;
const echoOnly = new URL('./fixtures/echoOnly.mjs', import.meta.url).pathname;
const fast = { heartbeatMs: 100, downAfterMs: 800 } as const;

interface Where {
  address: string;
  threadId: number;
  count: number;
  pid: number;
}

const bed = natsTestbed();
const systems = bed.systems;
const nodes: TroupeNodeProcess[] = [];

afterEach(async () => {
  for (const n of nodes.splice(0)) await n.kill();
});

async function system(
  name: string,
  opts: NatsTransportOptions = {},
  url = bed.server.url,
): Promise<ActorSystem> {
  const s = await createActorSystem({
    name,
    catalog: [new URL(`file://${catalog}`)],
    transports: [nats({ servers: url, ...fast, ...opts })],
  });
  systems.push(s);
  return s;
}

async function node(
  name: string,
  threads = 0,
  cat = catalog,
  url = bed.server.url,
): Promise<TroupeNodeProcess> {
  const n = await startNode({
    nats: url,
    system: name,
    catalog: cat,
    threads,
    args: [],
    env: { TROUPE_TEST_FAST: '1' },
  });
  nodes.push(n);
  return n;
}

describe('remote actors over NATS', () => {
  it('spawns on a remote node by catalog name, and tells, asks and watches it', async () => {
    const b = await node('remote1', 2);
    const a = await system('remote1');
    await awaitNodes(a, 2);
    const info = a.nodes().find((n) => n.id === b.id)!;
    expect(info.threads).toHaveLength(2);
    expect(info.catalog).toEqual(['fault.tally', 'load.sink', 'nats.echo', 'nats.square', 'nats.watcher']);

    const onMain = a.spawn<any, number, void, Where>('nats.echo', undefined, {
      placement: { node: b.id },
      name: 'm',
    });
    const onThread = a.spawn<any, number, void, Where>('nats.echo', undefined, {
      placement: { node: info.threads[1]! },
    });
    onMain.tell({ type: 'inc' });
    const w = await onMain.ask({ type: 'where' });
    expect(w).toMatchObject({ address: `troupe://remote1/${b.id}/user/m`, threadId: 0, count: 1 });
    expect(w.pid).toBe(b.proc.pid);
    const wt = await onThread.ask({ type: 'where' });
    expect(wt.threadId).toBeGreaterThan(0);
    expect(wt.address).toContain(`${b.id}.t1`);

    const probe = createProbe<Terminated | { type: string }>(a);
    a.spawn('nats.watcher', { target: onThread, report: probe.ref });
    await probe.expect((m) => (m as { type: string }).type === 'watching');
    onThread.tell({ type: 'stop' });
    const t = (await probe.expect(isTerminated)) as Terminated;
    expect(t.actor.address).toBe(onThread.address);
    expect(t.reason).toBe('stopped');
  });

  it('carries refs across three nodes', async () => {
    const b = await node('three', 1);
    const c = await node('three', 1);
    const a = await system('three');
    await awaitNodes(a, 3);
    const probe = createProbe<{ value: string; via: ActorRef }>(a);
    const onB = a.spawn('nats.echo', undefined, { placement: { node: `${b.id}.t0` } });
    const onC = a.spawn('nats.echo', undefined, { placement: { node: c.id } });
    onB.tell({ type: 'forward', to: onC, value: 'around', replyTo: probe.ref });
    const got = await probe.expect();
    expect(got.value).toBe('around');
    expect(got.via.address).toBe(onC.address);
    expect(await (got.via as ActorRef<any, unknown>).ask({ type: 'echo', value: 7 })).toBe(7);
  });

  it('supervises a child on another node: its failure crosses as a serialized error', async () => {
    const b = await node('supervise', 1);
    const a = await system('supervise');
    await awaitNodes(a, 2);
    const events: SupervisionEvent[] = [];
    a.events.on('supervision', (e) => events.push(e));
    const child = a.spawn<any, number, void, Where>('nats.echo', undefined, {
      placement: { node: `${b.id}.t0` },
    });
    child.tell({ type: 'inc' });
    child.tell({ type: 'inc' });
    const err = (await child.ask({ type: 'fail' }).catch((e: Error) => e)) as Error;
    expect(err.name).toBe('ActorFailedError');
    await expect.poll(() => events.length).toBe(1);
    expect(events[0]).toMatchObject({
      actor: child.address,
      directive: 'restart',
      error: { name: 'TypeError', message: 'echo failed on a remote node' },
    });
    expect((await child.ask({ type: 'where' })).count).toBe(0);
  });

  it('refuses to place a behaviour on a node that lacks it, naming what it has', async () => {
    const b = await node('lacking', 0, echoOnly);
    const a = await system('lacking');
    await awaitNodes(a, 2);
    let err: unknown;
    try {
      a.spawn('nats.square', undefined, { placement: { node: b.id } });
    } catch (e) {
      err = e;
    }
    expect(isUnknownBehaviourError(err)).toBe(true);
    expect((err as Error).message).toContain(`node ${b.id}`);
    expect((err as Error).message).toContain('known: nats.echo');
    expect(() => a.spawn('nats.square', undefined, { placement: 'any-node' })).toThrow(
      /no other node offers behaviour 'nats.square'/,
    );
    expect(() => a.spawn('nats.echo', undefined, { placement: { node: 'nope' } })).toThrow(
      /no such node is up/,
    );
  });
});

describe('losing a node', () => {
  it('declares a SIGKILLed node down within 3 s, fails its actors, rejects asks and restarts on a live node', async () => {
    const b = await node('lose', 1);
    const c = await node('lose', 1);
    const a = await system('lose', { heartbeatMs: 500, downAfterMs: 2000 }); // the defaults
    await awaitNodes(a, 3);
    const events: SupervisionEvent[] = [];
    a.events.on('supervision', (e) => events.push(e));
    const downs: { node: string; at: number }[] = [];
    a.events.on('node', (e) => e.event === 'down' && downs.push({ node: e.node, at: Date.now() }));

    const worker = a.spawn<any, number, void, Where>('nats.echo', undefined, {
      placement: 'any-node',
      name: 'w',
    });
    const first = await worker.ask({ type: 'where' });
    const victim = first.pid === b.proc.pid ? b : c;
    const survivor = victim === b ? c : b;
    const probe = createProbe<Terminated | { type: string }>(a);
    a.spawn('nats.watcher', { target: worker, report: probe.ref });
    await probe.expect((m) => (m as { type: string }).type === 'watching');

    const inFlight = worker.ask({ type: 'never-answered' }, { timeoutMs: 20_000 });
    const killedAt = Date.now();
    await victim.kill('SIGKILL');
    const err = (await inFlight.catch((e: Error) => e)) as Error;
    expect(isNodeLostError(err)).toBe(true);
    expect(downs.map((d) => d.node)).toContain(victim.id);
    expect(downs[0]!.at - killedAt).toBeLessThan(3000);
    const t = (await probe.expect(isTerminated)) as Terminated;
    expect(t.reason).toBe('node-lost');
    await expect
      .poll(() => events.some((e) => e.error.name === 'NodeLostError'), { timeout: 5000 })
      .toBe(true);
    // The supervisor restarted it on the live node: a new incarnation there, at the same path.
    await expect
      .poll(
        () =>
          a
            .lookup<any, Where>(`troupe://lose/${survivor.id}/user/w`)!
            .ask({ type: 'where' }, { timeoutMs: 1000 })
            .then((w) => w.pid)
            .catch(() => 0),
        { timeout: 5000 },
      )
      .toBe(survivor.proc.pid);
  });

  it('a node that leaves with Ctrl-C is seen as leave, not down', async () => {
    const b = await node('leave', 0);
    const a = await system('leave');
    await awaitNodes(a, 2);
    const seen: string[] = [];
    a.events.on('node', (e) => seen.push(`${e.event}:${e.node}`));
    expect(await b.kill('SIGINT')).toBe(0);
    await expect.poll(() => seen).toEqual([`leave:${b.id}`]);
  });
});

describe('shutting down', () => {
  it('answers the asks still queued on a node that shuts down before it says it leaves', async () => {
    const a = await system('bye');
    const b = await system('bye');
    await awaitNodes(a, 2);
    // An actor of b's own (b's shutdown stops it), asked from a.
    const onB = b.spawn<any, number, void, unknown>('nats.echo', undefined, { name: 'e' });
    const e = a.lookup<any, unknown>(onB.address)!;
    expect(await e.ask({ type: 'echo', value: 0 })).toBe(0);
    const busy = e.ask({ type: 'nap', ms: 300 }, { timeoutMs: 5000 }).catch((x: unknown) => x);
    const queued = [1, 2, 3].map((value) =>
      e.ask({ type: 'echo', value }, { timeoutMs: 5000 }).catch((x: unknown) => x),
    );
    await expect.poll(() => b.stats().queuedMessages).toBe(3);
    await b.shutdown();
    // The stop drained the mailbox: each ask hears so from the node itself, not as a lost node
    // (the node's last replies leave before its leave notice).
    for (const r of await Promise.all(queued)) {
      expect(isSystemShutdownError(r)).toBe(true);
      expect(String(r)).toContain(`${onB.address} was stopped by the shutdown`);
    }
    expect(await busy).toBe('rested');
  });
});

describe('the network', () => {
  it('carries on after the NATS server restarts mid-traffic', async () => {
    const own = await startNatsServer();
    try {
      const b = await node('restart', 0, catalog, own.url);
      const a = await system('restart', {}, own.url);
      await awaitNodes(a, 2);
      const downs: string[] = [];
      a.events.on('node', (e) => e.event === 'down' && downs.push(e.node));
      const r = a.spawn<any, number, void, unknown>('nats.echo', undefined, { placement: { node: b.id } });
      expect(await r.ask({ type: 'echo', value: 1 })).toBe(1);
      await own.restart();
      await expect
        .poll(() => r.ask({ type: 'echo', value: 2 }, { timeoutMs: 500 }).catch(() => 'not yet'), {
          timeout: 10_000,
          interval: 200,
        })
        .toBe(2);
      expect(downs).toEqual([]);
    } finally {
      await own.kill();
    }
  });

  it('survives losing one server of a 3-server cluster', async () => {
    const { freePort } = await import('../src/testing.js');
    const cp = [await freePort(), await freePort(), await freePort()];
    const routes = cp.map((p) => `nats://127.0.0.1:${p}`).join(',');
    const servers: NatsServer[] = [];
    try {
      for (const p of cp) {
        servers.push(
          await startNatsServer({
            args: ['--cluster_name', 'c', '--cluster', `nats://127.0.0.1:${p}`, '--routes', routes],
          }),
        );
      }
      const urls = servers.map((s) => s.url).join(',');
      const b = await node('cluster', 0, catalog, urls);
      const a = await system('cluster', { servers: servers.map((s) => s.url) });
      await awaitNodes(a, 2, 10_000);
      const r = a.spawn<any, number, void, unknown>('nats.echo', undefined, { placement: { node: b.id } });
      expect(await r.ask({ type: 'echo', value: 'before' }, { timeoutMs: 5000 })).toBe('before');
      await servers[0]!.kill();
      await expect
        .poll(() => r.ask({ type: 'echo', value: 'after' }, { timeoutMs: 500 }).catch(() => 'not yet'), {
          timeout: 10_000,
          interval: 200,
        })
        .toBe('after');
    } finally {
      for (const s of servers) await s.kill();
    }
  });

  it('keeps two systems on one server apart', async () => {
    const x = await system('sys_x');
    const y = await system('sys_y');
    const x2 = await system('sys_x');
    await awaitNodes(x, 2);
    await new Promise((r) => setTimeout(r, 300));
    expect(
      x
        .nodes()
        .map((n) => n.id)
        .sort(),
    ).toEqual([x.nodeId, x2.nodeId].sort());
    expect(y.nodes().map((n) => n.id)).toEqual([y.nodeId]);
    expect(() => y.spawn('nats.echo', undefined, { placement: { node: x.nodeId } })).toThrow(
      /no such node is up/,
    );
  });

  it('drops and counts garbage published onto the system subjects, and keeps running', async () => {
    const b = await node('garbage', 0);
    const a = await system('garbage');
    await awaitNodes(a, 2);
    const warn = console.warn;
    console.warn = () => {};
    try {
      const nc = await connect({ servers: bed.server.url });
      const { Packr } = await import('msgpackr');
      const pk = new Packr({ structuredClone: true, useRecords: false });
      const subject = `troupe.garbage.node.${a.nodeId}`;
      nc.publish(subject, new Uint8Array([0xc1, 0xff, 0x00])); // not msgpack
      nc.publish(subject, pk.pack([99, 'x', a.nodeId, []])); // unknown version
      nc.publish(subject, pk.pack([1, '../../x', a.nodeId, []])); // bad sender
      nc.publish(subject, pk.pack([1, b.id, 'someone-else', []])); // not ours
      // Behind a link header (record kind 9: session, seq, ack session, ack), as a node sends them.
      nc.publish(subject, pk.pack([1, b.id, a.nodeId, [9, 1, 1, 0, 0, 42, 'x', 'y']])); // unknown record kind
      nc.publish(
        subject,
        pk.pack([
          1,
          b.id,
          a.nodeId,
          [9, 2, 1, 0, 0, 8, { c: 'spawn', spec: { behaviour: 'evil', path: '../../x' } }],
        ]),
      );
      nc.publish(subject, pk.pack([1, b.id, a.nodeId, [1, 'user/x', 'hi']])); // no link header
      nc.publish('troupe.garbage.members', new TextEncoder().encode('{"v":1,"kind":"hello","node":"../x"}'));
      await nc.flush();
      await nc.close();
      await expect.poll(() => Object.values(a.stats().droppedByCause).reduce((x, y) => x + y, 0)).toBe(8);
      expect(a.stats().droppedByCause).toMatchObject({
        undecodable: 1,
        'unknown-version': 1,
        'malformed-envelope': 1,
        unroutable: 1,
        'malformed-record': 1,
        'malformed-spawn': 1,
        'malformed-membership': 1,
        unframed: 1,
      });
      const r = a.spawn<any, number, void, unknown>('nats.echo', undefined, { placement: { node: b.id } });
      expect(await r.ask({ type: 'echo', value: 'still here' })).toBe('still here');
    } finally {
      console.warn = warn;
    }
  });

  it('refuses an oversized message at the sender with an error naming the limit', async () => {
    const small = await startNatsServer({ config: 'max_payload: 4096\n' });
    try {
      const b = await node('big', 0, catalog, small.url);
      const a = await system('big', {}, small.url);
      await awaitNodes(a, 2);
      const r = a.spawn<any, number, void, unknown>('nats.echo', undefined, { placement: { node: b.id } });
      const err = (await r.ask({ type: 'echo', value: 'x'.repeat(10_000) }).catch((e: Error) => e)) as Error;
      expect(isPayloadTooLargeError(err)).toBe(true);
      expect(err.message).toMatch(/over the limit of 4096 bytes/);
      expect(await r.ask({ type: 'echo', value: 'small' })).toBe('small');
    } finally {
      await small.stop();
    }
  });

  it('carries Sets, Dates, typed arrays and BigInts, and refuses a cycle at the sender', async () => {
    const a = await system('types');
    const b = await system('types');
    await awaitNodes(a, 2);
    const r = a.spawn<any, number, void, unknown>('nats.echo', undefined, { placement: { node: b.nodeId } });
    const value = { set: new Set([1, 2]), at: new Date(5), bytes: new Uint8Array([7, 8]), big: 12n };
    const back = (await r.ask({ type: 'echo', value })) as typeof value;
    expect(back.set).toEqual(new Set([1, 2]));
    expect(back.at).toEqual(new Date(5));
    expect(back.bytes).toEqual(new Uint8Array([7, 8]));
    expect(back.big).toBe(12n);
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    const err = (await r.ask({ type: 'echo', value: cyclic }).catch((e: Error) => e)) as Error;
    expect(isUnserializableMessageError(err)).toBe(true);
    expect(err.message).toMatch(/cycle/);
    expect(await r.ask({ type: 'echo', value: 'still fine' })).toBe('still fine');
  });

  it("refuses a thread's message with a cycle to another node at the asker, without harm to the process", async () => {
    const a = await createActorSystem({
      name: 'tcycle',
      catalog: [new URL(`file://${catalog}`)],
      threads: { size: 1, execArgv: [] },
      transports: [nats({ servers: bed.server.url, ...fast })],
    });
    systems.push(a);
    const b = await system('tcycle');
    await awaitNodes(a, 2);
    const onThread = a.spawn<any, number, void, unknown>('nats.echo', undefined, {
      placement: { thread: 0 },
    });
    const remote = a.spawn<any, number, void, unknown>('nats.echo', undefined, {
      placement: { node: b.nodeId },
    });
    expect(await onThread.ask({ type: 'ask-cycle', to: remote }, { timeoutMs: 5000 })).toMatch(
      /^UnserializableMessageError: .*cycle/,
    );
    expect(await remote.ask({ type: 'echo', value: 'still fine' })).toBe('still fine');
  });

  it('speaks JSON on the wire when asked to', async () => {
    const a = await system('jsonwire', { codec: 'json' });
    const b = await system('jsonwire', { codec: 'json' });
    await awaitNodes(a, 2);
    const r = a.spawn<any, number, void, unknown>('nats.echo', undefined, { placement: { node: b.nodeId } });
    expect(await r.ask({ type: 'echo', value: { list: [1, 'two'], nested: { ok: true } } })).toEqual({
      list: [1, 'two'],
      nested: { ok: true },
    });
  });
});

describe('exposed actors', () => {
  it('answers a plain NATS request with JSON on troupe.<system>.svc.<name>', async () => {
    const a = await system('svc');
    const Sq = defineActor<number, undefined, void, number>({
      name: 'sq',
      receive: (ctx, _s, n) => void ctx.reply(n * n),
    });
    await a.expose(a.spawn(Sq), 'square');
    const nc = await connect({ servers: bed.server.url });
    try {
      // Only the documented subject of this system answers.
      const other = await nc
        .request('troupe.other-system.svc.square', new TextEncoder().encode('12'), { timeout: 1000 })
        .catch((e: Error) => e.name);
      expect(other).not.toHaveProperty('data');
      const good = await nc.request(`troupe.${a.name}.svc.square`, new TextEncoder().encode('12'), {
        timeout: 2000,
      });
      expect(JSON.parse(new TextDecoder().decode(good.data))).toEqual({ ok: true, value: 144 });
      const bad = await nc.request(`troupe.${a.name}.svc.square`, new TextEncoder().encode('{not json'), {
        timeout: 2000,
      });
      expect(JSON.parse(new TextDecoder().decode(bad.data))).toMatchObject({
        ok: false,
        error: { name: 'BadRequest' },
      });
    } finally {
      await nc.close();
    }
  });
});

describe('security', () => {
  it('passes user/password and token through to the client, and fails clearly with wrong credentials', async () => {
    const auth = await startNatsServer({ args: ['--user', 'troupe', '--pass', 's3cret'] });
    const tok = await startNatsServer({ args: ['--auth', 'tok-123'] });
    try {
      const ok = await system('auth', { user: 'troupe', pass: 's3cret' }, auth.url);
      expect(ok.nodes()).toHaveLength(1);
      const okToken = await system('auth', { token: 'tok-123' }, tok.url);
      expect(okToken.nodes()).toHaveLength(1);
      const err = await createActorSystem({
        name: 'auth',
        transports: [nats({ servers: auth.url, user: 'troupe', pass: 'wrong' })],
      }).catch((e: Error) => e);
      expect(isNatsConnectionError(err)).toBe(true);
      expect((err as Error).message).toMatch(/refused this node's credentials/);
      const none = await createActorSystem({
        name: 'auth',
        transports: [nats({ servers: 'nats://127.0.0.1:1', reconnect: false })],
      }).catch((e: Error) => e);
      expect((none as Error).message).toMatch(/could not connect to NATS at nats:\/\/127.0.0.1:1/);
    } finally {
      await auth.kill();
      await tok.kill();
    }
  });

  it('refuses system names that cannot be a subject token', async () => {
    await expect(
      createActorSystem({ name: 'a.b', transports: [nats({ servers: bed.server.url })] }),
    ).rejects.toThrow(/cannot be part of a NATS subject/);
  });
});

describe('xstate machines across nodes', () => {
  it('resumes a machine from its NATS KV snapshot on another node after its node was SIGKILLed', async () => {
    const js = await startNatsServer({ args: ['-js'], storeDir: true });
    process.env.TROUPE_TEST_KV = js.url;
    const machineCatalog = new URL('./fixtures/machineCatalog.mjs', import.meta.url).pathname;
    try {
      const b = await startNode({
        nats: js.url,
        system: 'kv',
        catalog: machineCatalog,
        env: { TROUPE_TEST_KV: js.url },
      });
      const c = await startNode({
        nats: js.url,
        system: 'kv',
        catalog: machineCatalog,
        env: { TROUPE_TEST_KV: js.url },
      });
      nodes.push(b, c);
      const a = await createActorSystem({
        name: 'kv',
        catalog: [new URL(`file://${machineCatalog}`)],
        transports: [nats({ servers: js.url, heartbeatMs: 200, downAfterMs: 1000 })],
      });
      systems.push(a);
      await awaitNodes(a, 3);
      const order = a.spawn<any, unknown, void, number>('kv.order', undefined, {
        placement: 'any-node',
        name: 'order',
      });
      for (let i = 0; i < 3; i++) order.tell({ type: 'ADD' });
      expect(await order.ask({ type: 'COUNT' })).toBe(3);
      const host = (await order.ask({ type: 'WHERE' })) === b.proc.pid ? b : c;
      const other = host === b ? c : b;
      await host.kill('SIGKILL');
      const moved = `troupe://kv/${other.id}/user/order`;
      await expect
        .poll(
          () =>
            a
              .lookup<any, number>(moved)!
              .ask({ type: 'COUNT' }, { timeoutMs: 500 })
              .catch(() => -1),
          { timeout: 8000, interval: 200 },
        )
        .toBe(3);
      expect(await a.lookup<any, number>(moved)!.ask({ type: 'WHERE' })).toBe(other.proc.pid);
    } finally {
      await js.stop();
    }
  });
});

describe('a node cut off from its server', () => {
  it('learns it was declared down when it returns, and stops the actors that run elsewhere now', async () => {
    const { freePort } = await import('../src/testing.js');
    const cp = [await freePort(), await freePort()];
    const routes = cp.map((p) => `nats://127.0.0.1:${p}`).join(',');
    const s1 = await startNatsServer({
      args: ['--cluster_name', 'c2', '--cluster', `nats://127.0.0.1:${cp[0]}`, '--routes', routes],
    });
    const s2 = await startNatsServer({
      args: ['--cluster_name', 'c2', '--cluster', `nats://127.0.0.1:${cp[1]}`, '--routes', routes],
    });
    try {
      const timing = ['--heartbeat-ms', '200', '--down-after-ms', '1000'];
      // B knows only server 2: when server 2 dies, B is disconnected (and suspends judgement),
      // while A and C, on server 1, see B fall silent.
      const b = await startNode({
        nats: s2.url,
        system: 'cut',
        catalog,
        args: [...timing, '--nats-options', '{"ignoreClusterUpdates":true}'],
      });
      const c = await startNode({ nats: s1.url, system: 'cut', catalog, args: timing });
      nodes.push(b, c);
      const a = await system('cut', { servers: s1.url, heartbeatMs: 200, downAfterMs: 1000 }, s1.url);
      await awaitNodes(a, 3, 10_000);
      let name = '';
      for (let i = 0; i < 4 && name === ''; i++) {
        const r = a.spawn<any, number, void, Where>('nats.echo', undefined, {
          placement: 'any-node',
          name: `k${i}`,
        });
        if ((await r.ask({ type: 'where' }, { timeoutMs: 5000 })).pid === b.proc.pid) name = `k${i}`;
      }
      expect(name).not.toBe('');
      const onB = a.lookup<any, Where>(`troupe://cut/${b.id}/user/${name}`)!;
      const onC = a.lookup<any, Where>(`troupe://cut/${c.id}/user/${name}`)!;
      await s2.kill();
      await expect
        .poll(
          () =>
            onC.ask({ type: 'where' }, { timeoutMs: 300 }).then(
              (w) => w.pid,
              () => 0,
            ),
          { timeout: 8000, interval: 200 },
        )
        .toBe(c.proc.pid);
      await s2.restart();
      await expect
        .poll(() => a.nodes().some((n) => n.id === b.id), { timeout: 15_000, interval: 200 })
        .toBe(true);
      await expect
        .poll(
          () =>
            onB.ask({ type: 'where' }, { timeoutMs: 500 }).then(
              () => 'alive',
              (e: Error) => e.name,
            ),
          { timeout: 10_000, interval: 300 },
        )
        .toBe('ActorStoppedError');
      expect(b.output.join('')).toMatch(/declared this node down while it was cut off/);
    } finally {
      await s1.kill();
      await s2.kill();
    }
  });
});
