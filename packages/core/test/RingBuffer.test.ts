import { describe, expect, it } from 'vitest';
import { RingBuffer } from '../src/mailbox/RingBuffer.js';

describe('RingBuffer', () => {
  it('keeps FIFO order across growth and wrap-around', () => {
    const rb = new RingBuffer<number>(2);
    const out: number[] = [];
    let next = 0;
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < round; i++) rb.push(next++);
      for (let i = 0; i < Math.floor(round / 2); i++) out.push(rb.shift()!);
    }
    while (!rb.isEmpty()) out.push(rb.shift()!);
    expect(out).toEqual(Array.from({ length: next }, (_, i) => i));
  });

  it('reports its length and returns undefined when empty', () => {
    const rb = new RingBuffer<string>();
    expect(rb.shift()).toBeUndefined();
    rb.push('a');
    rb.push('b');
    expect(rb.length).toBe(2);
    expect(rb.peek()).toBe('a');
    rb.clear();
    expect(rb.length).toBe(0);
  });
});
