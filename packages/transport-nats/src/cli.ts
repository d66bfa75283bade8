#!/usr/bin/env node
/**
 * `troupe node`: start a node that joins a Troupe system over NATS and hosts the actors of a
 * catalog module, on its main thread and on worker threads. It can also serve: start actors at
 * boot (`--spawn`), supervised by its root guardian, and let any NATS client call them
 * (`--expose`). Ctrl-C (SIGINT) or SIGTERM leaves gracefully: peers see `leave`, not `down`.
 *
 *   troupe node --nats nats://host:4222 --system NAME --catalog ./behaviours.js [--threads N]
 *     [--spawn NAME=BEHAVIOUR[:JSON] ...] [--expose NAME ...]
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { membershipTiming } from './membership.js';
import { serviceSubject, TOKEN_RE } from './subjects.js';

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
  --spawn NAME=BEHAVIOUR[:JSON]
                       start an actor of a catalog behaviour at boot, named NAME, with the
                       JSON as its init argument; restarted when it crashes; repeatable
  --expose NAME        let any NATS client call the --spawn actor NAME: JSON request/reply
                       on troupe.<system>.svc.NAME; repeatable
  --reply-stacks       error replies to exposed actors carry the stack (development only)
  --metrics-port N     serve this node's OpenTelemetry metrics in Prometheus' text format on
                       http://HOST:N/metrics (needs @troupe/telemetry installed)
  --metrics-host HOST  the interface for --metrics-port (default 127.0.0.1: this host only)
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

const OPTIONS = {
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
  spawn: { type: 'string', multiple: true },
  expose: { type: 'string', multiple: true },
  'reply-stacks': { type: 'boolean', default: false },
  'metrics-port': { type: 'string' },
  'metrics-host': { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} as const satisfies ParseArgsConfig['options'];

/**
 * parseArgs takes the `-1` of `--threads -1` for an option and refuses it as ambiguous; a value
 * that looks like a negative number goes to its option instead, so the option's own check names it.
 */
function negativeValuesJoined(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const next = args[i + 1];
    if (arg === '--') return [...out, ...args.slice(i)];
    const key = arg.slice(2);
    const takesValue =
      arg.startsWith('--') &&
      Object.hasOwn(OPTIONS, key) &&
      OPTIONS[key as keyof typeof OPTIONS].type === 'string';
    if (takesValue && next !== undefined && /^-\d/.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}

/** One line for a parseArgs error (its own text can run over several lines). */
function describeParseError(e: unknown): string {
  const message = (e as Error)?.message ?? String(e);
  const ambiguous = /^Option '(-[^' ]+)' argument is ambiguous/.exec(message);
  if (ambiguous !== null) {
    const option = ambiguous[1]!;
    return `${option} needs a value, but the next argument starts with '-'; for a value that starts with '-', write ${option}=VALUE`;
  }
  const missing = /^Option '(-[^' ]+)(?: <value>)?' argument missing/.exec(message);
  if (missing !== null) return `${missing[1]} needs a value`;
  const unknown = /^Unknown option '([^']+)'/.exec(message);
  if (unknown !== null) return `unknown option '${unknown[1]}' (the options are listed below)`;
  return message.split('\n')[0]!;
}

const { values } = (() => {
  try {
    return parseArgs({ args: negativeValuesJoined(argv.slice(1)), options: OPTIONS });
  } catch (e) {
    return fail(describeParseError(e));
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
const metricsPort = values['metrics-port'] === undefined ? undefined : Number(values['metrics-port']);
if (metricsPort !== undefined && !(Number.isInteger(metricsPort) && metricsPort >= 1 && metricsPort <= 65535))
  fail(`--metrics-port must be a port number from 1 to 65535, got '${values['metrics-port']}'`);
if (values['metrics-host'] !== undefined && metricsPort === undefined)
  fail('--metrics-host applies to the metrics endpoint: give --metrics-port N too');
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

/** An actor to start at boot (`--spawn NAME=BEHAVIOUR[:JSON]`). */
interface SpawnSpec {
  /** The whole option value, for messages. */
  readonly spec: string;
  readonly name: string;
  readonly behaviour: string;
  /** The init argument: the parsed JSON, or undefined when none was given. */
  readonly args: unknown;
}

/** `NAME=BEHAVIOUR[:JSON]`, split at the first '=' and the first ':' after it. */
function parseSpawn(spec: string): SpawnSpec {
  const eq = spec.indexOf('=');
  if (eq < 0) fail(`--spawn must be NAME=BEHAVIOUR or NAME=BEHAVIOUR:JSON, got '${spec}'`);
  const name = spec.slice(0, eq);
  // The name is a token of a NATS subject once exposed; one rule for every spawned actor.
  if (!TOKEN_RE.test(name))
    fail(
      `--spawn ${spec}: the actor name must be letters, digits, '_' and '-' only (it becomes part of a NATS subject with --expose), got '${name}'`,
    );
  const rest = spec.slice(eq + 1);
  const colon = rest.indexOf(':');
  const behaviour = colon < 0 ? rest : rest.slice(0, colon);
  if (behaviour === '') fail(`--spawn ${spec}: the behaviour is missing after '='`);
  if (colon < 0) return { spec, name, behaviour, args: undefined };
  try {
    return { spec, name, behaviour, args: JSON.parse(rest.slice(colon + 1)) };
  } catch (e) {
    return fail(`--spawn ${spec}: the init argument after ':' must be JSON (${(e as Error).message})`);
  }
}
const spawns = (values.spawn ?? []).map(parseSpawn);
for (const [i, s] of spawns.entries()) {
  if (spawns.findIndex((t) => t.name === s.name) !== i)
    fail(`--spawn: the actor name '${s.name}' is given twice; give each actor its own name`);
}
const exposed = values.expose ?? [];
for (const [i, name] of exposed.entries()) {
  if (!spawns.some((s) => s.name === name))
    fail(
      spawns.length === 0
        ? `--expose ${name}: no actor of that name is started; start it with --spawn ${name}=BEHAVIOUR`
        : `--expose ${name}: no actor of that name is started with --spawn (started: ${spawns.map((s) => s.name).join(', ')})`,
    );
  if (exposed.indexOf(name) !== i) fail(`--expose ${name} is given twice`);
}
if (values['reply-stacks'] && exposed.length === 0)
  fail('--reply-stacks applies to the replies of exposed actors: give --expose NAME too');

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

// Load the catalog before connecting, so that a --spawn of a behaviour it lacks is a bad option
// (exit code 2) and not a node that joins and leaves at once. The system imports the same modules.
// Core and the NATS client are imported only now: a bad option is refused without loading them.
const { BehaviourCatalog, createActorSystem } = await import('@troupe/core');
const { nats } = await import('./NatsTransport.js');
const catalogUrls = values.catalog.map((f) => pathToFileURL(resolve(f)));
const catalog = new BehaviourCatalog('troupe node');
try {
  for (const url of catalogUrls) await catalog.load(url);
} catch (e) {
  console.error(`troupe node: ${(e as Error).message}`);
  process.exit(1);
}
for (const s of spawns) {
  if (!catalog.has(s.behaviour))
    fail(
      `--spawn ${s.spec}: no behaviour '${s.behaviour}' in the catalog; it has: ${catalog.names().join(', ')}`,
    );
}

try {
  const system = await createActorSystem({
    name: values.system,
    ...(values['node-id'] === undefined ? {} : { nodeId: values['node-id'] }),
    catalog: catalogUrls,
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
  // Top-level actors: the root guardian restarts them when they crash (at most 10 times in 10 s;
  // beyond that the system stops, and so does this process, with exit code 1).
  const served = new Map<string, string>(); // address → name
  system.events.on('supervision', (e) => {
    const name = served.get(e.actor);
    if (name !== undefined)
      console.log(`actor ${name} failed (${e.error.name}: ${e.error.message}): ${e.directive}`);
  });
  try {
    for (const s of spawns) {
      const ref = system.spawn(s.behaviour, s.args, { name: s.name });
      served.set(ref.address, s.name);
      const expose = exposed.includes(s.name);
      if (expose) await system.expose(ref, s.name, { stacks: values['reply-stacks'] });
      const where = expose ? `, exposed on ${serviceSubject(system.name, s.name)}` : '';
      console.log(`actor ${s.name} started (${s.behaviour})${where}`);
    }
  } catch (e) {
    await system.shutdown(); // leave, so that the others see `leave` and not `down`
    throw e;
  }
  if (metricsPort !== undefined) {
    // Optional: only a node asked for metrics needs the telemetry package.
    let telemetry: typeof import('@troupe/telemetry');
    try {
      telemetry = await import('@troupe/telemetry');
    } catch (e) {
      await system.shutdown();
      throw new Error(
        `--metrics-port needs the package @troupe/telemetry: install it next to @troupe/transport-nats (${(e as Error).message})`,
      );
    }
    const endpoint = await telemetry
      .serveMetrics({ port: metricsPort, host: values['metrics-host'] ?? '127.0.0.1' })
      .catch(async (e: unknown) => {
        await system.shutdown();
        throw e;
      });
    telemetry.instrumentTroupe();
    telemetry.instrumentSystem(system);
    console.log(`metrics on ${endpoint.url}`);
  }
  // Printed last: the node is ready, its actors started and exposed.
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
  // A system that stopped by itself (its root guardian gave up) is a failure a process manager should see.
  void system.whenTerminated.then(() => {
    if (leaving) return;
    console.error(`troupe node: system '${system.name}' stopped after a fatal error; exiting`);
    process.exit(1);
  });
} catch (e) {
  console.error(`troupe node: ${(e as Error).message}`);
  process.exit(1);
}
