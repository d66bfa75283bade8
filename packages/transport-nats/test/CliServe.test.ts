// `troupe node` as a server: --spawn starts supervised actors at boot, --expose lets any NATS
// client call them (here the standard-library Python client and a plain NATS client), and error
// replies leave the system without stacks unless --reply-stacks (or expose({ stacks })) asks.
import { execFile } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { type ActorSystem, createActorSystem } from '@troupe/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nats } from '../src/index.js';
import { type NatsServer, startNatsServer, startNode, type TroupeNodeProcess } from '../src/testing.js';

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const catalog = fileURLToPath(new URL('./fixtures/serveCatalog.mjs', import.meta.url));
const pythonClient = fileURLToPath(new URL('../examples/call_exposed.py', import.meta.url));

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function run(file: string, args: readonly string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(file, args, { encoding: 'utf8', timeout: 10_000 }, (error, stdout, stderr) =>
      resolve({
        code: error === null ? 0 : typeof error.code === 'number' ? error.code : null,
        stdout,
        stderr,
      }),
    );
  });
}

/** examples/call_exposed.py with these arguments, against the test's server. */
function callExposed(...args: string[]): Promise<Run> {
  return run('python3', [pythonClient, '--nats', server.url, ...args]);
}

/** The reply body of a request to the actor exposed as `name`, parsed. */
async function request(nc: NatsConnection, system: string, name: string, body: unknown): Promise<any> {
  const msg = await nc.request(`troupe.${system}.svc.${name}`, JSON.stringify(body), { timeout: 5000 });
  return JSON.parse(msg.string());
}

let server: NatsServer;
let nc: NatsConnection;
const nodes: TroupeNodeProcess[] = [];
const systems: ActorSystem[] = [];

beforeAll(async () => {
  server = await startNatsServer();
  nc = await connect({ servers: server.url });
});
afterAll(async () => {
  await nc?.close();
  for (const s of systems) await s.shutdown();
  for (const n of nodes) await n.kill();
  await server?.stop();
});

describe('troupe node --spawn --expose', () => {
  it('serves a spawned actor to a Python client and a NATS client, restarts it after a crash, and keeps stacks out of error replies', async () => {
    // Nobody exposes this name: the Python client says so at once, with exit code 2.
    const nobody = callExposed('shop', 'nobody', '1');
    const [plain, dev] = await Promise.all(
      ['shop', 'dev'].map((system) =>
        startNode({
          nats: server.url,
          system,
          catalog,
          args: [
            '--spawn',
            'counter=serve.counter:{"start":40}',
            '--expose',
            'counter',
            ...(system === 'dev' ? ['--reply-stacks'] : []),
          ],
        }),
      ),
    );
    nodes.push(plain!, dev!);
    expect(plain!.output.join('')).toContain(
      'actor counter started (serve.counter), exposed on troupe.shop.svc.counter',
    );

    // The Python client (standard library only) speaks the NATS protocol itself.
    const py = await callExposed('shop', 'counter', '{"op":"add","n":2}');
    expect(py).toEqual({ code: 0, stdout: '{"ok":true,"value":42}\n', stderr: '' });
    expect(await request(nc, 'shop', 'counter', { op: 'get' })).toEqual({ ok: true, value: 42 });

    // A crash: the caller gets the error without a stack; the root guardian restarts the actor
    // with its init argument again (40, not the 42 it had).
    const crash = await nc.request('troupe.shop.svc.counter', '{"op":"crash"}', { timeout: 5000 });
    const reply = JSON.parse(crash.string());
    expect(reply).toEqual({
      ok: false,
      error: { name: 'ActorFailedError', message: expect.stringContaining('TypeError: the counter crashed') },
    });
    expect(crash.string()).not.toContain('file://');
    expect(await request(nc, 'shop', 'counter', { op: 'get' })).toEqual({ ok: true, value: 40 });
    expect(plain!.output.join('')).toContain(
      'actor counter failed (TypeError: the counter crashed on purpose): restart',
    );
    const pyCrash = await callExposed('shop', 'counter', '{"op":"crash"}');
    expect(pyCrash.code).toBe(1);
    expect(JSON.parse(pyCrash.stdout)).toMatchObject({ ok: false, error: { name: 'ActorFailedError' } });
    expect(await request(nc, 'shop', 'counter', { op: 'add', n: 1 })).toEqual({ ok: true, value: 41 });

    // --reply-stacks: the stack and the cause, for development.
    const withStack = await request(nc, 'dev', 'counter', { op: 'crash' });
    expect(withStack.error.stack).toMatch(/^ActorFailedError: /);
    expect(withStack.error.cause).toMatchObject({
      name: 'TypeError',
      message: 'the counter crashed on purpose',
      stack: expect.stringContaining('serveCatalog.mjs'),
    });

    const none = await nobody;
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/nobody answers on troupe\.shop\.svc\.nobody/);
  });

  it('adds stacks to error replies only when expose() is given stacks: true', async () => {
    const system = await createActorSystem({
      name: 'api',
      catalog: [pathToFileURL(catalog)],
      transports: [nats({ servers: server.url })],
    });
    systems.push(system);
    await system.expose(system.spawn('serve.counter', undefined, { name: 'terse' }), 'terse');
    await system.expose(system.spawn('serve.counter', undefined, { name: 'verbose' }), 'verbose', {
      stacks: true,
    });
    const terse = await request(nc, 'api', 'terse', { op: 'crash' });
    expect(Object.keys(terse.error).sort()).toEqual(['message', 'name']);
    const verbose = await request(nc, 'api', 'verbose', { op: 'crash' });
    expect(verbose.error.cause.stack).toContain('serveCatalog.mjs');
    await expect(
      system.expose(system.spawn('serve.counter'), 'x', { stacks: 'yes' as unknown as boolean }),
    ).rejects.toThrow(/stacks must be true or false, got "yes"/);
  });
});

describe('troupe node argument errors', () => {
  it('refuses a bad --spawn, --expose or --threads with one line naming the problem, the usage, and exit code 2', async () => {
    const cases: [string[], RegExp][] = [
      [['--bogus'], /^troupe node: unknown option '--bogus' \(the options are listed below\)$/],
      [['--threads', '-1'], /^troupe node: --threads must be a whole number ≥ 0, got -1$/],
      [['--heartbeat-ms', '-5'], /^troupe node: --heartbeat-ms must be a whole number of milliseconds/],
      [
        ['--system', '--spawn'],
        /^troupe node: --system needs a value, but the next argument starts with '-'/,
      ],
      [
        ['--spawn', 'counter'],
        /^troupe node: --spawn must be NAME=BEHAVIOUR or NAME=BEHAVIOUR:JSON, got 'counter'$/,
      ],
      [
        ['--spawn', 'a.b=serve.counter'],
        /the actor name must be letters, digits, '_' and '-' only .* got 'a\.b'$/,
      ],
      [
        ['--spawn', 'c=shop.nope'],
        /^troupe node: --spawn c=shop\.nope: no behaviour 'shop\.nope' in the catalog; it has: serve\.counter$/,
      ],
      [
        ['--spawn', 'c=serve.counter:{start:1}'],
        /^troupe node: --spawn c=serve\.counter:\{start:1\}: the init argument after ':' must be JSON/,
      ],
      [['--spawn', 'c=serve.counter', '--spawn', 'c=serve.counter'], /the actor name 'c' is given twice/],
      [
        ['--spawn', 'c=serve.counter', '--expose', 'd'],
        /^troupe node: --expose d: no actor of that name is started with --spawn \(started: c\)$/,
      ],
      [
        ['--expose', 'c'],
        /^troupe node: --expose c: no actor of that name is started; start it with --spawn c=BEHAVIOUR$/,
      ],
      [
        ['--spawn', 'c=serve.counter', '--reply-stacks'],
        /--reply-stacks applies to the replies of exposed actors/,
      ],
    ];
    const results = await Promise.all(
      cases.map(([args]) =>
        run(process.execPath, [
          cli,
          'node',
          '--nats',
          'nats://127.0.0.1:1',
          '--system',
          'shop',
          '--catalog',
          catalog,
          ...args,
        ]),
      ),
    );
    for (const [i, [args, message]] of cases.entries()) {
      const r = results[i]!;
      const [first, blank, usage] = r.stderr.split('\n');
      expect(first, args.join(' ')).toMatch(message);
      expect([blank, usage?.slice(0, 18)], args.join(' ')).toEqual(['', 'Usage: troupe node']);
      expect(r.code, args.join(' ')).toBe(2);
    }
  });
});
