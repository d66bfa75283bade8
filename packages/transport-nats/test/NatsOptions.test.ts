import { isInvalidOptionsError } from '@troupe/core';
import { describe, expect, it } from 'vitest';
import { nats } from '../src/index.js';

function thrown(f: () => unknown): Error | undefined {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  return undefined;
}

describe('nats({ servers })', () => {
  it('refuses an empty server list at once, saying what to give', () => {
    for (const servers of ['', '   ', [] as string[]]) {
      const err = thrown(() => nats({ servers }));
      expect(isInvalidOptionsError(err)).toBe(true);
      expect(err?.message).toMatch(
        /^nats\(\{ servers \}\) is empty: give the NATS server's address, e\.g\. 'nats:\/\/127\.0\.0\.1:4222', or a list of them, or leave servers out/,
      );
    }
  });

  it('refuses an empty address inside the list, naming its position', () => {
    const err = thrown(() => nats({ servers: ['nats://10.0.0.1:4222', ''] }));
    expect(isInvalidOptionsError(err)).toBe(true);
    expect(err?.message).toMatch(/servers\[1\] is empty/);
  });

  it('accepts an address, a list of addresses, or none', () => {
    expect(() => nats({ servers: 'nats://127.0.0.1:4222' })).not.toThrow();
    expect(() => nats({ servers: ['127.0.0.1:4222', 'nats://10.0.0.2:4222'] })).not.toThrow();
    expect(() => nats({})).not.toThrow();
  });
});
