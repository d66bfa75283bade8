import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type ActorRef,
  type ActorSystem,
  createActorSystem,
  defineActor,
  isTerminated,
  isThreadLostError,
  isUnserializableMessageError,
  type SupervisionEvent,
  type Terminated,
} from '../src/index.js';
import { createProbe } from '../src/testing/index.js';
import { type EchoMsg, STOP_REASONS, type Where } from './fixtures/threadCatalog.js';
import { waitFor } from './helpers.js';

const catalog = new URL('./fixtures/threadCatalog.ts', import.meta.url).href;

let system: ActorSystem | undefined;
afterEach(async () => {
  await system?.shutdown();
  system = undefined;
});

async function withThreads(size = 2, extra: Record<string, unknown> = {}) {
  system = await createActorSystem({ name: 'threads', catalog: [catalog], threads: { size }, ...extra });
  const events: SupervisionEvent[] = [];
  system.events.on('supervision', (e) => events.push(e));
  return { system, events };
}

const echo = (sys: ActorSystem, placement: 'thread' | { thread: number }, name?: string) =>
  sys.spawn<EchoMsg, number, void, unknown>('test.echo', undefined, {
    placement,
    ...(name === undefined ? {} : { name }),
  });

describe('placement', () => {
  it('runs thread actors on worker threads, with the same ref API', async () => {
    const { system } = await withThreads(2);
    const a = echo(system, { thread: 0 }, 'a');
    const b = echo(system, { thread: 1 }, 'b');
    const wa = (await a.ask({ type: 'where' })) as Where;
    const wb = (await b.ask({ type: 'where' })) as Where;
    expect(wa.threadId).not.toBe(threadId);
    expect(wb.threadId).not.toBe(threadId);
    expect(wa.threadId).not.toBe(wb.threadId);
    expect(wa.path).toBe('user/a');
    expect(a.address).toMatch(/^troupe:\/\/threads\/[^/]+\.t0\/user\/a$/);
    a.tell({ type: 'inc' });
    a.tell({ type: 'inc' });
    expect(await a.ask({ type: 'count' })).toBe(2);
    // Found by name like any top-level actor, wherever it runs.
    expect(system.lookup('a')?.address).toBe(a.address);
    expect(await system.lookup<EchoMsg>('a')!.ask({ type: 'count' })).toBe(2);
    expect(await system.lookup<EchoMsg>(a.address)!.ask({ type: 'count' })).toBe(2);
  });

  it("spreads 'thread' placement over the pool", async () => {
    const { system } = await withThreads(2);
    const ids = new Set<number>();
    for (let i = 0; i < 4; i++)
      ids.add(((await echo(system, 'thread').ask({ type: 'where' })) as Where).threadId);
    expect(ids.size).toBe(2);
  });

  it('keeps order per sender–receiver pair across batches', async () => {
    const { system } = await withThreads(1);
    const Collect = defineActor<number, number[], void, number[]>({
      name: 'collect',
      init: () => [],
      receive(ctx, seen, m) {
        if (m === -1) ctx.reply(seen);
        else seen.push(m);
        return seen;
      },
    });
    const collector = system.spawn(Collect);
    const t = echo(system, { thread: 0 });
    const N = 20_000;
    for (let i = 0; i < N; i++) t.tell({ type: 'reply-to', value: i, replyTo: collector as ActorRef });
    await waitFor(() => system.stats().messagesProcessed >= N, 10_000);
    const seen = (await collector.ask(-1)) as unknown as { value: number }[];
    expect(seen.map((s) => s.value)).toEqual(Array.from({ length: N }, (_, i) => i));
  });

  it('refuses impossible placements with clear errors', async () => {
    const local = await createActorSystem({ name: 'nothreads', catalog: [catalog] });
    expect(() => local.spawn('test.echo', undefined, { placement: 'thread' })).toThrow(
      /no worker threads.*threads: true/,
    );
    await local.shutdown();
    const { system } = await withThreads(2);
    expect(() => echo(system, { thread: 5 })).toThrow(/threads are numbered 0 to 1/);
    const Inline = defineActor<string, undefined>({ name: 'inline', receive: () => undefined });
    expect(() => system.spawn(Inline, undefined, { placement: 'thread' })).toThrow(
      /registered as an object.*catalog/,
    );
  });
});

describe('refs across the boundary', () => {
  it('main → thread A → thread B → reply to a main-thread actor (two hops)', async () => {
    const { system } = await withThreads(2);
    const probe = createProbe<{ value: unknown; via: number; from: ActorRef }>(system);
    const a = echo(system, { thread: 0 });
    const b = echo(system, { thread: 1 });
    const bThread = ((await b.ask({ type: 'where' })) as Where).threadId;
    a.tell({ type: 'forward', to: b, value: 'hello', replyTo: probe.ref });
    const got = await probe.expect();
    expect(got.value).toBe('hello');
    expect(got.via).toBe(bThread);
    expect(got.from.address).toBe(b.address);
    expect(await (got.from as ActorRef<EchoMsg>).ask({ type: 'echo', value: 42 })).toBe(42);
  });

  it('returns refs in replies and lets thread actors spawn on main and on other threads', async () => {
    const { system } = await withThreads(2);
    const parent = echo(system, { thread: 0 });
    const onMain = (await parent.ask({ type: 'spawn', placement: 'main' })) as ActorRef<EchoMsg>;
    const onOther = (await parent.ask({ type: 'spawn', placement: { thread: 1 } })) as ActorRef<EchoMsg>;
    const local = (await parent.ask({ type: 'spawn', placement: 'local' })) as ActorRef<EchoMsg>;
    expect(((await onMain.ask({ type: 'where' })) as Where).threadId).toBe(threadId);
    const t0 = ((await parent.ask({ type: 'where' })) as Where).threadId;
    const t1 = ((await onOther.ask({ type: 'where' })) as Where).threadId;
    expect(t1).not.toBe(t0);
    expect(((await local.ask({ type: 'where' })) as Where).threadId).toBe(t0);
    expect(onMain.address).toContain(parent.address.split('/user/')[1]!);
  });

  it('transfers ArrayBuffers when asked to, instead of copying them', async () => {
    const { system } = await withThreads(1);
    const t = echo(system, { thread: 0 });
    const buf = new Uint8Array([1, 2, 3, 4]).buffer;
    const sum = await t.ask({ type: 'bytes', buf }, { transfer: [buf] });
    expect(sum).toBe(10);
    expect(buf.byteLength).toBe(0); // moved, not copied
    const copy = new Uint8Array([5, 5]).buffer;
    expect(await t.ask({ type: 'bytes', buf: copy })).toBe(10);
    expect(copy.byteLength).toBe(2);
  });

  it('delivers user data shaped like an encoded ref as data, with or without real refs beside it', async () => {
    const { system } = await withThreads(1);
    const t = echo(system, { thread: 0 });
    const lookalike = { $ref: 'troupe://threads/x/user/y' };
    const escaped = { $lit: 1, other: [{ $ref: 'also data' }] };
    for (const value of [
      lookalike,
      escaped,
      { data: lookalike, ref: t }, // a real ref in the same message
      [escaped, t],
    ]) {
      const back = (await t.ask({ type: 'echo', value })) as unknown;
      const plain = JSON.parse(JSON.stringify(back)); // refs print as { $ref }
      expect(plain).toEqual(JSON.parse(JSON.stringify(value)));
    }
    const withRef = (await t.ask({ type: 'echo', value: { data: lookalike, ref: t } })) as {
      data: unknown;
      ref: ActorRef<EchoMsg>;
    };
    expect(withRef.data).toEqual(lookalike); // still plain data
    expect(await withRef.ref.ask({ type: 'echo', value: 7 })).toBe(7); // and the real ref works
  });

  it('refuses messages that cannot cross, at the sender', async () => {
    const { system } = await withThreads(1);
    const t = echo(system, { thread: 0 });
    expect(() => t.tell({ type: 'echo', value: { callback: () => 1 } })).toThrow(
      /'value.callback' is a function/,
    );
    const err = await t.ask({ type: 'echo', value: () => 1 }).catch((e: Error) => e);
    expect(isUnserializableMessageError(err)).toBe(true);
    expect(await t.ask({ type: 'echo', value: 'still fine' })).toBe('still fine');
  });
});

describe('death watch across the boundary', () => {
  it('a main-thread actor watches a thread actor, and a thread actor watches a main-thread actor', async () => {
    const { system } = await withThreads(1);
    const probe = createProbe<Terminated | { type: string }>(system);
    const t = echo(system, { thread: 0 });
    const W = defineActor<Terminated, undefined>({
      name: 'main-watcher',
      init: (ctx) => void ctx.watch(t),
      receive: (_c, _s, m) => void probe.ref.tell(m),
    });
    system.spawn(W);
    await t.ask({ type: 'where' });
    t.tell({ type: 'stop' });
    const term = (await probe.expect(isTerminated)) as Terminated;
    expect(term.actor.address).toBe(t.address);
    expect(term.reason).toBe('stopped');

    const target = system.spawn(defineActor<string, undefined>({ name: 'target', receive: () => undefined }));
    system.spawn('test.watcher', { target, report: probe.ref }, { placement: { thread: 0 } });
    await probe.expect((m) => (m as { type: string }).type === 'watching');
    await system.stop(target);
    const term2 = (await probe.expect(
      (m) => isTerminated(m) && m.actor.address === target.address,
    )) as Terminated;
    expect(term2.reason).toBe('stopped');
  });
});

describe('death watch order across the boundary', () => {
  it("a watcher gets a thread actor's last messages before its Terminated", async () => {
    const { system } = await withThreads(1);
    const probe = createProbe<unknown>(system);
    const t = echo(system, { thread: 0 });
    const W = defineActor<unknown, undefined>({
      name: 'ordered-watcher',
      init: (ctx) => void ctx.watch(t),
      receive: (_c, _s, m) =>
        void probe.ref.tell(isTerminated(m) ? 'terminated' : (m as { value: unknown }).value),
    });
    const w = system.spawn(W);
    await t.ask({ type: 'where' });
    // One batch: the thread actor tells the watcher five times, then stops, in one turn.
    for (let i = 0; i < 5; i++) t.tell({ type: 'reply-to', value: i, replyTo: w });
    t.tell({ type: 'stop' });
    const got: unknown[] = [];
    for (let i = 0; i < 6; i++) got.push(await probe.expect(() => true));
    expect(got).toEqual([0, 1, 2, 3, 4, 'terminated']);
  });
});

describe('supervision across the boundary', () => {
  it('a thread actor that fails is restarted by its main-thread supervisor, on its thread', async () => {
    const { system, events } = await withThreads(1);
    const t = echo(system, { thread: 0 });
    t.tell({ type: 'inc' });
    const err = (await t.ask({ type: 'fail' }).catch((e: Error) => e)) as Error;
    expect(err.name).toBe('ActorFailedError');
    await waitFor(() => events.length === 1);
    expect(events[0]).toMatchObject({ actor: t.address, directive: 'restart', error: { name: 'TypeError' } });
    const w = (await t.ask({ type: 'where' })) as Where;
    expect(w.count).toBe(0); // state reset by the restart
    expect(w.threadId).not.toBe(threadId);
  });

  it('stopping a main-thread parent stops its thread children first', async () => {
    const { system } = await withThreads(1);
    const sup = system.spawn('test.thread-supervisor', 0, { name: 'sup' });
    const kid = (await sup.ask('child')) as ActorRef<EchoMsg>;
    await kid.ask({ type: 'where' });
    await system.stop(sup);
    const err = await kid.ask({ type: 'where' }, { timeoutMs: 2000 }).catch((e: Error) => e);
    expect((err as Error).name).toBe('ActorStoppedError');
  });
});

describe('stop reasons across the boundary', () => {
  it("a thread child's onStop hears why: stopped by its parent, failed, or the shutdown", async () => {
    const { system } = await withThreads(1, { supervision: { decider: () => 'stop' } });
    const shared = new SharedArrayBuffer(3 * 4);
    const codes = new Int32Array(shared);
    const reasonAt = (slot: number) => STOP_REASONS[Atomics.load(codes, slot) - 1];
    const spawn = (slot: number) =>
      system.spawn<'boom' | 'ping', unknown, unknown, string>(
        'test.stop-recorder',
        { shared, slot },
        { placement: { thread: 0 } },
      );
    const stopped = spawn(0);
    const failed = spawn(1);
    spawn(2);
    for (const r of [stopped, failed]) expect(await r.ask('ping')).toBe('pong');
    await system.stop(stopped);
    await waitFor(() => reasonAt(0) !== undefined);
    failed.tell('boom'); // the guardian's decider says stop
    await waitFor(() => reasonAt(1) !== undefined);
    await system.shutdown();
    expect([reasonAt(0), reasonAt(1), reasonAt(2)]).toEqual(['stopped', 'failed', 'shutdown']);
  });
});

describe('stopping a thread actor', () => {
  it('system.stop resolves, and the actor stays stopped, when its thread dies before the stop arrives', async () => {
    const { system } = await withThreads(1);
    const sq = system.spawn<unknown, unknown, void, unknown>('test.square', undefined, {
      placement: { thread: 0 },
      name: 'sq',
    });
    expect(await sq.ask(3)).toMatchObject({ sq: 9 });
    sq.tell({ sleep: 400, n: 1 }); // busy: the stop waits behind it
    const stopped = system.stop(sq);
    await system.threads!.terminate(0);
    await stopped;
    expect(system.lookup('sq')).toBeUndefined();
    await expect(sq.ask(3, { timeoutMs: 1000 })).rejects.toThrow();
  });
});

describe('a crashed thread', () => {
  for (const [how, msg] of [
    ['process.exit() inside it', { type: 'exit' }],
    ['an uncaught error outside any actor', { type: 'throw-outside' }],
  ] as const) {
    it(`fails its actors, rejects in-flight asks, and restarts them on a replacement thread (${how})`, async () => {
      const { system, events } = await withThreads(2);
      const sup = system.spawn('test.thread-supervisor', 0, { name: 'sup' });
      const kid = (await sup.ask('child')) as ActorRef<EchoMsg>;
      const before = (await kid.ask({ type: 'where' })) as Where;
      const other = echo(system, { thread: 1 });
      const inFlight = kid.ask({ type: 'echo', value: 'in flight' }, { timeoutMs: 10_000 });
      kid.tell(msg);
      const after1 = kid.ask({ type: 'where' }, { timeoutMs: 10_000 });
      // Asks in flight settle promptly: answered if the reply left before the crash, else ThreadLostError.
      for (const p of [inFlight, after1]) {
        const outcome = await p.then(
          () => 'answered',
          (e: Error) => (isThreadLostError(e) ? 'lost' : e.name),
        );
        expect(['answered', 'lost']).toContain(outcome);
      }
      await waitFor(() => events.some((e) => e.error.name === 'ThreadLostError'), 5000);
      const lost = events.find((e) => e.error.name === 'ThreadLostError')!;
      expect(lost).toMatchObject({ actor: kid.address, directive: 'restart' });
      // Messages sent after the crash reach the restarted actor, through the same ref.
      const after = (await kid.ask({ type: 'where' }, { timeoutMs: 5000 })) as Where;
      expect(after.threadId).not.toBe(before.threadId);
      kid.tell({ type: 'inc' });
      expect(await kid.ask({ type: 'count' })).toBe(1);
      // The other thread was not affected.
      expect(((await other.ask({ type: 'where' })) as Where).threadId).not.toBe(after.threadId);
    });
  }

  it('rejects an ask in flight at once with ThreadLostError when the thread dies under it', async () => {
    const { system } = await withThreads(1);
    const t = echo(system, { thread: 0 });
    await t.ask({ type: 'where' });
    const t0 = Date.now();
    const err = await t.ask({ type: 'exit' }, { timeoutMs: 10_000 }).catch((e: Error) => e);
    expect(isThreadLostError(err)).toBe(true);
    expect((err as Error).message).toMatch(/exited with code 7/);
    expect(Date.now() - t0).toBeLessThan(3000);
  });

  it('treats a thread hitting its resourceLimits as lost', async () => {
    const { system, events } = await withThreads(1, {
      threads: { size: 1, resourceLimits: { maxOldGenerationSizeMb: 32, maxYoungGenerationSizeMb: 8 } },
    });
    const t = echo(system, { thread: 0 });
    const err = await t.ask({ type: 'oom' }, { timeoutMs: 20_000 }).catch((e: Error) => e);
    expect(isThreadLostError(err)).toBe(true);
    expect((err as Error).message).toMatch(/ERR_WORKER_OUT_OF_MEMORY|out of memory/i);
    await waitFor(() => events.length > 0, 5000);
    expect(await t.ask({ type: 'count' }, { timeoutMs: 5000 })).toBe(0);
  });

  it('does not replace a thread forever that keeps failing at start-up, and says so', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'troupe-'));
    const marker = join(dir, 'fail');
    process.env.TROUPE_TEST_FAIL_MARKER = marker;
    try {
      const { system } = await withThreads(2, { threads: { size: 2, maxStartFailures: 2 } });
      const errors: string[] = [];
      system.events.on('error', (e) => errors.push(e.error.message));
      const t = echo(system, { thread: 1 });
      await t.ask({ type: 'where' });
      writeFileSync(marker, 'x');
      t.tell({ type: 'exit' });
      await waitFor(() => errors.length > 0, 10_000);
      expect(errors[0]).toMatch(/failed 2 times in a row before it was ready.*not replaced again/);
      expect(() => echo(system, { thread: 1 })).toThrow(/kept failing at start-up and was given up/);
      await expect(t.ask({ type: 'where' })).rejects.toThrow(/is gone for good/);
      // Placement now avoids the dead thread.
      for (let i = 0; i < 3; i++) {
        expect(((await echo(system, 'thread').ask({ type: 'where' })) as Where).threadId).toBeGreaterThan(0);
      }
    } finally {
      delete process.env.TROUPE_TEST_FAIL_MARKER;
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fails createActorSystem clearly when threads cannot start at all', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'troupe-'));
    const marker = join(dir, 'fail');
    writeFileSync(marker, 'x');
    process.env.TROUPE_TEST_FAIL_MARKER = marker;
    try {
      await expect(
        createActorSystem({ name: 'broken', catalog: [catalog], threads: { size: 1 } }),
      ).rejects.toThrow(
        /worker thread .*\.t0 failed to start: .*threadCatalog.ts threw while loading: Error: this thread is told to fail at start-up/,
      );
    } finally {
      delete process.env.TROUPE_TEST_FAIL_MARKER;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('TypeScript catalog modules', () => {
  it('load through tsx in a plain node process, on both threads, each as one module however reached', () => {
    const script = new URL('./fixtures/tsCatalogScript.mjs', import.meta.url);
    const r = spawnSync(process.execPath, [script.pathname], { encoding: 'utf8', timeout: 20_000 });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim().split('\n')).toEqual([
      'main thread 0, worker thread true',
      'relay: test.echo', // a catalog module that imports another catalog module
      'same module: true', // the program's own import of a catalog module
    ]);
    expect(r.status).toBe(0);
  });
});

describe('shutdown', () => {
  it('ends every thread, and the process exits on its own afterwards', () => {
    const script = new URL('./fixtures/shutdownScript.mjs', import.meta.url);
    const t0 = Date.now();
    const r = spawnSync(process.execPath, [script.pathname], { encoding: 'utf8', timeout: 20_000 });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim().split('\n')).toEqual(['answered 2', 'shut down']);
    expect(r.status).toBe(0);
    expect(Date.now() - t0).toBeLessThan(10_000);
  });
});
