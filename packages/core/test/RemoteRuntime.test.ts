import { describe, expect, it } from 'vitest';
import { PendingAsks, type ReplyTarget } from '../src/actor/ask.js';
import { systemClock } from '../src/clock.js';
import { isActorStoppedError, ThreadLostError } from '../src/index.js';
import { Rec } from '../src/remote/protocol.js';
import { RemoteActorRef } from '../src/remote/RemoteActorRef.js';
import type { RemoteHost } from '../src/remote/RemoteHost.js';
import { RemoteRuntime } from '../src/remote/RemoteRuntime.js';

const turn = () => new Promise<void>((r) => setImmediate(r));

/** The host of a runtime: what a test does not give is a no-op; drop causes go to `dropped`. */
function fakeHost(nodeId: string, dropped: string[], given: Partial<Record<keyof RemoteHost, unknown>> = {}) {
  return {
    name: 'sys',
    nodeId,
    mainNodeId: 'main',
    askTimeoutMs: 5000,
    isShutdown: false,
    clock: systemClock,
    pendingAsks: new PendingAsks(systemClock),
    dropped: (cause: string) => dropped.push(cause),
    deadLetter: () => undefined,
    cellAt: () => undefined,
    nodeIsUp: () => true,
    events: { publish: () => undefined, listensTo: () => false },
    ...given,
  } as unknown as RemoteHost;
}

/** A runtime on a fake host, linked to one peer whose batches are structured-cloned as postMessage would. */
function runtime(onDeadLetter: () => void = () => undefined) {
  const dropped: string[] = [];
  const rt = new RemoteRuntime(fakeHost('main', dropped, { deadLetter: onDeadLetter }));
  const posted: unknown[][] = [];
  rt.link('peer').attach({ post: (batch) => posted.push(structuredClone(batch)) });
  const ref = new RemoteActorRef(rt, 'troupe://sys/peer/user/a', 'peer', 'user/a');
  return { rt, ref, posted, dropped };
}

describe('RemoteRuntime (records from and to another runtime)', () => {
  it('drops a reply whose id is not a whole number > 0, and still fails the ask when the peer is lost', async () => {
    const { rt, ref, dropped } = runtime();
    const answer = rt.ask(ref, 'hi', { timeoutMs: Number.POSITIVE_INFINITY }).catch((e: unknown) => e);
    for (const id of [0, -3, 1.5, '1']) rt.receive('peer', [Rec.Reply, id, 'bogus']);
    expect(dropped).toEqual(['malformed-record', 'malformed-record', 'malformed-record', 'malformed-record']);
    rt.nodeDown('peer', 'gone');
    expect(isActorStoppedError(await answer)).toBe(true);
  });

  it('keeps one sender’s tells in order when one cannot be cloned and its dead letter sends again', async () => {
    let ref!: RemoteActorRef;
    const { rt, posted, ...r } = runtime(() => ref.tell({ n: 'report' }));
    ref = r.ref;
    rt.sendControl('peer', { c: 'unwatch', target: 'user/b', watcher: 'troupe://sys/main/user/w' });
    ref.tell({ n: 1 });
    ref.tell({ n: 2, w: new WeakMap() }); // cannot be cloned: a dead letter
    ref.tell({ n: 3 });
    await turn();
    await turn();
    const seen = posted.flatMap((b) => {
      const out: unknown[] = [];
      for (let i = 0; i < b.length; i += b[i] === Rec.Control ? 2 : 3)
        if (b[i] === Rec.Tell) out.push((b[i + 2] as { n: unknown }).n);
      return out;
    });
    expect(seen).toEqual([1, 3, 'report']);
  });

  it('drops an answer to an ask from a lost thread instead of settling its replacement’s ask', async () => {
    const held: ReplyTarget[] = [];
    const cells = {
      'user/slow': {
        enqueue: (_m: unknown, r: ReplyTarget | undefined) => {
          held.push(r!);
          return true;
        },
      },
      'user/quiet': { enqueue: () => true }, // never answers
    };
    const node = (nodeId: string, dropped: string[] = []) =>
      new RemoteRuntime(
        fakeHost(nodeId, dropped, { cellAt: (path: string) => cells[path as keyof typeof cells] }),
      );
    const wire = (a: RemoteRuntime, an: string, b: RemoteRuntime, bn: string) => {
      a.link(bn).attach({
        post: (batch) => void queueMicrotask(() => b.receive(an, structuredClone(batch))),
      });
      b.link(an).attach({
        post: (batch) => void queueMicrotask(() => a.receive(bn, structuredClone(batch))),
      });
    };
    const mainDropped: string[] = [];
    const main = node('main', mainDropped);
    const t1 = node('main.t0');
    wire(main, 'main', t1, 'main.t0');
    void t1
      .ask(new RemoteActorRef(t1, 'troupe://sys/main/user/slow', 'main', 'user/slow'), 'job', undefined)
      .catch(() => {});
    await turn();
    await turn();
    expect(held).toHaveLength(1);
    // The thread dies; its replacement (ask ids from 1 again) connects and asks.
    main.nodeDown('main.t0', 'crashed', new ThreadLostError('main.t0', 'crashed'));
    const t2 = node('main.t0');
    wire(main, 'main', t2, 'main.t0');
    let settled: unknown = 'pending';
    void t2
      .ask(new RemoteActorRef(t2, 'troupe://sys/main/user/quiet', 'main', 'user/quiet'), 'hello', undefined)
      .then(
        (v) => (settled = v),
        (e) => (settled = e),
      );
    await turn();
    await turn();
    held[0]!.reply('meant for the dead thread');
    await turn();
    await turn();
    expect(settled).toBe('pending');
    expect(mainDropped).toContain('stale-reply');
  });
});
