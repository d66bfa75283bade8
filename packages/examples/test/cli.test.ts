import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runExample as run } from './run.js';

// Every example's command line, run as users run it (from the build): --help, bad input, and
// errors at run time all print a message, never a stack trace.

/** A stack trace line, as Node prints them. */
const STACK = '    at ';

const examples = [
  { script: 'ring/main.js', command: 'pnpm example:ring', option: '--ranks N' },
  { script: 'pool-map/main.js', command: 'pnpm example:pool-map', option: '--threads N' },
  { script: 'parent-child/main.js', command: 'pnpm example:parent-child', option: '--children K' },
  { script: 'supervision/main.js', command: 'pnpm example:supervision', option: '--crash-every K' },
  { script: 'order-workflow/main.js', command: 'pnpm example:order-workflow', option: '--nats URL' },
  { script: 'farm/cli.js', command: 'pnpm farm', option: '--node-threads T' },
  { script: 'bank/main.js', command: 'pnpm example:bank', option: '--accounts N' },
];

describe.each(examples)('$command', ({ script, command, option }) => {
  it('prints its usage with --help and -h, and exits 0', () => {
    for (const flag of ['--help', '-h']) {
      const r = run(script, [flag]);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).toBe('');
      expect(r.stdout).toContain(`Usage: ${command} [options]`);
      expect(r.stdout).toMatch(new RegExp(`^  ${option.replace(/[-]/g, '\\-')} +\\S`, 'm'));
      expect(r.stdout).toMatch(/^ {2}-h, --help +print this help and exit$/m);
    }
  });

  it('refuses an unknown option with exit code 2 and points to --help', () => {
    const r = run(script, ['--bogus']);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain("unknown option '--bogus'");
    expect(r.stderr).toContain(`Run '${command} --help' for the options.`);
    expect(r.stderr).not.toContain(STACK);
  });
});

describe('a bad value', () => {
  it.each([
    [
      'supervision/main.js',
      ['--jobs', 'abc'],
      'supervision: --jobs must be a whole number from 1 to 100000, got "abc"',
    ],
    [
      'supervision/main.js',
      ['--crash-every', '0'],
      'supervision: --crash-every must be a whole number ≥ 1, got "0"',
    ],
    ['ring/main.js', ['--ranks', 'abc'], 'ring: --ranks must be a whole number ≥ 2, got "abc"'],
    ['ring/main.js', ['--rounds', '1.5'], 'ring: --rounds must be a whole number ≥ 1, got "1.5"'],
    [
      'pool-map/main.js',
      ['--threads', 'abc'],
      'pool-map: --threads must be a whole number from 1 to 1024, got "abc"',
    ],
    [
      'pool-map/main.js',
      ['--threads', '0'],
      'pool-map: --threads must be a whole number from 1 to 1024, got "0"',
    ],
    [
      'parent-child/main.js',
      ['--children', '0'],
      'parent-child: --children must be a whole number from 1 to 64, got "0"',
    ],
    ['parent-child/main.js', ['--work', 'x'], 'parent-child: --work must be a whole number ≥ 0, got "x"'],
    ['farm/cli.js', ['--threads', 'abc'], 'farm: --threads must be a whole number from 0 to 256, got "abc"'],
    ['ring/main.js', ['--ranks'], 'ring: --ranks needs a value'],
  ])('%s %j exits 2 with one line naming the flag', (script, args, message) => {
    const r = run(script, args);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n')[0]).toBe(message);
    expect(r.stderr).not.toContain(STACK);
  });
});

describe('pnpm farm: options that need another option', () => {
  it.each([
    [['--pin'], '--pin pins the node processes that --nodes K starts: give --nodes K (K ≥ 1) too'],
    [['--nodes', '0', '--pin'], '--pin pins the node processes'],
    [['--node-threads', '2'], '--node-threads sets the threads of the nodes that --nodes K starts'],
    [['--out', 'charts'], '--out is where --scaling writes its chart: give --scaling too'],
    [['--scaling', '--threads', '0'], '--scaling sweeps 1..N worker threads: give --threads N with N ≥ 1'],
    [['--nats', 'nats://127.0.0.1:4222'], '--nats needs --nodes K (K ≥ 1) or --join'],
    [['--join'], '--join needs --nats URL'],
  ])('%j exits 2', (args, message) => {
    const r = run('farm/cli.js', args);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`farm: ${message}`);
    expect(r.stderr).not.toContain(STACK);
  });

  it('refuses an --out that cannot be a directory before it starts the sweep', () => {
    const file = new URL('../package.json', import.meta.url).pathname;
    const r = run('farm/cli.js', ['--scaling', '--out', join(file, 'charts'), '--tasks', '20']);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^farm: --out .*: cannot write the chart there \(ENOTDIR/);
  });
});

describe('an error at run time', () => {
  it('prints its message, no stack trace, and exits 1', () => {
    const r = run('parent-child/main.js', ['--nats', 'nats://127.0.0.1:1']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /^parent-child: NatsConnectionError: could not connect to NATS at nats:\/\/127\.0\.0\.1:1/,
    );
    expect(r.stderr).not.toContain(STACK);
  });
});
