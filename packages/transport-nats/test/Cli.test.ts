import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { isInvalidOptionsError } from '@troupe/core';
import { describe, expect, it } from 'vitest';
import { nats } from '../src/index.js';

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const catalog = fileURLToPath(new URL('./fixtures/catalog.mjs', import.meta.url));

/** `troupe node` with these arguments: it must refuse them before connecting anywhere. */
function troupeNode(...args: string[]) {
  const r = spawnSync(
    process.execPath,
    [cli, 'node', '--nats', 'nats://127.0.0.1:1', '--system', 'shop', '--catalog', catalog, ...args],
    { encoding: 'utf8', timeout: 10_000 },
  );
  return { status: r.status, error: r.stderr.split('\n')[0] ?? '', stderr: r.stderr };
}

describe('nats() membership timing', () => {
  it('refuses a heartbeat that is not a usable number of milliseconds, and a down-after not above it', () => {
    const refused = (options: Parameters<typeof nats>[0]) => {
      try {
        nats(options);
      } catch (e) {
        return isInvalidOptionsError(e) ? (e as Error).message : `not InvalidOptionsError: ${e}`;
      }
      return 'accepted';
    };
    expect(refused({ heartbeatMs: Number.NaN })).toMatch(
      /heartbeatMs must be a number of milliseconds from 10/,
    );
    expect(refused({ heartbeatMs: 0 })).toMatch(/heartbeatMs must be/);
    expect(refused({ heartbeatMs: 1000, downAfterMs: 500 })).toMatch(
      /downAfterMs \(500\) must be longer than heartbeatMs \(1000\)/,
    );
    expect(refused({ downAfterMs: 400 })).toMatch(/longer than heartbeatMs \(500\)/); // against the default
    expect(refused({ heartbeatMs: 100, downAfterMs: 400 })).toBe('accepted');
  });
});

describe('troupe node', () => {
  it('refuses bad timing, names and files with exit code 2 and a line naming the option', () => {
    const cases: [string[], RegExp][] = [
      [
        ['--heartbeat-ms', 'abc'],
        /^troupe node: --heartbeat-ms must be a whole number of milliseconds, 10 or more, got abc$/,
      ],
      [['--down-after-ms', '0'], /--down-after-ms must be a whole number of milliseconds/],
      [
        ['--heartbeat-ms', '1000', '--down-after-ms', '500'],
        /--down-after-ms \(500\) must be longer than --heartbeat-ms \(1000\)/,
      ],
      [['--node-id', 'a.b'], /--node-id must be letters, digits, '_' and '-' only .* got 'a\.b'/],
      [['--catalog', 'no/such/behaviours.js'], /--catalog no\/such\/behaviours\.js: no such file/],
    ];
    for (const [args, message] of cases) {
      const r = troupeNode(...args);
      expect(r.error, args.join(' ')).toMatch(message);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    }
  });

  it('checks the system name against the NATS rule first', () => {
    const r = spawnSync(
      process.execPath,
      [cli, 'node', '--nats', 'nats://127.0.0.1:1', '--system', 'a.b', '--catalog', catalog],
      { encoding: 'utf8', timeout: 10_000 },
    );
    expect(r.stderr.split('\n')[0]).toMatch(
      /--system must be letters, digits, '_' and '-' only .* got 'a\.b'/,
    );
    expect(r.status).toBe(2);
  });
});
