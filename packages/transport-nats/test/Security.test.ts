/**
 * Security of the NATS transport against a real nats-server: nkey authentication and TLS with a
 * self-signed CA made here with openssl (server certificate, then client certificates for mutual
 * TLS). Each case checks both ways of connecting: `nats({ ... })` in this process and the
 * `troupe node` command, and ends with a remote spawn and ask between the two.
 * (User/password and token are in NatsTransport.test.ts.)
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nkeyAuthenticator } from '@nats-io/nats-core';
import { createUser } from '@nats-io/nkeys';
import { type ActorSystem, createActorSystem } from '@troupe/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { awaitNodes, isNatsConnectionError, type NatsTransportOptions, nats } from '../src/index.js';
import { type NatsServer, startNatsServer, startNode, type TroupeNodeProcess } from '../src/testing.js';

const catalog = new URL('./fixtures/catalog.mjs', import.meta.url).pathname;
const fast = { heartbeatMs: 100, downAfterMs: 800 } as const;

let dir: string;
const systems: ActorSystem[] = [];
const nodes: TroupeNodeProcess[] = [];
const servers: NatsServer[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'troupe-security-'));
});
afterEach(async () => {
  for (const s of systems.splice(0)) await s.shutdown();
  for (const n of nodes.splice(0)) await n.kill();
  for (const s of servers.splice(0)) await s.stop();
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function server(options: Parameters<typeof startNatsServer>[0]): Promise<NatsServer> {
  const s = await startNatsServer(options);
  servers.push(s);
  return s;
}

/** A system in this process, connected with these options. */
async function system(name: string, options: NatsTransportOptions): Promise<ActorSystem> {
  const s = await createActorSystem({
    name,
    catalog: [new URL(`file://${catalog}`)],
    transports: [nats({ ...fast, ...options })],
  });
  systems.push(s);
  return s;
}

/** The error that creating a system with these options rejects with. */
async function refusal(options: NatsTransportOptions): Promise<Error> {
  const outcome = await createActorSystem({ name: 'refused', transports: [nats(options)] }).then(
    async (s) => {
      await s.shutdown();
      return new Error('connected, but should have been refused');
    },
    (e: Error) => e,
  );
  expect(isNatsConnectionError(outcome), outcome.message).toBe(true);
  return outcome;
}

/** A `troupe node` process with these extra arguments. */
async function node(url: string, system: string, args: string[]): Promise<TroupeNodeProcess> {
  const n = await startNode({ nats: url, system, catalog, args: ['--heartbeat-ms', '100', ...args] });
  nodes.push(n);
  return n;
}

/** Spawn an actor on `target` from `from` and ask it: the whole path works end to end. */
async function remoteSpawnAndAsk(from: ActorSystem, target: TroupeNodeProcess): Promise<void> {
  await expect.poll(() => from.nodes().some((n) => n.id === target.id), { timeout: 10_000 }).toBe(true);
  const ref = from.spawn<any, number, void, any>('nats.echo', undefined, { placement: { node: target.id } });
  expect(await ref.ask({ type: 'echo', value: 'across' }, { timeoutMs: 5000 })).toBe('across');
  const where = await ref.ask({ type: 'where' }, { timeoutMs: 5000 });
  expect(where.pid).toBe(target.pid);
  expect(where.address).toContain(`/${target.id}/`);
}

function write(name: string, text: string | Uint8Array): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  chmodSync(file, 0o600);
  return file;
}

describe('nkey authentication', () => {
  it('admits the right seed (nats({ authenticator }) and troupe node --nkey), and refuses a wrong or missing one clearly', async () => {
    const user = createUser();
    const stranger = createUser();
    const s = await server({
      config: `authorization {\n  users = [\n    { nkey: ${user.getPublicKey()} }\n  ]\n}\n`,
    });
    const seedFile = write('user.nk', `${new TextDecoder().decode(user.getSeed())}\n`);
    const strangerFile = write('stranger.nk', stranger.getSeed());

    // The right seed, both ways; then a remote spawn and ask between them.
    const b = await node(s.url, 'nk', ['--nkey', seedFile]);
    const a = await system('nk', { servers: s.url, authenticator: nkeyAuthenticator(user.getSeed()) });
    await awaitNodes(a, 2, 10_000);
    await remoteSpawnAndAsk(a, b);

    // A seed the server does not know, and no credentials at all.
    const wrong = await refusal({ servers: s.url, authenticator: nkeyAuthenticator(stranger.getSeed()) });
    expect(wrong.message).toMatch(
      /NATS at nats:\/\/127\.0\.0\.1:\d+ refused this node's credentials \(Authorization Violation\)/,
    );
    const none = await refusal({ servers: s.url });
    expect(none.message).toMatch(/refused this node's credentials/);

    // The command: a wrong seed fails the start (exit 1); a file without a seed is a bad option (exit 2).
    await expect(node(s.url, 'nk', ['--nkey', strangerFile])).rejects.toThrow(
      /exited with 1 before joining:[\s\S]*troupe node: NATS at .* refused this node's credentials/,
    );
    const notASeed = write('not-a-seed.nk', user.getPublicKey());
    await expect(node(s.url, 'nk', ['--nkey', notASeed])).rejects.toThrow(
      /exited with 2 before joining:[\s\S]*--nkey: .* does not hold a user nkey seed/,
    );
    await expect(node(s.url, 'nk', ['--nkey', join(dir, 'missing.nk')])).rejects.toThrow(
      /exited with 2 before joining:[\s\S]*--nkey: cannot read .*missing\.nk/,
    );
    // None of the refused ones joined.
    expect(a.nodes().map((n) => n.id)).toEqual([expect.any(String), b.id]);
  });
});

describe('TLS with a self-signed CA', () => {
  const files: Record<string, string> = {};

  /** Run openssl in the scratch directory; `command` is split at spaces (file names have none). */
  const openssl = (command: string, ...more: string[]) =>
    execFileSync('openssl', [...command.split(' '), ...more], { cwd: dir, stdio: 'pipe' });

  /** An EC key and a certificate signed by `ca` (or a self-signed CA when `ca` is undefined). */
  function certificate(name: string, subject: string, ca: string | undefined, extensions: string[]): void {
    const [key, cert] = [`${name}-key.pem`, `${name}.pem`];
    openssl(`genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ${key}`);
    if (ca === undefined) {
      const caExtensions =
        '-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign';
      openssl(`req -x509 -new -key ${key} -out ${cert} -days 2 ${caExtensions} -subj`, subject);
    } else {
      write(`${name}.ext`, `${extensions.join('\n')}\n`);
      openssl(`req -new -key ${key} -out ${name}.csr -subj`, subject);
      openssl(
        `x509 -req -in ${name}.csr -CA ${ca}.pem -CAkey ${ca}-key.pem -CAcreateserial -out ${cert} -days 2 -extfile ${name}.ext`,
      );
    }
    files[name] = join(dir, cert);
    files[`${name}-key`] = join(dir, key);
  }

  beforeAll(() => {
    try {
      openssl('version');
    } catch (e) {
      throw new Error(
        `these tests make their certificates with openssl, which did not run: ${(e as Error).message}`,
      );
    }
    certificate('ca', '/CN=Troupe test CA', undefined, []);
    certificate('other-ca', '/CN=Some other CA', undefined, []);
    // DNS:localhost is needed: for a URL with an IP address, the NATS client (3.4) gives Node's TLS
    // no name, and Node checks the certificate against 'localhost' (see the guide).
    certificate('server', '/CN=localhost', 'ca', [
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      'extendedKeyUsage=serverAuth',
    ]);
    certificate('elsewhere', '/CN=nats.example', 'ca', ['subjectAltName=DNS:nats.example']);
    certificate('client', '/CN=troupe-node', 'ca', ['extendedKeyUsage=clientAuth']);
    certificate('stranger', '/CN=troupe-node', 'other-ca', ['extendedKeyUsage=clientAuth']);
  });

  const tlsServer = (...more: string[]) =>
    server({ args: ['--tls', '--tlscert', files.server!, '--tlskey', files['server-key']!, ...more] });

  it('works end to end for a client that trusts the CA (tls: { caFile } or { ca }, troupe node --tls-ca or --nats-options), and fails clearly for one that does not', async () => {
    const s = await tlsServer();

    // Without the CA, or with another CA: refused with what to do.
    for (const options of [{}, { tls: { caFile: files['other-ca']! } }]) {
      const err = await refusal({ servers: s.url, ...options });
      expect(err.message).toMatch(
        /^TLS with NATS at nats:\/\/127\.0\.0\.1:\d+ failed: .*this node does not trust the server's certificate; give the CA that signed it as nats\(\{ tls: \{ caFile \} \}\)/,
      );
    }
    await expect(node(s.url, 'tls', [])).rejects.toThrow(
      /exited with 1 before joining:[\s\S]*troupe node: TLS with NATS at .* failed: .*does not trust the server's certificate/,
    );

    // With the CA: the command with --tls-ca and with --nats-options, this process with caFile.
    const b = await node(s.url, 'tls', ['--tls-ca', files.ca!]);
    const c = await node(s.url, 'tls', ['--nats-options', JSON.stringify({ tls: { caFile: files.ca } })]);
    const a = await system('tls', { servers: s.url, tls: { caFile: files.ca! } });
    await awaitNodes(a, 3, 10_000);
    await remoteSpawnAndAsk(a, b);
    await remoteSpawnAndAsk(a, c);
    // The CA as PEM text instead of a file.
    const d = await system('tls', { servers: s.url, tls: { ca: readFileSync(files.ca!, 'utf8') } });
    await remoteSpawnAndAsk(d, b);
  });

  it('mutual TLS: the server admits only nodes with a certificate from its CA', async () => {
    const s = await tlsServer('--tlsverify', '--tlscacert', files.ca!);
    const mine = { certFile: files.client!, keyFile: files['client-key']! };

    // Refused: no client certificate, or one from another CA. Under TLS 1.3 the server rejects it
    // only after the handshake has completed for the client, which the NATS client (with
    // reconnects on) reports when its connect `timeout` runs out: keep that short here.
    const quick = { servers: s.url, timeout: 1500 };
    const noCert = await refusal({ ...quick, tls: { caFile: files.ca! } });
    expect(noCert.message).toMatch(/^(TLS with NATS|could not connect to NATS) at .*client certificate/);
    const strangerCert = await refusal({
      ...quick,
      tls: { caFile: files.ca!, certFile: files.stranger!, keyFile: files['stranger-key']! },
    });
    expect(strangerCert.message).toMatch(/client certificate/);
    await expect(
      node(s.url, 'mtls', ['--tls-ca', files.ca!, '--nats-options', JSON.stringify({ timeout: 1500 })]),
    ).rejects.toThrow(/exited with 1 before joining:[\s\S]*troupe node: .*client certificate/);

    // Admitted: --tls-ca adds the CA to the client certificate given in --nats-options.
    const b = await node(s.url, 'mtls', [
      '--tls-ca',
      files.ca!,
      '--nats-options',
      JSON.stringify({ tls: mine }),
    ]);
    const a = await system('mtls', { servers: s.url, tls: { caFile: files.ca!, ...mine } });
    await awaitNodes(a, 2, 10_000);
    await remoteSpawnAndAsk(a, b);
  });

  it('says so when TLS is asked of a server that has none', async () => {
    const plain = await server({});
    const err = await refusal({ servers: plain.url, tls: { caFile: files.ca! } });
    expect(err.message).toMatch(/failed: server does not support 'tls'; turn TLS on at the server/);
  });

  it('says so when the certificate of the server is for another name', async () => {
    const s = await server({
      args: ['--tls', '--tlscert', files.elsewhere!, '--tlskey', files['elsewhere-key']!],
    });
    const err = await refusal({ servers: s.url, tls: { caFile: files.ca! } });
    expect(err.message).toMatch(
      /failed: Hostname\/IP does not match certificate's altnames: .*; connect with a host name that the server's certificate names/,
    );
  });
});
