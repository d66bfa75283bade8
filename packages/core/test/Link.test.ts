import { describe, expect, it } from 'vitest';
import { Link } from '../src/remote/Link.js';

const turn = () => new Promise<void>((r) => setImmediate(r));

function recorder() {
  const batches: unknown[][] = [];
  const link = new Link('peer', (_batch, e) => {
    throw e;
  });
  link.attach({ post: (batch) => batches.push([...batch]) });
  return { link, batches };
}

describe('Link (records to one peer)', () => {
  it('sends a lone request at once, and the rest of its turn as one batch', async () => {
    const { link, batches } = recorder();
    link.push4(3, '/a', 'first', 1);
    expect(batches).toEqual([[3, '/a', 'first', 1]]); // before the turn ends
    link.push4(3, '/a', 'second', 2);
    link.push3(1, '/a', 'third');
    expect(batches).toHaveLength(1);
    await turn();
    expect(batches).toEqual([
      [3, '/a', 'first', 1],
      [3, '/a', 'second', 2, 1, '/a', 'third'],
    ]);
  });

  it('keeps batching while the traffic comes in batches, and keeps the order', async () => {
    const { link, batches } = recorder();
    link.push3(1, '/a', 0); // a quiet link: leaves at once
    for (let i = 1; i <= 5; i++) link.push3(1, '/a', i);
    await turn();
    expect(batches).toHaveLength(2);
    // The last turn ended with a batch: this turn's records all wait for the end of the turn.
    for (let i = 6; i <= 8; i++) link.push3(1, '/a', i);
    expect(batches).toHaveLength(2);
    await turn();
    expect(batches[2]).toEqual([1, '/a', 6, 1, '/a', 7, 1, '/a', 8]);
    // One record a turn again: the link goes back to sending it at once.
    link.push3(1, '/a', 9);
    await turn();
    link.push3(1, '/a', 10);
    expect(batches.at(-1)).toEqual([1, '/a', 10]);
    expect(batches.flat().filter((_, i) => i % 3 === 2)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('never lets a record overtake a queued control record', async () => {
    const { link, batches } = recorder();
    link.pushControl(8, { c: 'shutdown' });
    link.push3(1, '/a', 'after');
    expect(batches).toHaveLength(0);
    await turn();
    expect(batches).toEqual([[8, { c: 'shutdown' }, 1, '/a', 'after']]);
  });

  it('stays batching after a turn so large it was posted in pieces', async () => {
    const { link, batches } = recorder();
    link.push3(1, '/a', 'lone');
    await turn();
    for (let i = 0; i < 1000; i++) link.push3(1, '/a', i);
    await turn();
    const before = batches.length;
    link.push3(1, '/a', 'x');
    link.push3(1, '/a', 'y');
    expect(batches).toHaveLength(before); // waits for the end of the turn
    await turn();
    expect(batches.at(-1)).toEqual([1, '/a', 'x', 1, '/a', 'y']);
  });
});
