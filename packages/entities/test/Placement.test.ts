/**
 * The placement functions: least-loaded picks the member with the fewest activations, breaks
 * ties by rendezvous hashing, and gives the same answer whatever the order of the members.
 */
import { defineActor } from '@troupe/core';
import { describe, expect, it } from 'vitest';
import { defineEntity } from '../src/index.js';
import { ownerOf } from '../src/keys.js';
import { leastLoaded, placeOf, rebalances } from '../src/placement.js';

const Echo = defineActor<string, undefined, string, string>({
  name: 'test.placement.echo',
  receive: (ctx, _s, m) => ctx.reply(m),
});

describe('placement', () => {
  const members = ['n-a', 'n-b', 'n-c', 'n-d'];

  it('least-loaded picks the member with the fewest activations', () => {
    const loads: Record<string, number> = { 'n-a': 12, 'n-b': 3, 'n-c': 9, 'n-d': 40 };
    for (let shard = 0; shard < 64; shard++)
      expect(leastLoaded(members, shard, (n) => loads[n]!)).toBe('n-b');
  });

  it('least-loaded breaks ties by rendezvous hashing, the same answer in any member order', () => {
    const loads: Record<string, number> = { 'n-a': 5, 'n-b': 7, 'n-c': 5, 'n-d': 5 };
    const tied = ['n-a', 'n-c', 'n-d'];
    const chosen = new Set<string>();
    for (let shard = 0; shard < 64; shard++) {
      const pick = leastLoaded(members, shard, (n) => loads[n]!);
      expect(pick).toBe(ownerOf(tied, shard));
      expect(leastLoaded([...members].reverse(), shard, (n) => loads[n]!)).toBe(pick);
      chosen.add(pick!);
    }
    expect([...chosen].sort()).toEqual(tied); // ties spread over the tied members, not to one
    expect(leastLoaded([], 0, () => 0)).toBeUndefined();
  });

  it('placeOf follows the type: rendezvous, prefer-local, least-loaded, a function', () => {
    const type = (placement: Parameters<typeof defineEntity>[0]['placement']) =>
      defineEntity({ name: 't', behaviour: Echo, ...(placement ? { placement } : {}) });
    const load = (n: string) => (n === 'n-c' ? 0 : 10);
    expect(placeOf(type('rendezvous'), members, 5, 'n-a', load)).toBe(ownerOf(members, 5));
    expect(placeOf(type('prefer-local'), members, 5, 'n-a', load)).toBe('n-a');
    expect(placeOf(type('least-loaded'), members, 5, 'n-a', load)).toBe('n-c');
    expect(
      placeOf(
        type(() => 'n-d'),
        members,
        5,
        'n-a',
        load,
      ),
    ).toBe('n-d');
    expect(
      placeOf(
        type(() => 'elsewhere'),
        members,
        5,
        'n-a',
        load,
      ),
    ).toBe(ownerOf(members, 5));
    expect(rebalances(type('rendezvous'))).toBe(true);
    expect(rebalances(type('least-loaded'))).toBe(false);
    expect(rebalances(type('prefer-local'))).toBe(false);
  });
});
