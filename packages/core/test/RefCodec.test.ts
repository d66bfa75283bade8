import { describe, expect, it } from 'vitest';
import type { ActorRef } from '../src/api/ActorRef.js';
import { isUnserializableMessageError } from '../src/index.js';
import { RefEncoder, reviveRefs } from '../src/remote/codec.js';

/** Something the encoder takes for an actor ref. */
const fakeRef = (address: string) => ({ address, tell: () => undefined }) as unknown as ActorRef;
/** What the receiver makes of `{ $ref }`: a ref that says it was revived. */
const resolve = (address: string) =>
  ({ address, revived: true, tell: () => undefined }) as unknown as ActorRef;

/** Encode `value`, send it through JSON (the strictest codec), and revive it as the receiver does. */
function overJson(value: unknown): { back: unknown; revived: boolean; wire: unknown } {
  const enc = new RefEncoder();
  const wire = JSON.parse(JSON.stringify(enc.encode(value))) as unknown;
  // The receiver revives only records that say so (TellRefs, AskRefs, ReplyRefs).
  return { back: enc.hadRefs ? reviveRefs(wire, resolve) : wire, revived: enc.hadRefs, wire };
}

describe('the ref codec (values crossing to another thread or node)', () => {
  it('sends a message without refs or Maps as it is: nothing copied, nothing to revive', () => {
    const enc = new RefEncoder();
    const message = { type: 'order', lines: [{ sku: 'a', n: 2 }], tags: new Set(['x']), at: new Date(0) };
    expect(enc.encode(message)).toBe(message);
    expect(enc.hadRefs).toBe(false);
  });

  it('keeps a Map a Map, with its entries in order', () => {
    const { back, revived } = overJson({
      type: 'stock',
      levels: new Map([
        ['a', 1],
        ['b', 2],
      ]),
    });
    expect(revived).toBe(true);
    const levels = (back as { levels: unknown }).levels;
    expect(levels).toBeInstanceOf(Map);
    expect([...(levels as Map<string, number>)]).toEqual([
      ['a', 1],
      ['b', 2],
    ]);
  });

  it('keeps non-string keys, nested Maps, Maps in arrays, and a Map as the whole message', () => {
    const inner = new Map<unknown, unknown>([
      [1, 'one'],
      [true, 'yes'],
      [null, 'nothing'],
    ]);
    const value = new Map<unknown, unknown>([
      [1, 'a'],
      [2, inner],
      [{ id: 7 }, [new Map([['deep', 1]])]],
    ]);
    const { back } = overJson(value);
    expect(back).toBeInstanceOf(Map);
    const m = back as Map<unknown, unknown>;
    expect(m.get(1)).toBe('a'); // not '1'
    expect(m.get(2)).toEqual(inner);
    expect(m.get(2)).toBeInstanceOf(Map);
    const [objectKey, list] = [...m][2]!;
    expect(objectKey).toEqual({ id: 7 });
    expect((list as unknown[])[0]).toEqual(new Map([['deep', 1]]));
  });

  it('revives refs held in a Map, as values and as keys', () => {
    const value = new Map<unknown, unknown>([
      ['owner', fakeRef('troupe://sys/n2/user/a')],
      [fakeRef('troupe://sys/n2/user/b'), 'b is a key'],
    ]);
    const { back } = overJson({ refs: value });
    const m = (back as { refs: Map<unknown, unknown> }).refs;
    expect(m).toBeInstanceOf(Map);
    expect(m.get('owner')).toMatchObject({ address: 'troupe://sys/n2/user/a', revived: true });
    expect([...m.keys()][1]).toMatchObject({ address: 'troupe://sys/n2/user/b', revived: true });
  });

  it('delivers user data shaped like an encoded Map as data', () => {
    const lookalike = { $map: [['k', 'v']] };
    const { back } = overJson({ data: lookalike, real: new Map([['k', 'v']]) });
    expect((back as { data: unknown }).data).toEqual(lookalike);
    expect((back as { real: unknown }).real).toEqual(new Map([['k', 'v']]));
    expect(overJson(lookalike).back).toEqual(lookalike);
  });

  it('refuses at the sender a Map nested deeper than it looks, instead of sending it changed', () => {
    let deep: unknown = { m: new Map([['k', 'v']]) };
    for (let i = 0; i < 40; i++) deep = { next: deep };
    const err = (() => {
      try {
        new RefEncoder().encode(deep);
      } catch (e) {
        return e as Error;
      }
      return undefined;
    })();
    expect(isUnserializableMessageError(err)).toBe(true);
    expect(err?.message).toMatch(/Map.*more than 32 levels deep/);
    // Deep data without Maps or refs still goes as it is (the codec judges it).
    let plain: unknown = { leaf: 1 };
    for (let i = 0; i < 40; i++) plain = { next: plain };
    expect(new RefEncoder().encode(plain)).toBe(plain);
  });

  it('still sends refs as refs and ref lookalikes as data, next to Maps', () => {
    const value = {
      ref: fakeRef('troupe://sys/n2/user/a'),
      lookalikes: [{ $ref: 'just text' }, { $lit: 1 }],
      m: new Map([['k', { $ref: 'in a Map' }]]),
    };
    const { back } = overJson(value);
    const b = back as typeof value;
    expect(b.ref).toMatchObject({ address: 'troupe://sys/n2/user/a', revived: true });
    expect(b.lookalikes).toEqual([{ $ref: 'just text' }, { $lit: 1 }]);
    expect(b.m).toEqual(new Map([['k', { $ref: 'in a Map' }]]));
  });

  it('refuses a function or a symbol in a Map, as key or value, naming where', () => {
    const cases: [unknown, RegExp][] = [
      [{ m: new Map([['f', () => 1]]) }, /'m\.get\(f\)' is a function/],
      [{ m: new Map([[Symbol('s'), 1]]) }, /'m\.keys\(\)\[0\]' is a symbol/],
    ];
    for (const [value, where] of cases) {
      expect(() => new RefEncoder().encode(value)).toThrow(where);
    }
  });

  it('leaves a malformed encoded Map from the network as plain data', () => {
    for (const bogus of [{ $map: [['k']] }, { $map: ['k', 'v'] }, { $map: 'x' }]) {
      expect(reviveRefs(structuredClone(bogus), resolve)).toEqual(bogus);
    }
  });
});
