/**
 * The NATS transport: each process is a node with a subject of its own; batches between nodes
 * are envelopes on those subjects; membership runs on a shared subject; exposed actors answer
 * plain requests. Connection options (servers, credentials, TLS) go straight to the NATS client.
 */
import {
  type ConnectionOptions,
  type NatsConnection,
  errors as natsErrors,
  type Subscription,
} from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import {
  type ExposeHandler,
  InvalidOptionsError,
  jsonReplyProblem,
  PayloadTooLargeError,
  processNodeOf,
  serializeError,
  type Transport,
  type TransportHost,
} from '@troupe/core';
import { type CodecName, jsonCodec, msgpackCodec, type WireCodec } from './codec.js';
import { NatsConnectionError } from './errors.js';
import { Membership, type MembershipOptions, type MembershipTiming, membershipTiming } from './membership.js';
import { nodeSubject, serviceSubject, TOKEN_RE } from './subjects.js';

/**
 * Options of {@link nats}: every NATS connection option (`servers`, `user`/`pass`, `token`,
 * `authenticator` for nkeys and creds, `tls`, `name`, reconnect settings…) plus Troupe's own.
 */
export interface NatsTransportOptions extends Partial<ConnectionOptions>, MembershipOptions {
  /** Wire encoding of batches: `msgpack` (default, binary) or `json` (interoperable). */
  readonly codec?: CodecName;
}

const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: true });

/**
 * The NATS transport: makes this process a node of the system.
 *
 * @example
 * ```ts
 * import { createActorSystem } from '@troupe/core';
 * import { nats } from '@troupe/transport-nats';
 * const system = await createActorSystem({
 *   name: 'shop',
 *   catalog: [new URL('./behaviours.js', import.meta.url)],
 *   transports: [nats({ servers: ['nats://10.0.0.1:4222', 'nats://10.0.0.2:4222'], user: 'shop', pass: process.env.NATS_PASS })],
 * });
 * ```
 */
export function nats(options: NatsTransportOptions = {}): Transport {
  return new NatsTransport(options);
}

class NatsTransport implements Transport {
  readonly name = 'nats';
  private nc: NatsConnection | undefined;
  private host: TransportHost | undefined;
  private membership: Membership | undefined;
  private readonly codec: WireCodec;
  /** Membership timing, checked and with its defaults. */
  private readonly timing: MembershipTiming;
  private maxPayload = 1024 * 1024;
  private readonly services = new Set<Subscription>();

  constructor(private readonly options: NatsTransportOptions) {
    const { codec = 'msgpack' } = options;
    if (codec !== 'msgpack' && codec !== 'json') {
      throw new InvalidOptionsError(`nats({ codec }) must be 'msgpack' or 'json', got ${String(codec)}`);
    }
    const servers = serversProblem(options.servers);
    if (servers !== undefined) throw new InvalidOptionsError(`nats({ servers }) ${servers}`);
    const timing = membershipTiming(options);
    if (typeof timing === 'string') throw new InvalidOptionsError(`nats(): ${timing}`);
    this.timing = timing;
    this.codec = codec === 'json' ? jsonCodec() : msgpackCodec();
  }

  async start(host: TransportHost): Promise<void> {
    for (const [what, value] of [
      ['system name', host.systemName],
      ['node id', host.nodeId],
    ] as const) {
      if (!TOKEN_RE.test(value)) {
        throw new NatsConnectionError(
          `the ${what} '${value}' cannot be part of a NATS subject: use letters, digits, '_' and '-' only (no '.')`,
        );
      }
    }
    this.host = host;
    const { codec: _c, heartbeatMs: _h, downAfterMs: _d, ...connection } = this.options;
    try {
      this.nc = await connect({
        maxReconnectAttempts: -1,
        reconnectTimeWait: 250,
        name: `troupe ${host.systemName} ${host.nodeId}`,
        ...connection,
      });
    } catch (e) {
      throw describeConnectError(e, connection);
    }
    const nc = this.nc;
    this.maxPayload = nc.info?.max_payload ?? this.maxPayload;
    nc.subscribe(nodeSubject(host.systemName, host.nodeId), {
      callback: (_err, msg) => this.onBatch(msg.data),
    });
    this.membership = new Membership(nc, host, this.timing);
    this.membership.start();
    void this.watchStatus(nc);
    await nc.flush();
  }

  private onBatch(data: Uint8Array): void {
    const host = this.host!;
    const env = this.codec.decode(data);
    if ('reject' in env) {
      host.dropped(env.reject, env.detail);
      return;
    }
    host.deliver(env.from, env.to, env.batch);
  }

  private async watchStatus(nc: NatsConnection): Promise<void> {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect') this.membership?.disconnected();
      else if (s.type === 'reconnect') {
        this.membership?.reconnected();
        // What was in flight when the connection dropped may be lost: core sends it again.
        this.host?.reconnected();
      }
    }
  }

  send(from: string, to: string, batch: unknown[]): void {
    const nc = this.nc;
    if (nc === undefined || nc.isClosed()) return;
    const bytes = this.codec.encode(from, to, batch);
    if (bytes.length > this.maxPayload) {
      throw new PayloadTooLargeError(bytes.length, this.maxPayload, `a message to node ${to}`);
    }
    nc.publish(nodeSubject(this.host!.systemName, processNodeOf(to)), bytes);
  }

  async expose(
    name: string,
    handler: ExposeHandler,
    { stacks = false }: { readonly stacks?: boolean } = {},
  ): Promise<() => Promise<void>> {
    const nc = this.nc;
    const host = this.host;
    if (nc === undefined || host === undefined)
      throw new NatsConnectionError('the NATS transport is not started');
    const subject = serviceSubject(host.systemName, name);
    const sub = nc.subscribe(subject, {
      queue: subject,
      callback: (_err, msg) => {
        let body: unknown = null;
        if (msg.data.length > 0) {
          try {
            body = JSON.parse(dec.decode(msg.data));
          } catch {
            host.dropped('bad-request', `a request on ${subject} is not JSON`);
            msg.respond(
              enc.encode(
                JSON.stringify({
                  ok: false,
                  error: { name: 'BadRequest', message: 'the body must be JSON' },
                }),
              ),
            );
            return;
          }
        }
        // A reply that cannot be sent as it is (JSON would change it, or it is too large) must
        // neither reach the client changed nor take the node down: the client gets a ReplyError.
        const unsendable = (why: string, detail = why) => {
          host.dropped('unsendable-reply', `a reply on ${subject} could not be sent: ${detail}`);
          try {
            msg.respond(
              enc.encode(JSON.stringify({ ok: false, error: { name: 'ReplyError', message: why } })),
            );
          } catch {}
        };
        const respond = (payload: { ok: boolean; value?: unknown; error?: unknown }) => {
          try {
            const problem = payload.ok ? jsonReplyProblem(payload.value) : undefined;
            if (problem !== undefined) return unsendable(problem);
            const bytes = enc.encode(JSON.stringify(payload));
            if (bytes.length > this.maxPayload) {
              return unsendable(
                `the reply is ${bytes.length} bytes as JSON, over the limit of ${this.maxPayload} bytes ` +
                  "(the NATS server's max_payload); reply with less data (split it, or pass a reference to where it is stored)",
              );
            }
            msg.respond(bytes);
          } catch (e) {
            unsendable('the reply could not be sent', (e as Error).message);
          }
        };
        handler(body).then(
          (value) => respond({ ok: true, value }),
          // The reply leaves the system: a stack shows this host's paths and code, so only on request.
          (e: Error) =>
            respond({
              ok: false,
              error: stacks ? serializeError(e) : { name: e?.name, message: e?.message },
            }),
        );
      },
    });
    this.services.add(sub);
    await nc.flush();
    return async () => {
      this.services.delete(sub);
      sub.unsubscribe();
    };
  }

  async stop(): Promise<void> {
    const nc = this.nc;
    if (nc === undefined || nc.isClosed()) return;
    this.membership?.stop();
    // Drain what is in flight, but do not wait for a server that is gone (the client would reconnect forever).
    let timer: NodeJS.Timeout | undefined;
    const drained = nc.drain().then(
      () => true,
      () => false,
    );
    const gaveUp = new Promise<boolean>((r) => (timer = setTimeout(() => r(false), 1000)));
    const ok = await Promise.race([drained, gaveUp]);
    clearTimeout(timer);
    if (!ok && !nc.isClosed()) await nc.close();
  }
}

/**
 * What is wrong with `servers`, if anything: an empty list (or address) would otherwise fail
 * only when connecting, as `could not connect to NATS at : …`. Leaving it out is fine.
 */
function serversProblem(servers: unknown): string | undefined {
  const give =
    "give the NATS server's address, e.g. 'nats://127.0.0.1:4222', or a list of them, or leave servers out for 127.0.0.1:4222";
  if (servers === undefined) return undefined;
  const list = Array.isArray(servers) ? servers : [servers];
  if (list.length === 0 || (list.length === 1 && typeof list[0] === 'string' && list[0].trim() === ''))
    return `is empty: ${give}`;
  for (const [i, s] of list.entries()) {
    const at = Array.isArray(servers) ? `servers[${i}]` : 'servers';
    if (typeof s !== 'string')
      return `must be a string or a list of strings, but ${at} is ${typeof s}: ${give}`;
    if (s.trim() === '') return `has an empty address: ${at} is empty; ${give}`;
  }
  return undefined;
}

function describeConnectError(
  e: unknown,
  { servers, tls: tlsOptions }: Partial<ConnectionOptions>,
): NatsConnectionError {
  const where = Array.isArray(servers) ? servers.join(', ') : (servers ?? '127.0.0.1:4222');
  const err = e as Error;
  if (err instanceof natsErrors.AuthorizationError || /authoriz|authentica/i.test(err?.message ?? '')) {
    return new NatsConnectionError(
      `NATS at ${where} refused this node's credentials (${err.message}); check the user/pass, token, nkey or creds given to nats({ ... })`,
      { cause: e },
    );
  }
  const tls = describeTlsError(err);
  if (tls !== undefined)
    return new NatsConnectionError(`TLS with NATS at ${where} failed: ${tls}`, { cause: e });
  const code = (err as { code?: unknown })?.code;
  if (tlsOptions && (err?.name === 'TimeoutError' || code === 'ECONNRESET' || code === 'EPIPE')) {
    // With TLS 1.3 a server that verifies client certificates rejects one only after the handshake
    // has completed for the client; with reconnects on, the NATS client then waits for `timeout`.
    return new NatsConnectionError(
      `could not connect to NATS at ${where} over TLS: ${err.message}; a server that verifies client certificates (verify: true) drops a node without one it accepts after the TLS handshake, and the NATS client reports that only when its connect timeout (option timeout, 20 s by default) runs out: give the node a certificate from the server's CA as nats({ tls: { certFile, keyFile } }) (troupe node: --nats-options '{"tls":{"certFile":…,"keyFile":…}}'), or check that the server is reachable`,
      { cause: e },
    );
  }
  return new NatsConnectionError(
    `could not connect to NATS at ${where}: ${err?.message ?? e}; is nats-server running there, and is the address right?`,
    { cause: e },
  );
}

/** OpenSSL's codes for a server certificate this node does not trust. */
const UNTRUSTED_CERT = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_UNTRUSTED',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
]);

/** What went wrong with TLS and what to do, or undefined if `e` is not a TLS failure. */
function describeTlsError(e: unknown): string | undefined {
  for (let err = e, depth = 0; err instanceof Error && depth < 4; err = err.cause, depth++) {
    const { code: c } = err as { code?: unknown };
    const code = typeof c === 'string' ? c : '';
    const message = err.message.split('\n')[0]!;
    if (/does not support 'tls'|tls.*is not available/i.test(message)) {
      return `${message}; turn TLS on at the server, or give this node no tls option (troupe node: no --tls-ca)`;
    }
    if (UNTRUSTED_CERT.has(code)) {
      return `${message} (${code}): this node does not trust the server's certificate; give the CA that signed it as nats({ tls: { caFile } }) (troupe node: --tls-ca FILE)`;
    }
    if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
      return `${message}; connect with a host name that the server's certificate names (with an IP address in the URL, the NATS client checks the certificate against the name localhost)`;
    }
    if (
      /^ERR_SSL_.*ALERT_(BAD_CERTIFICATE|CERTIFICATE_REQUIRED|UNKNOWN_CA|CERTIFICATE_UNKNOWN)$/.test(code)
    ) {
      return `the server refused this node's client certificate, or got none (${code}); give one it trusts as nats({ tls: { certFile, keyFile } }) (troupe node: --nats-options '{"tls":{"certFile":…,"keyFile":…}}')`;
    }
    if (code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_')) return `${message} (${code})`;
  }
  return undefined;
}
