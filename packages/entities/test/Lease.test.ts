/**
 * Taking a lease (`acquire`), with a clock of the test's own: a free lease is created; one held by
 * a member is left to it; one held by a node that is not a member is taken only after its
 * revision stood still for ttl + margin, counted from when this node first saw that revision.
 */
import { describe, expect, it } from 'vitest';
import { InMemoryLeaseStore } from '../src/index.js';
import { type AcquireHost, acquire } from '../src/lease.js';

function host(
  store: InMemoryLeaseStore,
  members: string[],
  seen?: (name: string, rev: number) => number | undefined,
) {
  let now = 1000;
  const sleeps: number[] = [];
  const h: AcquireHost = {
    store,
    me: 'me',
    timing: { ttlMs: 600, marginMs: 100 },
    isMember: (n) => members.includes(n),
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
    seenAt: seen ?? (() => undefined),
  };
  return { h, sleeps, advance: (ms: number) => (now += ms) };
}

describe('acquire', () => {
  it('creates a free lease, and leaves one held by a member to it', async () => {
    const store = new InMemoryLeaseStore();
    const { h } = host(store, ['other']);
    expect(await acquire(h, 'cart.1')).toMatchObject({ kind: 'owned', renewedAt: 1000 });
    await store.create('cart.2', 'other');
    expect(await acquire(h, 'cart.2')).toEqual({ kind: 'elsewhere', holder: 'other' });
  });

  it("waits ttl + margin before taking a lost node's lease it never saw change", async () => {
    const store = new InMemoryLeaseStore();
    const rev = (await store.create('cart.3', 'lost'))!;
    const { h, sleeps } = host(store, []);
    const got = await acquire(h, 'cart.3');
    expect(sleeps).toEqual([700]);
    expect(got).toMatchObject({ kind: 'owned' });
    expect((await store.get('cart.3'))!.revision).toBeGreaterThan(rev);
  });

  it('counts from when it first saw the revision, so a lease already stale is taken at once', async () => {
    const store = new InMemoryLeaseStore();
    const rev = (await store.create('cart.4', 'lost'))!;
    const { h, sleeps } = host(store, [], (name, r) =>
      name === 'cart.4' && r === rev ? 1000 - 650 : undefined,
    );
    await acquire(h, 'cart.4');
    expect(sleeps).toEqual([50]); // seen 650 ms ago: 50 ms of the 700 are left
    const rev5 = (await store.create('cart.5', 'lost'))!;
    const old = host(store, [], (name, r) => (name === 'cart.5' && r === rev5 ? 0 : undefined));
    await acquire(old.h, 'cart.5');
    expect(old.sleeps).toEqual([0]);
  });

  it('does not take a lease whose holder renews while it waits (a member cut off from us, not from the store)', async () => {
    const store = new InMemoryLeaseStore();
    let rev = (await store.create('cart.6', 'away'))!;
    let renewals = 0;
    const { h } = host(store, []);
    const sleep = h.sleep;
    const renewing: AcquireHost = {
      ...h,
      sleep: async (ms) => {
        await sleep(ms);
        if (renewals++ < 3)
          rev = (await store.update('cart.6', 'away', rev))!; // the holder renewed meanwhile
        else await store.remove('cart.6', rev); // and finally gave it up
      },
    };
    expect(await acquire(renewing, 'cart.6')).toMatchObject({ kind: 'owned' });
    expect(renewals).toBe(4);
    expect(store.grants.filter((g) => g.name === 'cart.6').map((g) => g.holder)).toEqual([
      'away',
      'away',
      'away',
      'away',
      'me',
    ]);
  });
});
