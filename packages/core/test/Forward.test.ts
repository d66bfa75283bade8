/**
 * `ctx.forward`: a message passed on with its reply target. The asker gets the answer of the
 * actor it was forwarded to, here, on a thread of nodes, or on another node; a tell stays a tell.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type ActorRef, defineActor, isActorFailedError, isReplyOutsideAskError } from '../src/index.js';
import { createInMemoryNetwork, createProbe } from '../src/testing/index.js';
import { Echo } from './contract/behaviours.js';
import { type ContractNode, startNodes } from './contract/cluster.js';

const started: ContractNode[] = [];
afterEach(async () => {
  for (const n of started.splice(0)) await n.system.shutdown();
});

/** Forwards every message to `to`, counting them; `count` is answered by itself. */
const Router = defineActor<any, { to: ActorRef; n: number }, ActorRef, unknown>({
  name: 'test.router',
  init: (_ctx, to) => ({ to, n: 0 }),
  receive(ctx, s, m) {
    if (m === 'count') {
      ctx.reply(s.n);
      return s;
    }
    ctx.forward(s.to, m);
    // After a forward the router cannot answer the ask too.
    if (ctx.isAsk) throw new Error('still an ask after forward');
    return { ...s, n: s.n + 1 };
  },
});

describe('ctx.forward', () => {
  it('hands an ask on: the asker gets the answer of the actor on another node, the router never sees it', async () => {
    const net = createInMemoryNetwork({ seed: 5 });
    const [a, b] = await startNodes({ transport: () => net.transport(), kill: async () => {} }, 2, started);
    const far = a!.system.spawn(Echo, undefined, { placement: { node: b!.system.nodeId } });
    const router = a!.system.spawn(Router, far);
    expect(await router.ask({ type: 'echo', value: { deep: [1, 2] } })).toEqual({ deep: [1, 2] });
    expect(await router.ask({ type: 'where' })).toMatchObject({ node: b!.system.nodeId });
    // A failure of the far actor reaches the asker as its own ActorFailedError.
    const err = await router.ask({ type: 'fail' }).catch((e: unknown) => e);
    expect(isActorFailedError(err)).toBe(true);
    // A tell stays a tell: the far actor logs it, and replying to it would be a mistake there.
    router.tell({ type: 'push', value: 'told' });
    expect(await far.ask({ type: 'log' })).toEqual(['told']);
    expect(await router.ask('count')).toBe(4);
  });

  it('hands an ask on to a local actor and to a reply probe', async () => {
    const net = createInMemoryNetwork({ seed: 6 });
    const [a] = await startNodes({ transport: () => net.transport(), kill: async () => {} }, 1, started);
    const near = a!.system.spawn(Echo);
    const router = a!.system.spawn(Router, near);
    expect(await router.ask({ type: 'echo', value: 7 })).toBe(7);
    const probe = createProbe<unknown>(a!.system);
    router.tell({ type: 'reply-to', value: 'x', replyTo: probe.ref });
    expect(await probe.expect(undefined, 2000)).toMatchObject({ value: 'x' });
    // Replying to a forwarded tell is still refused where it lands.
    const forwarder = a!.system.spawn(
      Router,
      a!.system.spawn(
        defineActor({
          name: 'test.replier',
          receive: (ctx, s: undefined) => {
            try {
              ctx.reply('no');
            } catch (e) {
              probe.ref.tell({ refused: isReplyOutsideAskError(e) });
            }
            return s;
          },
        }),
      ),
    );
    forwarder.tell('hello');
    expect(await probe.expect(undefined, 2000)).toEqual({ refused: true });
  });
});
