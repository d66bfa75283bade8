/**
 * What an exposed actor's reply becomes on the wire: JSON that a client reads back as the actor
 * sent it, or a ReplyError that says what JSON could not carry. Never data changed in silence
 * (JSON.stringify writes a Map as `{}`).
 */
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { type ActorSystem, createActorSystem, defineActor } from '@troupe/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nats } from '../src/index.js';
import { type NatsServer, startNatsServer } from '../src/testing.js';

let server: NatsServer;
let system: ActorSystem;
let client: NatsConnection;

interface Cycle {
  self?: Cycle;
}

/** The replies the exposed actor gives, by the name sent in the request. */
const replies: Record<string, () => unknown> = {
  map: () => ({ totals: { byRegion: new Map([['eu', 3]]) } }),
  'map-itself': () => new Map([[1, 'one']]),
  'set-in-array': () => [1, new Set([2])],
  bytes: () => ({ data: new Uint8Array([1, 2]) }),
  bigint: () => ({ n: 2n ** 70n }),
  'function-in-array': () => ({ list: [1, () => 2] }),
  cycle: () => {
    const c: Cycle = {};
    c.self = c;
    return { c };
  },
  plain: () => ({
    at: new Date(0),
    list: [1, undefined, Number.NaN],
    gone: undefined,
    nested: { ok: true, text: 'hi' },
  }),
  huge: () => 'x'.repeat(1024 * 1024 + 1),
};

const Replier = defineActor<string, undefined, void, unknown>({
  name: 'expose-reply.replier',
  receive: (ctx, _s, which) => void ctx.reply(replies[which]!()),
});

beforeAll(async () => {
  server = await startNatsServer();
  system = await createActorSystem({ name: 'replies', transports: [nats({ servers: server.url })] });
  await system.expose(system.spawn(Replier), 'replier');
  client = await connect({ servers: server.url });
});
afterAll(async () => {
  await client?.close();
  await system?.shutdown();
  await server?.stop();
});

/** Ask the exposed actor for the reply named `which`, as any NATS client would. */
async function request(which: string): Promise<any> {
  const body = new TextEncoder().encode(JSON.stringify(which));
  const msg = await client.request('troupe.replies.svc.replier', body, { timeout: 5000 });
  return JSON.parse(new TextDecoder().decode(msg.data));
}

const unsendable = () => system.stats().droppedByCause['unsendable-reply'] ?? 0;

describe('the reply of an exposed actor', () => {
  it('is a ReplyError naming the Map and where it is, not the Map written as {}', async () => {
    const before = unsendable();
    expect(await request('map')).toEqual({
      ok: false,
      error: {
        name: 'ReplyError',
        message:
          "the reply holds a Map at 'totals.byRegion', which JSON cannot carry (it would arrive as {}); " +
          'reply with an object (Object.fromEntries(map)) or an array of entries ([...map]) instead',
      },
    });
    expect(unsendable()).toBe(before + 1);
  });

  it('names every other value JSON would change or cannot write, and where it is', async () => {
    const cases: [string, RegExp][] = [
      ['map-itself', /^the reply is a Map, which JSON cannot carry/],
      ['set-in-array', /^the reply holds a Set at '\[1\]'.*reply with an array \(\[\.\.\.set\]\)/],
      ['bytes', /^the reply holds a Uint8Array at 'data'.*an object with numeric keys/],
      ['bigint', /^the reply holds a BigInt at 'n'.*reply with a string or a number/],
      ['function-in-array', /^the reply holds a function at 'list\[1\]'/],
      ['cycle', /^the reply holds a cycle at 'c\.self'.*reply with a tree/],
    ];
    const before = unsendable();
    for (const [which, message] of cases) {
      const reply = await request(which);
      expect(reply.ok, which).toBe(false);
      expect(reply.error.name, which).toBe('ReplyError');
      expect(reply.error.message, which).toMatch(message);
    }
    expect(unsendable()).toBe(before + cases.length);
  });

  it('is a ReplyError with the size and the limit when it is larger than max_payload', async () => {
    const reply = await request('huge');
    expect(reply.error.name).toBe('ReplyError');
    expect(reply.error.message).toMatch(
      /^the reply is \d+ bytes as JSON, over the limit of 1048576 bytes \(the NATS server's max_payload\); reply with less data/,
    );
  });

  it('still carries plain data, with JSON’s own conventions for Dates, undefined and NaN', async () => {
    expect(await request('plain')).toEqual({
      ok: true,
      value: { at: '1970-01-01T00:00:00.000Z', list: [1, null, null], nested: { ok: true, text: 'hi' } },
    });
  });
});
