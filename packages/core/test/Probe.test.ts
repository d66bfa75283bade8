import { afterEach, describe, expect, it } from 'vitest';
import { type ActorSystem, createActorSystem } from '../src/index.js';
import { createProbe } from '../src/testing/index.js';
import { waitFor } from './helpers.js';

let system: ActorSystem | undefined;
afterEach(async () => {
  await system?.shutdown();
  system = undefined;
});

describe('createProbe', () => {
  it('resolves expect with the next matching message, in order, also for messages already received', async () => {
    system = await createActorSystem({ name: 'test' });
    const probe = createProbe<string>(system);
    probe.ref.tell('a');
    probe.ref.tell('b');
    await waitFor(() => probe.received.length === 2, 2000, 'two messages');
    expect(await probe.expect()).toBe('a');
    expect(await probe.expect()).toBe('b');
    const later = probe.expect((m) => m === 'c');
    probe.ref.tell('c');
    expect(await later).toBe('c');
  });

  it('an expect that timed out does not consume a later matching message nor skip the ones before it', async () => {
    system = await createActorSystem({ name: 'test' });
    const probe = createProbe<string>(system);
    await expect(probe.expect((m) => m === 'late', 20)).rejects.toThrow(/no matching message within 20 ms/);
    probe.ref.tell('first');
    probe.ref.tell('late');
    await waitFor(() => probe.received.length === 2, 2000, 'two messages');
    // Nothing has been expected since the timeout: the next expect starts at 'first'.
    expect(await probe.expect(undefined, 200)).toBe('first');
    expect(await probe.expect(undefined, 200)).toBe('late');
  });
});
