/**
 * The transport contract: what every transport must give core, as one suite of vitest tests run
 * against each transport (in-memory here, NATS in transport-nats). Two or three actor systems of
 * this process are nodes of one system, each with its own transport from the harness.
 */
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  type ActorRef,
  isActorFailedError,
  isActorStoppedError,
  isAskTimeoutError,
  isNodeLostError,
  isTerminated,
  isUnknownBehaviourError,
  type Terminated,
} from '../../src/index.js';
import { createProbe } from '../../src/testing/index.js';
import { Echo, OnlyHere, Parent, Watcher, type Where } from './behaviours.js';
import { type ContractNode, droppedTotal, record, startNodes, type TransportHarness } from './cluster.js';
import { garbage } from './garbage.js';

export type { TransportHarness } from './cluster.js';

type EchoRef = ActorRef<any, unknown>;
const where = async (ref: EchoRef): Promise<Where> => (await ref.ask({ type: 'where' })) as Where;
const watching = (m: unknown) => (m as { type?: unknown }).type === 'watching';

/**
 * Define the contract tests for one transport.
 *
 * @example
 * ```ts
 * const net = createInMemoryNetwork({ seed: 1 });
 * transportContract('in-memory', { transport: () => net.transport(), kill: async (s) => net.kill(s.nodeId) });
 * ```
 */
export function transportContract(name: string, harness: TransportHarness): void {
  describe(`the transport contract (${name})`, () => {
    const started: ContractNode[] = [];
    const nodes = (count: number) => startNodes(harness, count, started);

    afterEach(async () => {
      // Parents first: the first node's remote children stop before the nodes that host them.
      for (const n of started.splice(0)) await n.system.shutdown();
    });
    afterAll(async () => {
      await harness.teardown?.();
    });

    describe('membership', () => {
      it('shows each node the others with their catalogs, and a node that shuts down as leave', async () => {
        const [a, b] = await nodes(2);
        const bOnA = a!.system.nodes().find((n) => n.id === b!.system.nodeId);
        expect(bOnA).toMatchObject({ self: false, catalog: b!.system.catalog.names() });
        const aOnB = b!.system.nodes().find((n) => n.id === a!.system.nodeId);
        expect(aOnB?.catalog).toContain(OnlyHere.name);
        const seen = record(a!.system, 'node');
        await b!.system.shutdown();
        await expect
          .poll(() => seen.map((e) => `${e.event}:${e.node}`))
          .toEqual([`leave:${b!.system.nodeId}`]);
        expect(a!.system.nodes().map((n) => n.id)).toEqual([a!.system.nodeId]);
      });
    });

    describe('spawning on another node', () => {
      it('starts a behaviour by catalog name on the node asked for', async () => {
        const [a, b] = await nodes(2);
        const sys = a!.system.name;
        const ref = a!.system.spawn<any, unknown, void, unknown>('contract.echo', undefined, {
          placement: { node: b!.system.nodeId },
          name: 'e',
        });
        expect(ref.address).toBe(`troupe://${sys}/${b!.system.nodeId}/user/e`);
        expect(await where(ref)).toMatchObject({ node: b!.system.nodeId, address: ref.address });
        expect(b!.system.lookup(ref.address)).toBeDefined(); // b hosts it
        const any = a!.system.spawn(Echo, undefined, { placement: 'any-node' });
        expect((await where(any)).node).toBe(b!.system.nodeId);
      });

      it('refuses a node that lacks the behaviour, and a node that is not up', async () => {
        const [a, b] = await nodes(2);
        let err: unknown;
        try {
          a!.system.spawn(OnlyHere, undefined, { placement: { node: b!.system.nodeId } });
        } catch (e) {
          err = e;
        }
        expect(isUnknownBehaviourError(err)).toBe(true);
        expect(String(err)).toContain(`node ${b!.system.nodeId}`);
        expect(() => a!.system.spawn(Echo, undefined, { placement: { node: 'no-such-node' } })).toThrow(
          /no such node is up/,
        );
      });
    });

    describe('messages', () => {
      it('delivers the tells of one sender in the order they were sent', async () => {
        const [a, b] = await nodes(2);
        const ref = a!.system.spawn(Echo, undefined, { placement: { node: b!.system.nodeId } });
        const values = Array.from({ length: 3000 }, (_, i) => i); // several batches at once
        for (const value of values) ref.tell({ type: 'push', value });
        expect(await ref.ask({ type: 'log' })).toEqual(values);
      });

      it('answers asks across nodes with copies: the receiver never shares the sender’s objects', async () => {
        const [a, b] = await nodes(2);
        const ref = a!.system.spawn(Echo, undefined, { placement: { node: b!.system.nodeId } });
        const value = { list: [1, 'two', { three: 3 }], at: 'here', empty: null };
        const answer = await ref.ask({ type: 'echo', value });
        expect(answer).toEqual(value);
        expect(answer).not.toBe(value);
        const obj = { n: 1 };
        expect(await ref.ask({ type: 'scribble', obj })).toEqual({ n: 1, scribbled: true });
        expect(obj).toEqual({ n: 1 }); // b changed its copy only
      });

      it('rejects an ask that gets no reply in time with AskTimeoutError, and an ask to no such actor at once', async () => {
        const [a, b] = await nodes(2);
        const ref = a!.system.spawn(Echo, undefined, { placement: { node: b!.system.nodeId } });
        await where(ref); // started
        const t0 = Date.now();
        const late = await ref.ask({ type: 'silent' }, { timeoutMs: 150 }).catch((e: unknown) => e);
        expect(isAskTimeoutError(late)).toBe(true);
        expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
        const nobody = a!.system.lookup(`troupe://${a!.system.name}/${b!.system.nodeId}/user/nobody`)!;
        const t1 = Date.now();
        const missing = await nobody.ask('hello?', { timeoutMs: 4000 }).catch((e: unknown) => e);
        expect(isActorStoppedError(missing)).toBe(true);
        expect(Date.now() - t1).toBeLessThan(2000);
        expect(a!.system.stats().pendingAsks).toBe(0);
      });

      it('carries refs inside messages and replies across three nodes, both ways', async () => {
        const [a, b, c] = await nodes(3);
        const probe = createProbe<{ value: string; via: EchoRef }>(a!.system);
        const onB = a!.system.spawn(Echo, undefined, { placement: { node: b!.system.nodeId } });
        const onC = a!.system.spawn(Echo, undefined, { placement: { node: c!.system.nodeId } });
        // a → b: refs to c and to a's probe; b → c: the probe's ref; c → a: its own ref.
        onB.tell({ type: 'forward', to: onC, value: 'around', replyTo: probe.ref });
        const got = await probe.expect(undefined, 5000);
        expect(got.value).toBe('around');
        expect(got.via.address).toBe(onC.address);
        expect(await got.via.ask({ type: 'echo', value: 7 })).toBe(7);
        // A ref in a reply works, and an actor there asks an actor here through a ref it was sent.
        const self = (await onB.ask({ type: 'self' })) as EchoRef;
        expect(self.address).toBe(onB.address);
        expect(await self.ask({ type: 'echo', value: 'again' })).toBe('again');
        const here = a!.system.spawn(Echo);
        expect(await onB.ask({ type: 'ask', to: here, value: 42 })).toEqual({
          answer: 42,
          from: b!.system.nodeId,
        });
      });
    });

    describe('death watch', () => {
      it('tells a watcher here when the actor it watches on another node stops', async () => {
        const [a, b] = await nodes(2);
        const target = a!.system.spawn(Echo, undefined, { placement: { node: b!.system.nodeId } });
        const probe = createProbe<unknown>(a!.system);
        a!.system.spawn(Watcher, { target, report: probe.ref });
        await probe.expect(watching, 5000);
        target.tell({ type: 'stop' });
        const t = (await probe.expect(isTerminated, 5000)) as Terminated;
        expect(t.actor.address).toBe(target.address);
        expect(t.reason).toBe('stopped');
      });

      it('tells a watcher on another node when the actor it watches here stops', async () => {
        const [a, b] = await nodes(2);
        const target = a!.system.spawn(Echo, undefined, { name: 'watched' });
        const probe = createProbe<unknown>(a!.system);
        a!.system.spawn(Watcher, { target, report: probe.ref }, { placement: { node: b!.system.nodeId } });
        const hello = (await probe.expect(watching, 5000)) as { from: EchoRef };
        expect(hello.from.address).toContain(`/${b!.system.nodeId}/`);
        await a!.system.stop(target);
        const t = (await probe.expect(isTerminated, 5000)) as Terminated;
        expect(t.actor.address).toBe(target.address);
        expect(t.reason).toBe('stopped');
      });
    });

    describe('supervision', () => {
      it('restarts a child on another node that fails, by its parent here', async () => {
        const [a, b] = await nodes(2);
        const supervision = record(a!.system, 'supervision');
        const lifecycleOnB = record(b!.system, 'lifecycle');
        const parent = a!.system.spawn(Parent, { node: b!.system.nodeId });
        const child = (await parent.ask({ type: 'child' })) as EchoRef;
        child.tell({ type: 'inc' });
        child.tell({ type: 'inc' });
        expect(await where(child)).toMatchObject({ node: b!.system.nodeId, count: 2, restarts: 0 });
        const err = await child.ask({ type: 'fail' }).catch((e: unknown) => e);
        expect(isActorFailedError(err)).toBe(true);
        await expect.poll(() => supervision.length).toBe(1);
        expect(supervision[0]).toMatchObject({
          actor: child.address,
          supervisor: parent.address,
          directive: 'restart',
          error: { name: 'TypeError', message: 'echo failed on purpose' },
        });
        expect(await where(child)).toMatchObject({ node: b!.system.nodeId, count: 0, restarts: 1 });
        expect(lifecycleOnB).toContainEqual(
          expect.objectContaining({ actor: child.address, phase: 'restarted' }),
        );
      });
    });

    describe('losing a node', () => {
      it('declares a killed node down: asks to it reject, watchers hear, its actors restart on a live node', async () => {
        const [a, b, c] = await nodes(3);
        const sys = a!.system;
        const downs = record(sys, 'node');
        const failures = record(sys, 'supervision');
        const worker = sys.spawn(Echo, undefined, { placement: 'any-node', name: 'w' });
        const first = await where(worker);
        const victim = first.node === b!.system.nodeId ? b! : c!;
        const survivor = victim === b ? c! : b!;
        const downsOnSurvivor = record(survivor.system, 'node');
        const probe = createProbe<unknown>(sys);
        sys.spawn(Watcher, { target: worker, report: probe.ref });
        await probe.expect(watching, 5000);
        const inFlight = worker.ask({ type: 'silent' }, { timeoutMs: 20_000 }).catch((e: unknown) => e);

        await harness.kill(victim.system);
        const err = await inFlight;
        expect(isNodeLostError(err)).toBe(true);
        expect(downs.map((e) => `${e.event}:${e.node}`)).toEqual([`down:${victim.system.nodeId}`]);
        const t = (await probe.expect(isTerminated, 5000)) as Terminated;
        expect(t).toMatchObject({ reason: 'node-lost' });
        expect(t.actor.address).toBe(worker.address);
        await expect.poll(() => failures.map((f) => f.error.name)).toContain('NodeLostError');
        await expect
          .poll(() => downsOnSurvivor.map((e) => `${e.event}:${e.node}`), { timeout: 5000 })
          .toEqual([`down:${victim.system.nodeId}`]);
        // Its supervisor (the guardian here) started it again, on the node that is left.
        const again = sys.lookup<any, unknown>(`troupe://${sys.name}/${survivor.system.nodeId}/user/w`)!;
        await expect
          .poll(
            () =>
              where(again).then(
                (w) => w.node,
                () => 'not yet',
              ),
            { timeout: 5000 },
          )
          .toBe(survivor.system.nodeId);
        expect(sys.nodes().map((n) => n.id)).not.toContain(victim.system.nodeId);
      });
    });

    describe('untrusted input', () => {
      // Each drop cause is logged once per node: keep the test output readable, and check that it is.
      let warnings: string[] = [];
      beforeEach(() => {
        warnings = [];
        vi.spyOn(console, 'warn').mockImplementation(
          (...args: unknown[]) => void warnings.push(args.join(' ')),
        );
      });
      afterEach(() => {
        vi.restoreAllMocks();
      });

      it('drops and counts garbage batches handed to the host, and keeps working', async () => {
        const [a, b] = await nodes(2);
        const echo = a!.system.spawn(Echo, undefined, { name: 'echo' });
        const fatal = record(a!.system, 'fatal');
        const before = droppedTotal(a!.system);
        const batches = garbage(20_261_125, 400, a!.system.nodeId, b!.system.nodeId);
        for (const g of batches) {
          expect(() => a!.host.deliver(g.from, g.to, g.batch as unknown[])).not.toThrow();
        }
        expect(droppedTotal(a!.system) - before).toBeGreaterThanOrEqual(batches.length);
        expect(Object.keys(a!.system.stats().droppedByCause)).toEqual(
          expect.arrayContaining([
            'malformed-record',
            'spoofed-sender',
            'unroutable',
            'unframed',
            'malformed-link-header',
          ]),
        );
        expect(warnings.some((w) => w.includes('dropped input (spoofed-sender)'))).toBe(true);
        // Still a working node: its actor answers a remote ask, and nothing was fatal.
        const fromB = b!.system.lookup<any, unknown>(echo.address)!;
        expect(await fromB.ask({ type: 'echo', value: 'still here' })).toBe('still here');
        expect(fatal).toEqual([]);
      });

      it('drops and counts garbage batches that arrive over the wire, and keeps working', async () => {
        const [a, b] = await nodes(2);
        const echo = a!.system.spawn(Echo, undefined, { name: 'echo' });
        const fatal = record(a!.system, 'fatal');
        const before = droppedTotal(a!.system);
        let sent = 0;
        for (const g of garbage(7, 300, a!.system.nodeId, b!.system.nodeId)) {
          try {
            b!.transport.send(g.from, g.to, g.batch as unknown[]);
            sent++;
          } catch {
            // a transport may refuse to send some garbage at all: that is allowed
          }
        }
        expect(sent).toBeGreaterThan(250);
        await expect
          .poll(() => droppedTotal(a!.system) - before, { timeout: 5000 })
          .toBeGreaterThanOrEqual(sent);
        const fromB = b!.system.lookup<any, unknown>(echo.address)!;
        expect(await fromB.ask({ type: 'echo', value: 'still here' })).toBe('still here');
        expect(fatal).toEqual([]);
        expect(a!.system.nodes()).toHaveLength(2);
      });
    });
  });
}
