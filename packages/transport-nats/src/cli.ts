#!/usr/bin/env node
/**
 * `troupe node`: start a node that joins a Troupe system over NATS and hosts the actors of a
 * catalog module, on its main thread and on worker threads. Ctrl-C (SIGINT) or SIGTERM leaves
 * gracefully: peers see `leave`, not `down`.
 *
 *   troupe node --nats nats://host:4222 --system NAME --catalog ./behaviours.js [--threads N]
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { createActorSystem } from '@troupe/core';
import { membershipTiming } from './membership.js';
import { nats } from './NatsTransport.js';
import { TOKEN_RE } from './subjects.js';

const USAGE = `Usage: troupe node --nats URL[,URL...] --system NAME --catalog FILE [--catalog FILE ...] [options]

  --nats URLS          NATS server(s), comma-separated (a cluster: list them all)
  --system NAME        the system to join (letters, digits, '_' and '-')
  --catalog FILE       a catalog module: compiled .js, or .ts loaded through tsx
                       (npm i -D tsx where the node runs); repeatable
  --threads N          worker threads for placement on this node's threads (default 0)
  --node-id ID         this node's id (default: generated)
  --user U --pass P    NATS user and password (or TROUPE_NATS_USER / TROUPE_NATS_PASS)
  --token T            NATS token (or TROUPE_NATS_TOKEN)
  --creds FILE         NATS credentials file (JWT + nkey seed)
  --nkey FILE          NATS nkey: a file holding the user's seed (SU...)
  --codec msgpack|json wire encoding (default msgpack)
  --tls-ca FILE        CA certificate to verify the server (enables TLS)
  --nats-options JSON  more NATS connection options, e.g. '{"pingInterval":5000}' or
                       '{"tls":{"caFile":"ca.pem","certFile":"node.pem","keyFile":"node-key.pem"}}'
  --heartbeat-ms MS    how often this node heartbeats, 10 or more (default 500)
  --down-after-ms MS   declare a silent node down after this long, more than the
                       heartbeat (default 2000)
  -h, --help           this text`;

function fail(message: string): never {
  console.error(`troupe node: ${message}\n\n${USAGE}`);
  process.exit(2);
}

const argv = process.argv.slice(2);
if (argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
  console.log(USAGE);
  process.exit(0);
}
if (argv[0] !== 'node')
  fail(
    argv[0] === undefined
      ? "missing command: 'node'"
      : `unknown command '${argv[0]}' (the command is 'node')`,
  );

const { values } = (() => {
  try {
    return parseArgs({
      args: argv.slice(1),
      options: {
        nats: { type: 'string' },
        system: { type: 'string' },
        catalog: { type: 'string', multiple: true },
        threads: { type: 'string', default: '0' },
        'node-id': { type: 'string' },
        user: { type: 'string' },
        pass: { type: 'string' },
        token: { type: 'string' },
        creds: { type: 'string' },
        nkey: { type: 'string' },
        codec: { type: 'string', default: 'msgpack' },
        'tls-ca': { type: 'string' },
        'heartbeat-ms': { type: 'string' },
        'nats-options': { type: 'string' },
        'down-after-ms': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (e) {
    return fail((e as Error).message);
  }
})();
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
if (values.nats === undefined) fail('--nats is required');
if (values.system === undefined) fail('--system is required');
if (values.catalog === undefined || values.catalog.length === 0) fail('at least one --catalog is required');
for (const file of values.catalog) {
  if (!existsSync(resolve(file))) fail(`--catalog ${file}: no such file (${resolve(file)})`);
}
// Both are tokens of NATS subjects (checked here first: the system's own rule for names is wider).
if (!TOKEN_RE.test(values.system))
  fail(
    `--system must be letters, digits, '_' and '-' only (it is part of NATS subjects), got '${values.system}'`,
  );
if (values['node-id'] !== undefined && !TOKEN_RE.test(values['node-id']))
  fail(
    `--node-id must be letters, digits, '_' and '-' only (it is part of NATS subjects), got '${values['node-id']}'`,
  );
/** A whole number of milliseconds given to `flag`, or undefined if it was not given. */
function millis(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 10)
    fail(`${flag} must be a whole number of milliseconds, 10 or more, got ${value}`);
  return n;
}
const heartbeatMs = millis('--heartbeat-ms', values['heartbeat-ms']);
const downAfterMs = millis('--down-after-ms', values['down-after-ms']);
const timing = membershipTiming({
  ...(heartbeatMs === undefined ? {} : { heartbeatMs }),
  ...(downAfterMs === undefined ? {} : { downAfterMs }),
});
if (typeof timing === 'string')
  fail(timing.replaceAll('heartbeatMs', '--heartbeat-ms').replaceAll('downAfterMs', '--down-after-ms'));
const threads = Number(values.threads);
if (!Number.isInteger(threads) || threads < 0)
  fail(`--threads must be a whole number ≥ 0, got ${values.threads}`);
if (values.codec !== 'msgpack' && values.codec !== 'json')
  fail(`--codec must be msgpack or json, got ${values.codec}`);

let natsOptions: Record<string, unknown> = {};
if (values['nats-options'] !== undefined) {
  try {
    natsOptions = JSON.parse(values['nats-options']) as Record<string, unknown>;
  } catch (e) {
    fail(`--nats-options must be a JSON object: ${(e as Error).message}`);
  }
  if (typeof natsOptions !== 'object' || natsOptions === null || Array.isArray(natsOptions))
    fail('--nats-options must be a JSON object');
}
const user = values.user ?? process.env.TROUPE_NATS_USER;
const pass = values.pass ?? process.env.TROUPE_NATS_PASS;
const token = values.token ?? process.env.TROUPE_NATS_TOKEN;
if (values.creds !== undefined && values.nkey !== undefined) fail('give --creds or --nkey, not both');
function readSecret(option: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    return fail(`${option}: cannot read ${file}: ${(e as Error).message}`);
  }
}
let authenticator: import('@nats-io/nats-core').Authenticator | undefined;
if (values.creds !== undefined) {
  const { credsAuthenticator } = await import('@nats-io/nats-core');
  authenticator = credsAuthenticator(readSecret('--creds', values.creds));
}
if (values.nkey !== undefined) {
  const { nkeyAuthenticator } = await import('@nats-io/nats-core');
  const seed = readSecret('--nkey', values.nkey).toString('utf8').trim();
  if (!/^SU[A-Z2-7]+$/.test(seed)) fail(`--nkey: ${values.nkey} does not hold a user nkey seed (SU...)`);
  authenticator = nkeyAuthenticator(new TextEncoder().encode(seed));
}
// --tls-ca adds to a `tls` object given in --nats-options (client certificate, …) instead of replacing it.
const tls =
  values['tls-ca'] === undefined
    ? undefined
    : { ...(natsOptions.tls as Record<string, unknown> | undefined), caFile: values['tls-ca'] };

try {
  const system = await createActorSystem({
    name: values.system,
    ...(values['node-id'] === undefined ? {} : { nodeId: values['node-id'] }),
    catalog: values.catalog.map((f) => pathToFileURL(resolve(f))),
    ...(threads > 0 ? { threads: { size: threads } } : {}),
    transports: [
      nats({
        servers: values.nats.split(','),
        ...natsOptions,
        codec: values.codec,
        heartbeatMs: timing.heartbeatMs,
        downAfterMs: timing.downAfterMs,
        ...(user === undefined ? {} : { user }),
        ...(pass === undefined ? {} : { pass }),
        ...(token === undefined ? {} : { token }),
        ...(authenticator === undefined ? {} : { authenticator }),
        ...(tls === undefined ? {} : { tls }),
      }),
    ],
  });
  const self = system.nodes()[0]!;
  console.log(
    `node ${self.id} joined system '${system.name}' (threads: ${self.threads.length}; catalog: ${self.catalog.join(', ')})`,
  );
  system.events.on('node', (e) =>
    console.log(`node ${e.node} ${e.event}${e.detail ? ` (${e.detail})` : ''}`),
  );
  let leaving = false;
  const leave = async (signal: string) => {
    if (leaving) return;
    leaving = true;
    console.log(`${signal}: leaving the system`);
    await system.shutdown();
    process.exit(0);
  };
  process.on('SIGINT', () => void leave('SIGINT'));
  process.on('SIGTERM', () => void leave('SIGTERM'));
} catch (e) {
  console.error(`troupe node: ${(e as Error).message}`);
  process.exit(1);
}
