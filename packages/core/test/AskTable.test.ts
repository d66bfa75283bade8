import { describe, expect, it } from 'vitest';
import { AskTable } from '../src/remote/AskTable.js';

describe('AskTable (asks waiting for a peer, by id)', () => {
  it('finds, takes and forgets entries by id', () => {
    const t = new AskTable<string>(4);
    t.set(1, 'a');
    t.set(2, 'b');
    expect(t.get(1)).toBe('a');
    expect(t.take(1)).toBe('a');
    expect(t.get(1)).toBeUndefined();
    expect(t.take(1)).toBeUndefined();
    expect(t.size).toBe(1);
    expect(t.take(3)).toBeUndefined();
  });

  it('keeps an old ask that is still waiting when new ids wrap onto its slot', () => {
    const t = new AskTable<number>(4);
    t.set(1, 1); // never answered
    for (let id = 2; id < 1000; id++) {
      t.set(id, id);
      expect(t.take(id)).toBe(id); // answered at once
    }
    expect(t.size).toBe(1);
    expect(t.get(1)).toBe(1);
    expect(t.take(1)).toBe(1);
    expect(t.size).toBe(0);
  });

  it('grows with the asks in flight, and holds every one of them', () => {
    const t = new AskTable<number>(4);
    const ids = Array.from({ length: 5000 }, (_, i) => 7 + i * 3);
    for (const id of ids) t.set(id, -id);
    expect(t.size).toBe(5000);
    for (const id of ids) expect(t.get(id)).toBe(-id);
    for (const id of ids.filter((_, i) => i % 2 === 0)) expect(t.take(id)).toBe(-id);
    expect(t.size).toBe(2500);
    expect(t.drain().sort((a, b) => a - b)).toEqual(
      ids
        .filter((_, i) => i % 2 === 1)
        .map((id) => -id)
        .sort((a, b) => a - b),
    );
    expect(t.size).toBe(0);
    expect(t.get(ids[1]!)).toBeUndefined();
  });

  it('works with ids past 2^32', () => {
    const t = new AskTable<string>(8);
    const big = 2 ** 33 + 5;
    t.set(big, 'x');
    t.set(5, 'y'); // the same low bits
    expect(t.get(big)).toBe('x');
    expect(t.get(5)).toBe('y');
  });

  it('never matches id 0 (an empty slot) or a negative id, and drains oldest first', () => {
    const t = new AskTable<string>(4);
    t.set(9, 'c');
    t.set(5, 'b');
    t.set(1, 'a'); // 1 and 9 share a slot: 1 goes to the overflow
    for (const bad of [0, -0, -1, Number.NaN]) {
      expect(t.get(bad)).toBeUndefined();
      expect(t.take(bad)).toBeUndefined();
    }
    expect(t.size).toBe(3);
    expect(t.drain()).toEqual(['a', 'b', 'c']);
  });
});
