/**
 * The ref codec (src/remote/codec.ts), for what RefCodec.test.ts leaves out: refs at every
 * position, copy-on-write, lookalikes around real refs, buffers and transfer lists, refusals in
 * plain data, and what the reviver makes of untrusted input.
 */
import type { TransferListItem } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import type { ActorRef } from '../src/api/ActorRef.js';
import { isUnserializableMessageError } from '../src/errors.js';
import { RefEncoder, reviveRefs } from '../src/remote/codec.js';

const fakeRef = (address: string) => ({ address, tell: () => undefined }) as unknown as ActorRef;
const resolve = (address: string) =>
  ({ address, revived: true, tell: () => undefined }) as unknown as ActorRef;
const A = 'troupe://sys/n2/user/a';
const B = 'troupe://sys/n2/user/b';

/** Encode, cross a thread boundary (structured clone, with `transfer`), and revive as the receiver does. */
function overThread(value: unknown, transfer: TransferListItem[] = []): { back: unknown; encoded: unknown } {
  const enc = new RefEncoder();
  const encoded = enc.encode(value);
  const wire = structuredClone(encoded, { transfer });
  return { back: enc.hadRefs ? reviveRefs(wire, resolve) : wire, encoded };
}

/** The error `f` throws. */
function thrown(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a throw');
}

describe('RefEncoder: refs', () => {
  it('encodes a ref that is the whole message as { $ref: address }', () => {
    const enc = new RefEncoder();
    expect(enc.encode(fakeRef(A))).toEqual({ $ref: A });
    expect(enc.hadRefs).toBe(true);
    expect(overThread(fakeRef(A)).back).toMatchObject({ address: A, revived: true });
  });

  it('revives refs in arrays, nested objects and Sets', () => {
    const value = {
      list: [1, fakeRef(A)],
      deep: { x: { who: fakeRef(B) } },
      set: new Set([fakeRef(A), 'x']),
    };
    const { back, encoded } = overThread(value);
    expect(encoded).toEqual({
      list: [1, { $ref: A }],
      deep: { x: { who: { $ref: B } } },
      set: new Set([{ $ref: A }, 'x']),
    });
    const b = back as { list: unknown[]; deep: { x: { who: unknown } }; set: Set<unknown> };
    expect(b.list[1]).toMatchObject({ address: A, revived: true });
    expect(b.deep.x.who).toMatchObject({ address: B, revived: true });
    expect(b.set).toBeInstanceOf(Set);
    expect([...b.set][0]).toMatchObject({ address: A, revived: true });
  });

  it("copies only the path to a ref and never changes the sender's message", () => {
    const untouched = { big: [1, 2, 3] };
    const list = ['x', fakeRef(A), 'y'];
    const message = { untouched, list };
    const encoded = new RefEncoder().encode(message) as typeof message;
    expect(encoded).not.toBe(message);
    expect(encoded.untouched).toBe(untouched); // shared, not copied
    expect(encoded.list).not.toBe(list);
    expect(encoded.list).toEqual(['x', { $ref: A }, 'y']);
    expect(list[1]).toHaveProperty('tell'); // the sender still holds its ref
    expect(message.list).toBe(list);
  });

  it('resets hadRefs on each encode', () => {
    const enc = new RefEncoder();
    enc.encode({ who: fakeRef(A) });
    expect(enc.hadRefs).toBe(true);
    const plain = { who: 'nobody' };
    expect(enc.encode(plain)).toBe(plain);
    expect(enc.hadRefs).toBe(false);
    expect(enc.encode(7)).toBe(7);
    expect(enc.hadRefs).toBe(false);
  });

  it('sends primitives, Dates, RegExps, Errors and typed arrays as they are', () => {
    const enc = new RefEncoder();
    for (const v of [null, undefined, 0, 'text', true, 10n]) expect(enc.encode(v)).toBe(v);
    for (const v of [new Date(0), /x/g, new Error('e'), new Uint8Array(4), new ArrayBuffer(2)]) {
      expect(enc.encode(v)).toBe(v);
      expect(enc.hadRefs).toBe(false);
    }
  });
});

describe('RefEncoder: buffers and transfer lists', () => {
  it('keeps buffers by identity in an encoded copy, so a transfer list still names them', () => {
    const samples = new Float64Array([1.5, 2.5, 3.5]);
    const message = { reply: fakeRef(A), samples };
    const enc = new RefEncoder();
    const encoded = enc.encode(message) as { samples: Float64Array };
    expect(encoded).not.toBe(message);
    expect(encoded.samples).toBe(samples);
    const wire = structuredClone(encoded, { transfer: [samples.buffer as ArrayBuffer] });
    expect(samples.buffer.byteLength).toBe(0); // moved, not copied
    const back = reviveRefs(wire, resolve) as { reply: unknown; samples: Float64Array };
    expect([...back.samples]).toEqual([1.5, 2.5, 3.5]);
    expect(back.reply).toMatchObject({ address: A, revived: true });
  });

  it('moves the buffers of a message without refs, which is sent as it is', () => {
    const samples = new Uint8Array([1, 2, 3]);
    const message = { samples };
    const { back } = overThread(message, [samples.buffer as ArrayBuffer]);
    expect(samples.byteLength).toBe(0);
    expect([...(back as { samples: Uint8Array }).samples]).toEqual([1, 2, 3]);
  });
});

describe('RefEncoder: data that looks like an encoding', () => {
  it.each([
    ['a top-level $ref lookalike', { $ref: A }],
    ['a $ref lookalike with other keys', { $ref: 'x', note: 'mine' }],
    ['a $lit lookalike holding a $ref lookalike', { $lit: { $ref: A } }],
    ['escapes within escapes', { $lit: { $lit: { $map: [[1, 2]] } } }],
    ['a $lit holding null', { $lit: null }],
  ])('delivers %s as the data it is', (_, value) => {
    const enc = new RefEncoder();
    enc.encode(value);
    expect(enc.hadRefs).toBe(true); // the receiver must unescape it
    expect(overThread(value).back).toEqual(value);
  });

  it('escapes a lookalike as { $lit }', () => {
    expect(new RefEncoder().encode({ $ref: A })).toEqual({ $lit: { $ref: A } });
    expect(new RefEncoder().encode([{ $map: 1 }])).toEqual([{ $lit: { $map: 1 } }]);
  });

  it('revives a real ref that sits inside a lookalike', () => {
    const { back } = overThread({ $ref: 'just a label', owner: fakeRef(A) });
    const b = back as { $ref: unknown; owner: unknown };
    expect(b.$ref).toBe('just a label');
    expect(b.owner).toMatchObject({ address: A, revived: true });
  });
});

describe('RefEncoder: refusals', () => {
  it('refuses a function or a symbol in plain data, naming where it is', () => {
    const cases: [unknown, string][] = [
      [{ a: { b: [1, () => 0] } }, "'a.b[1]' is a function"],
      [{ s: Symbol('s') }, "'s' is a symbol"],
      [[0, [Symbol('t')]], "'[1][0]' is a symbol"],
      [() => 0, 'it is a function'],
      [Symbol('top'), 'it is a symbol'],
    ];
    for (const [value, where] of cases) {
      const e = thrown(() => new RefEncoder().encode(value));
      expect(isUnserializableMessageError(e)).toBe(true);
      expect(e.message).toContain(where);
      expect(e.message).toMatch(/send plain data \(objects, arrays, .*\) and actor refs$/);
    }
  });

  it('names what is being sent in the error', () => {
    const e = thrown(() => new RefEncoder().encode({ f: () => 0 }, 'reply'));
    expect(e.message).toMatch(/^cannot send this reply to another thread or node: 'f' is a function/);
  });

  it('refuses a ref nested more than 32 levels deep instead of sending it as a plain object', () => {
    let deep: unknown = { who: fakeRef(A) };
    for (let i = 0; i < 40; i++) deep = { next: deep };
    const e = thrown(() => new RefEncoder().encode(deep));
    expect(isUnserializableMessageError(e)).toBe(true);
    expect(e.message).toMatch(/holds an actor ref more than 32 levels deep \(or inside a cycle\)/);
  });

  it('refuses a ref inside a cycle, and sends a cycle without refs as it is', () => {
    const withRef: Record<string, unknown> = { who: fakeRef(A) };
    withRef.self = withRef;
    expect(thrown(() => new RefEncoder().encode(withRef)).message).toMatch(/an actor ref .*inside a cycle/);
    const plain: Record<string, unknown> = { n: 1 };
    plain.self = plain;
    expect(new RefEncoder().encode(plain)).toBe(plain);
  });
});

describe('reviveRefs on untrusted input', () => {
  it('revives in place and returns the same value', () => {
    const wire = { list: [{ $ref: A }] };
    const list = wire.list;
    expect(reviveRefs(wire, resolve)).toBe(wire);
    expect(wire.list).toBe(list);
    expect(list[0]).toMatchObject({ address: A, revived: true });
  });

  it.each([
    ['a $ref with other keys', { $ref: A, extra: 1 }],
    ['a $ref that is not a string', { $ref: 42 }],
    ['a $map with other keys', { $map: [], extra: 1 }],
  ])('leaves %s as plain data', (_, value) => {
    expect(reviveRefs(structuredClone(value), resolve)).toEqual(value);
  });

  it('unwraps a $lit that holds a primitive', () => {
    expect(reviveRefs({ $lit: 5 }, resolve)).toBe(5);
    expect(reviveRefs({ $lit: 'text' }, resolve)).toBe('text');
  });

  it('stops reviving below 32 levels, so hostile nesting costs a bounded walk', () => {
    let wire: unknown = { $ref: A };
    for (let i = 0; i < 40; i++) wire = { next: wire };
    let at = reviveRefs(wire, resolve) as { next?: unknown };
    for (let i = 0; i < 40; i++) at = at.next as { next?: unknown };
    expect(at).toEqual({ $ref: A }); // never resolved
  });
});
