import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ActorRef,
  type ActorSystem,
  createActorSystem,
  defineActor,
  isInvalidOptionsError,
} from '../src/index.js';
import { createInMemoryNetwork } from '../src/testing/index.js';
import { MachineRef } from '../src/xstate/refs.js';
import { Pong } from './fixtures/spawnByName.js';
import { settle } from './helpers.js';

const threadCatalog = new URL('./fixtures/spawnByName.ts', import.meta.url).href;

/** Counts what it is told; answers asks with the count so far. */
const Counter = defineActor<unknown, number, void, number>({
  name: 'options.counter',
  init: () => 0,
  receive(ctx, n) {
    if (ctx.isAsk) ctx.reply(n);
    return ctx.isAsk ? n : n + 1;
  },
});

const systems: ActorSystem[] = [];
const refs: Record<string, ActorRef> = {};
afterAll(async () => {
  for (const s of systems.splice(0).reverse()) await s.shutdown();
});

beforeAll(async () => {
  const local = await createActorSystem({
    name: 'options',
    catalog: [Counter, threadCatalog],
    threads: { size: 1 },
  });
  systems.push(local);
  refs.local = local.spawn(Counter);
  refs.thread = local.spawn('test.pong', undefined, { placement: 'thread' });
  refs['round-robin pool'] = local.spawnPool(Counter, undefined, { size: 2 });
  refs['balancing pool'] = local.spawnPool(Counter, undefined, { size: 2, routing: 'balancing' });
  const net = createInMemoryNetwork();
  const b = await createActorSystem({
    name: 'options-net',
    nodeId: 'b',
    catalog: [Pong],
    transports: [net.transport()],
  });
  const a = await createActorSystem({
    name: 'options-net',
    nodeId: 'a',
    catalog: [Pong],
    transports: [net.transport()],
  });
  systems.push(b, a);
  refs.node = a.spawn(Pong, undefined, { placement: { node: 'b' } });
  // A ref restored from a machine's snapshot whose actor is not found: its messages are dead letters.
  refs['restored xstate ref'] = new MachineRef('troupe://options/n/user/gone', undefined, {
    lookup: () => undefined,
    deadLetter: () => undefined,
  });
});

const kinds = ['local', 'thread', 'node', 'round-robin pool', 'balancing pool', 'restored xstate ref'];

/** What `fn` threw or rejected with (undefined if neither). */
async function failure(fn: () => unknown): Promise<unknown> {
  try {
    await fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe.each(kinds)('the options of tell and ask (%s ref)', (kind) => {
  it('rejects an ask whose timeoutMs is a string, naming what to give instead', async () => {
    const e = await failure(() => refs[kind]!.ask('x', { timeoutMs: '100' as unknown as number }));
    expect(isInvalidOptionsError(e)).toBe(true);
    expect((e as Error).message).toBe(
      'ask option timeoutMs must be a number of milliseconds ≥ 0 (Infinity: no timeout), got "100" (a string); ' +
        'give the number itself: { timeoutMs: 100 }',
    );
  });

  it('rejects an ask whose timeoutMs is a boolean (an Error, not the raw value)', async () => {
    const e = await failure(() => refs[kind]!.ask('x', { timeoutMs: true as unknown as number }));
    expect(e).toBeInstanceOf(Error);
    expect(isInvalidOptionsError(e)).toBe(true);
    expect((e as Error).message).toMatch(
      /^ask option timeoutMs must be a number .* got true \(a boolean\); e\.g\. \{ timeoutMs: 1000 \}$/,
    );
  });

  it('rejects an unknown ask option with a hint at the known one', async () => {
    const e = await failure(() => refs[kind]!.ask('x', { timeout: 100 } as never));
    expect(isInvalidOptionsError(e)).toBe(true);
    expect((e as Error).message).toBe(
      "unknown ask option 'timeout' — did you mean 'timeoutMs'? (the ask options are: timeoutMs, transfer)",
    );
  });

  it('rejects a number given as the options of an ask, showing the object it meant', async () => {
    const e = await failure(() => refs[kind]!.ask('x', 100 as never));
    expect((e as Error).message).toBe('ask() options must be an object such as { timeoutMs: 100 }, got 100');
  });

  it('throws at once for a tell with an unknown option, whatever the recipient (ADR 0003)', async () => {
    const ref = refs[kind]!;
    expect(() => ref.tell('x', { timeout: 100 } as never)).toThrow(
      "unknown tell option 'timeout': a tell does not wait for a reply, so it has no timeoutMs; use ask() to wait for one (the tell options are: transfer)",
    );
    expect(() => ref.tell('x', { transfr: [] } as never)).toThrow(
      "unknown tell option 'transfr' — did you mean 'transfer'? (the tell options are: transfer)",
    );
    expect(() => ref.tell('x', { transfer: 'buf' } as never)).toThrow(
      'tell option transfer must be an array of transferables (e.g. [samples.buffer]), got "buf" (a string)',
    );
  });

  it('accepts the options it knows', async () => {
    const ref = refs[kind]!;
    ref.tell('x', { transfer: [] });
    ref.tell('x', {});
    if (kind === 'restored xstate ref') return; // nothing answers there
    await expect(ref.ask('x', { timeoutMs: 2000, transfer: [] })).resolves.toBeDefined();
    await expect(ref.ask('x', { timeoutMs: Number.POSITIVE_INFINITY })).resolves.toBeDefined();
  });
});

describe('a tell refused for its options', () => {
  it('is not delivered', async () => {
    const counter = refs.local as ActorRef<unknown, number>;
    const before = await counter.ask('count');
    expect(() => counter.tell('inc', { timeoutMs: 5 } as never)).toThrow(/unknown tell option 'timeoutMs'/);
    counter.tell('inc');
    await settle();
    expect(await counter.ask('count')).toBe(before + 1);
  });
});

describe('the askTimeoutMs of createActorSystem', () => {
  it('must be a number, not a string that compares like one', async () => {
    await expect(
      createActorSystem({ name: 'bad', askTimeoutMs: '100' as unknown as number }),
    ).rejects.toThrow(
      "askTimeoutMs must be a number of milliseconds > 0 (Infinity: no timeout), got '100' (a string)",
    );
  });
});
