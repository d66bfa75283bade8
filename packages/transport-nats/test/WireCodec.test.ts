/**
 * Unit tests of the wire codec (src/codec.ts), without a NATS server: envelopes round-trip in
 * both codecs with every record kind, and untrusted bytes are rejected with a cause, never
 * thrown. Codec.test.ts covers the codec-mismatch diagnosis and Maps over a real server.
 */
import { isUnserializableMessageError } from '@troupe/core';
import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import {
  type Envelope,
  jsonCodec,
  msgpackCodec,
  type Rejected,
  WIRE_VERSION,
  type WireCodec,
} from '../src/codec.js';

const codecs = [msgpackCodec(), jsonCodec()];
/** Bytes of any value in a codec's own encoding (to build envelopes the codec would not write). */
const packr = new Packr({ moreTypes: true, useRecords: false });
const raw = (codec: WireCodec, value: unknown): Uint8Array =>
  codec.name === 'msgpack' ? packr.pack(value) : new TextEncoder().encode(JSON.stringify(value));

const addr = (node: string, path: string) => `troupe://shop/${node}/${path}`;
const error = {
  name: 'ActorFailedError',
  message: 'actor troupe://shop/n2/user/fib failed while processing …',
  stack: 'ActorFailedError: …\n    at receive (catalog.js:1:1)',
  cause: { name: 'RangeError', message: 'n must be ≥ 0' },
};

/** One batch holding a record of every kind (docs/wire-protocol.md, Records), every control included. */
// biome-ignore format: one record a line, as in the protocol document
const everyRecord: unknown[] = [
  1, 'user/log', { type: 'hello', n: 1, tags: ['a', 'b'], nested: { ok: true, none: null } },
  2, 'user/farm', { type: 'work', replyTo: { $ref: addr('n1', 'user/client') } },
  3, 'user/fib', 30, 1,
  4, 'user/fib', { n: 30, notify: { $ref: addr('n1', 'user/log') } }, 2,
  5, 1, 832040,
  6, 2, { worker: { $ref: addr('n2', 'user/fib') }, levels: { $map: [[1, 'one']] } },
  7, 3, error,
  8, {
    c: 'spawn',
    spec: {
      behaviour: 'shop.fib',
      args: { start: 40 },
      argsHaveRefs: false,
      name: 'fib',
      path: 'user/fib',
      mailbox: { capacity: 100, overflow: 'reject' },
      restart: 'transient',
    },
    parent: addr('n1', 'user'),
    restartCount: 0,
  },
  8, { c: 'directive', path: 'user/fib', d: 'restart', error },
  8, { c: 'directive', path: 'user/fib', d: 'stop', reason: 'shutdown' },
  8, { c: 'failed', parent: addr('n1', 'user'), child: addr('n2', 'user/fib'), error },
  8, { c: 'child-terminated', parent: addr('n1', 'user'), child: addr('n2', 'user/fib'), reason: 'failed', self: false },
  8, { c: 'watch', target: addr('n2', 'user/fib'), watcher: addr('n1', 'user/w') },
  8, { c: 'unwatch', target: addr('n2', 'user/fib'), watcher: addr('n1', 'user/w') },
  8, { c: 'terminated', target: addr('n2', 'user/fib'), watcher: addr('n1', 'user/w'), reason: 'stopped' },
  8, { c: 'node-down', node: 'n3', reason: 'node-lost', detail: 'missed 3 heartbeats' },
  8, { c: 'shutdown' },
  8, { c: 'rejected', target: addr('n2', 'user/fib'), count: 3 },
];

/** Decode and require an envelope. */
function envelope(codec: WireCodec, bytes: Uint8Array): Envelope {
  const r = codec.decode(bytes);
  if ('reject' in r) throw new Error(`rejected (${r.reject}): ${r.detail}`);
  return r;
}

/** Decode and require a rejection. */
function rejection(codec: WireCodec, bytes: Uint8Array): Rejected {
  const r = codec.decode(bytes);
  if (!('reject' in r)) throw new Error(`accepted: ${JSON.stringify(r)}`);
  return r;
}

describe('the wire envelope', () => {
  it('is version 1', () => {
    expect(WIRE_VERSION).toBe(1);
  });

  it('is the JSON text [1, from, to, batch] with the json codec', () => {
    const bytes = jsonCodec().encode('n1', 'n2.t0', [1, 'user/a', { type: 'hi' }]);
    expect(new TextDecoder().decode(bytes)).toBe('[1,"n1","n2.t0",[1,"user/a",{"type":"hi"}]]');
  });

  it('is a MessagePack array of 4 starting with the version with the msgpack codec', () => {
    const bytes = msgpackCodec().encode('n1', 'n2', []);
    expect(bytes[0]).toBe(0x94); // fixarray of 4
    expect(bytes[1]).toBe(WIRE_VERSION);
    expect(packr.unpack(bytes)).toEqual([1, 'n1', 'n2', []]);
  });
});

describe.each(codecs.map((c) => [c.name, c] as const))('the %s codec', (_, codec) => {
  it('round-trips an envelope holding a record of every kind', () => {
    const env = envelope(codec, codec.encode('n1', 'n2', everyRecord));
    expect(env).toEqual({ from: 'n1', to: 'n2', batch: everyRecord });
  });

  it('round-trips thread node ids and an empty batch', () => {
    expect(envelope(codec, codec.encode('n1.t0', 'node_B-2.t13', []))).toEqual({
      from: 'n1.t0',
      to: 'node_B-2.t13',
      batch: [],
    });
  });

  it('round-trips a long batch of text in any script', () => {
    const batch: unknown[] = [];
    for (let i = 0; i < 2000; i++) batch.push(1, `user/w${i}`, { text: 'größer — 大きい — 🎭', i });
    expect(envelope(codec, codec.encode('n1', 'n2', batch)).batch).toEqual(batch);
  });

  it.each([2, 0, -1, 1.5, '1', null, [1]])('rejects envelope version %j as unknown-version', (v) => {
    const r = rejection(codec, raw(codec, [v, 'n1', 'n2', []]));
    expect(r).toEqual({ reject: 'unknown-version', detail: `envelope version ${JSON.stringify(v)}` });
  });

  it('keeps the detail of an unknown version short', () => {
    const r = rejection(codec, raw(codec, ['x'.repeat(10_000), 'n1', 'n2', []]));
    expect(r.reject).toBe('unknown-version');
    expect(r.detail).toBe(`envelope version "${'x'.repeat(19)}`);
  });

  it('checks the version before the rest of the envelope', () => {
    expect(rejection(codec, raw(codec, [2, 7, 7, 'not a batch'])).reject).toBe('unknown-version');
  });

  it.each([
    ['an object', { v: 1, from: 'n1', to: 'n2', batch: [] }],
    ['a number', 1],
    ['a string', 'n1'],
    ['null', null],
    ['3 elements', [1, 'n1', 'n2']],
    ['5 elements', [1, 'n1', 'n2', [], 'extra']],
  ])('rejects %s as a malformed envelope', (_, value) => {
    expect(rejection(codec, raw(codec, value))).toEqual({
      reject: 'malformed-envelope',
      detail: 'not a 4-element envelope',
    });
  });

  it.each([
    ['a number', 7],
    ['an empty string', ''],
    ['a subject wildcard', 'n1.*'],
    ['a path', 'n1/user'],
    ['a non-thread suffix', 'n1.x0'],
    ['a space', 'n 1'],
  ])('rejects a sender or recipient id that is %s', (_, id) => {
    expect(rejection(codec, raw(codec, [1, id, 'n2', []]))).toEqual({
      reject: 'malformed-envelope',
      detail: 'bad sender node id',
    });
    expect(rejection(codec, raw(codec, [1, 'n1', id, []]))).toEqual({
      reject: 'malformed-envelope',
      detail: 'bad recipient node id',
    });
  });

  it.each([
    ['an object', { 0: 1 }],
    ['a string', '1,user/a,hi'],
    ['null', null],
  ])('rejects a batch that is %s', (_, batch) => {
    expect(rejection(codec, raw(codec, [1, 'n1', 'n2', batch]))).toEqual({
      reject: 'malformed-envelope',
      detail: 'the batch is not an array',
    });
  });

  it('rejects a truncated envelope as undecodable, with a short detail', () => {
    const bytes = codec.encode('n1', 'n2', [1, 'user/a', { text: 'x'.repeat(500) }]);
    const r = rejection(codec, bytes.subarray(0, bytes.length - 10));
    expect(r.reject).toBe('undecodable');
    expect(r.detail.length).toBeLessThanOrEqual(120);
  });

  it('never throws on random bytes: each input is an envelope or a rejection with a known cause', () => {
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 0xff;
    const causes = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const bytes = Uint8Array.from({ length: 1 + (i % 64) }, random);
      if (i % 3 === 0) bytes[0] = codec.name === 'json' ? 0x5b : 0x94; // start like an envelope
      const r = codec.decode(bytes);
      if ('reject' in r) {
        causes.add(r.reject);
        expect(typeof r.detail).toBe('string');
      } else expect(Array.isArray(r.batch)).toBe(true);
    }
    expect(
      [...causes].every((c) => ['undecodable', 'malformed-envelope', 'unknown-version'].includes(c)),
    ).toBe(true);
    expect(causes.has('undecodable')).toBe(true);
  });
});

describe('the msgpack codec', () => {
  const codec = msgpackCodec();
  const roundTrip = (value: unknown) =>
    envelope(codec, codec.encode('n1', 'n2', [1, 'user/a', value])).batch[2];

  it('keeps Dates, Sets, typed arrays, undefined, BigInt and large numbers', () => {
    const value = {
      at: new Date(1_700_000_000_000),
      set: new Set(['a', 'b']),
      bytes: new Uint8Array([1, 2, 255]),
      floats: new Float64Array([0.5, -1]),
      nothing: undefined,
      big: 2n ** 70n,
      large: 2 ** 40,
      fraction: 0.1,
    };
    expect(roundTrip(value)).toEqual(value);
    expect((roundTrip(value) as { large: unknown }).large).toBe(2 ** 40); // a number, not a BigInt
  });

  it('decodes a MessagePack map from a foreign sender as a plain object with string keys', () => {
    const foreign = new Packr({ useRecords: false, mapsAsObjects: false });
    const bytes = foreign.pack([1, 'py', 'n2', [1, 'user/a', new Map<unknown, unknown>([[1, 'one']])]]);
    expect(envelope(codec, bytes).batch[2]).toEqual({ 1: 'one' });
  });

  it('sends an object referenced twice as two copies', () => {
    const shared = { n: 1 };
    const back = roundTrip({ a: shared, b: shared }) as { a: object; b: object };
    expect(back.a).toEqual(shared);
    expect(back.a).not.toBe(back.b);
  });

  it('refuses a cycle at the sender with UnserializableMessageError, the RangeError as cause', () => {
    const cyclic: Record<string, unknown> = { n: 1 };
    cyclic.self = cyclic;
    let e: unknown;
    try {
      codec.encode('n1', 'n2', [1, 'user/a', cyclic]);
    } catch (err) {
      e = err;
    }
    expect(isUnserializableMessageError(e)).toBe(true);
    expect((e as Error).message).toMatch(
      /contains a cycle \(or is nested too deeply\).*replace back-references by ids/,
    );
    expect((e as Error).cause).toBeInstanceOf(RangeError);
  });

  it('rejects an empty input', () => {
    expect(codec.decode(new Uint8Array(0))).toHaveProperty('reject');
  });
});

describe('the json codec', () => {
  const codec = jsonCodec();
  const roundTrip = (value: unknown) =>
    envelope(codec, codec.encode('n1', 'n2', [1, 'user/a', value])).batch[2];

  it('keeps what JSON keeps: Dates as ISO text, no undefined fields, Infinity and NaN as null', () => {
    expect(
      roundTrip({ at: new Date(0), gone: undefined, inf: Number.POSITIVE_INFINITY, nan: Number.NaN, ok: 1 }),
    ).toEqual({ at: '1970-01-01T00:00:00.000Z', inf: null, nan: null, ok: 1 });
  });

  it('throws at the sender for a BigInt', () => {
    expect(() => codec.encode('n1', 'n2', [1, 'user/a', 1n])).toThrow(TypeError);
  });

  it('rejects invalid UTF-8 as undecodable', () => {
    const bytes = new Uint8Array([0x5b, 0x31, 0x2c, 0x22, 0xff, 0xfe, 0x22, 0x5d]); // [1,"\xff\xfe"]
    expect(rejection(codec, bytes).reject).toBe('undecodable');
  });

  it('rejects an empty input as undecodable', () => {
    expect(rejection(codec, new Uint8Array(0)).reject).toBe('undecodable');
  });

  it('accepts whitespace around an envelope', () => {
    const bytes = new TextEncoder().encode(' \n[1, "n1", "n2", [5, 1, 2]]\n');
    expect(envelope(codec, bytes)).toEqual({ from: 'n1', to: 'n2', batch: [5, 1, 2] });
  });
});
