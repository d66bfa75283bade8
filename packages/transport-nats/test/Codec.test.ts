import { type ActorRef, type ActorSystem, createActorSystem } from '@troupe/core';
import { describe, expect, it } from 'vitest';
import { awaitNodes, type CodecName, jsonCodec, msgpackCodec, nats } from '../src/index.js';
import { natsTestbed } from './testbed.js';

const catalog = new URL('./fixtures/catalog.mjs', import.meta.url);
const fast = { heartbeatMs: 100, downAfterMs: 800 } as const;

describe('decoding bytes in the other codec', () => {
  const envelope: [string, string, unknown[]] = ['n1', 'n2', [1, 'user/a', { type: 'hi' }]];

  it('names JSON sent to a msgpack node as the likely cause, and still rejects it', () => {
    const r = msgpackCodec().decode(jsonCodec().encode(...envelope));
    expect(r).toMatchObject({ reject: 'undecodable' });
    expect((r as { detail: string }).detail).toMatch(
      /^looks like JSON: codec mismatch\? this node speaks msgpack .*nats\(\{ codec \}\).*--codec/,
    );
  });

  it('names MessagePack sent to a JSON node as the likely cause, and still rejects it', () => {
    const r = jsonCodec().decode(msgpackCodec().encode(...envelope));
    expect(r).toMatchObject({ reject: 'undecodable' });
    expect((r as { detail: string }).detail).toMatch(
      /^looks like MessagePack: codec mismatch\? this node speaks JSON .*nats\(\{ codec \}\).*--codec/,
    );
  });

  it('does not blame the codec for plain garbage', () => {
    for (const codec of [msgpackCodec(), jsonCodec()]) {
      const r = codec.decode(new Uint8Array([0xc1, 0xff, 0x00]));
      expect(r).toMatchObject({ reject: 'undecodable' });
      expect((r as { detail: string }).detail).not.toMatch(/codec mismatch/);
    }
    expect(msgpackCodec().decode(new TextEncoder().encode('[1,"n1"'))).toMatchObject({
      reject: 'undecodable',
    });
  });
});

describe.each(['msgpack', 'json'] as const)('over NATS with the %s codec', (codec: CodecName) => {
  const bed = natsTestbed();
  const systems = bed.systems;

  async function pair(name: string): Promise<ActorRef<any, unknown>> {
    for (let i = 0; i < 2; i++) {
      systems.push(
        await createActorSystem({
          name,
          catalog: [catalog],
          transports: [nats({ servers: bed.server.url, codec, ...fast })],
        }),
      );
    }
    const [a, b] = systems as [ActorSystem, ActorSystem];
    await awaitNodes(a, 2);
    return a.spawn<any, number, void, unknown>('nats.echo', undefined, { placement: { node: b.nodeId } });
  }

  it('carries Maps there and back as Maps: nested, with non-string keys, holding refs', async () => {
    const echo = await pair(`maps_${codec}`);
    const value = {
      plain: new Map([['a', 1]]),
      numbers: new Map<unknown, unknown>([
        [1, 'one'],
        [2, new Map([[true, 'nested']])],
      ]),
      refs: new Map<unknown, unknown>([['echo', echo]]),
    };
    const back = (await echo.ask({ type: 'echo', value })) as typeof value;
    expect(back.plain).toBeInstanceOf(Map);
    expect(back.plain).toEqual(new Map([['a', 1]]));
    expect(back.numbers.get(1)).toBe('one');
    expect(back.numbers.get(2)).toEqual(new Map([[true, 'nested']]));
    const ref = back.refs.get('echo') as ActorRef<any, unknown>;
    expect(ref.address).toBe(echo.address);
    expect(await ref.ask({ type: 'echo', value: new Map([[3, 'via the returned ref']]) })).toEqual(
      new Map([[3, 'via the returned ref']]),
    );
  });
});

describe('two nodes of one system with different codecs', () => {
  const bed = natsTestbed();
  const systems = bed.systems;

  it('logs and counts what each drops as a likely codec mismatch, and keeps running', async () => {
    const make = async (codec: CodecName) => {
      const s = await createActorSystem({
        name: 'mixed',
        catalog: [catalog],
        transports: [nats({ servers: bed.server.url, codec, ...fast })],
      });
      systems.push(s);
      return s;
    };
    const packed = await make('msgpack');
    const json = await make('json');
    await awaitNodes(packed, 2); // membership is JSON for everyone
    await awaitNodes(json, 2);
    const warned: string[] = [];
    const warn = console.warn;
    console.warn = (...args: unknown[]) => void warned.push(args.join(' '));
    try {
      packed.spawn('nats.echo', undefined, { placement: { node: json.nodeId } });
      json.spawn('nats.echo', undefined, { placement: { node: packed.nodeId } });
      await expect.poll(() => json.stats().droppedByCause.undecodable).toBe(1);
      await expect.poll(() => packed.stats().droppedByCause.undecodable).toBe(1);
    } finally {
      console.warn = warn;
    }
    expect(warned.find((w) => w.includes(`node ${json.nodeId} dropped input (undecodable)`))).toMatch(
      /looks like MessagePack: codec mismatch\? this node speaks JSON/,
    );
    expect(warned.find((w) => w.includes(`node ${packed.nodeId} dropped input (undecodable)`))).toMatch(
      /looks like JSON: codec mismatch\? this node speaks msgpack/,
    );
    expect(packed.nodes()).toHaveLength(2);
  });
});
