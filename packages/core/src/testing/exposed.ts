/**
 * Actors exposed on the in-memory network (`system.expose`), and the plain requests a client
 * outside the actor system sends them: JSON in, JSON out, as a NATS client sees them.
 */

import type { Clock } from '../clock.js';
import { type SerializedError, serializeError } from '../serializedError.js';
import { jsonReplyProblem } from '../transport/jsonReply.js';
import type { ExposeHandler, TransportHost } from '../transport/Transport.js';

/**
 * The reply to `net.request(name, body)`: what a NATS client of an exposed actor gets, as JSON.
 *
 * @example
 * ```ts
 * const r = await net.request('square', 12);
 * if (r.ok) console.log(r.value); else console.error(r.error.name, r.error.message);
 * ```
 */
export type ExposeReply =
  | {
      /** The actor answered. */
      readonly ok: true;
      /** Its answer. */
      readonly value?: unknown;
    }
  | {
      /** The request failed. */
      readonly ok: false;
      /** Why: the error's name and message (and its stack only when exposed with `stacks: true`). */
      readonly error: SerializedError;
    };

/** The node that exposes an actor, as far as requests are concerned. @internal */
export interface Exposer {
  readonly system: string;
  readonly state: string;
  readonly host: TransportHost;
}

interface Service<N extends Exposer> {
  readonly node: N;
  readonly handler: ExposeHandler;
  readonly stacks: boolean;
}

/** The exposed actors by name; several nodes may expose one name (requests go round-robin). @internal */
export class ExposedActors<N extends Exposer> {
  private readonly byName = new Map<string, Service<N>[]>();
  private rr = 0;

  constructor(private readonly clock: Clock) {}

  /** `node` answers requests for `name` with `handler`; returns the function that withdraws it. */
  add(node: N, name: string, handler: ExposeHandler, stacks: boolean): () => Promise<void> {
    const service: Service<N> = { node, handler, stacks };
    this.byName.set(name, [...(this.byName.get(name) ?? []), service]);
    return async () => this.remove((s) => s === service);
  }

  /** `node` is gone: it answers nothing any more. */
  withdrawAll(node: N): void {
    this.remove((s) => s.node === node);
  }

  private remove(which: (s: Service<N>) => boolean): void {
    for (const [name, list] of this.byName) {
      const rest = list.filter((s) => !which(s));
      if (rest.length === 0) this.byName.delete(name);
      else this.byName.set(name, rest);
    }
  }

  request(
    name: string,
    body?: unknown,
    options: { readonly system?: string; readonly timeoutMs?: number } = {},
  ): Promise<ExposeReply> {
    const { system, timeoutMs = 5000 } = options;
    const serving = (this.byName.get(name) ?? []).filter(
      (s) => s.node.state === 'up' && (system === undefined || s.node.system === system),
    );
    if (serving.length === 0) {
      return Promise.reject(
        new Error(
          `no actor is exposed as '${name}'${system === undefined ? '' : ` in system '${system}'`} on this in-memory network (no responders)`,
        ),
      );
    }
    const { node, handler, stacks } = serving[this.rr++ % serving.length]!;
    let text: string;
    try {
      text = JSON.stringify(body ?? null); // the body is JSON, as from any NATS client
    } catch (e) {
      return Promise.reject(e);
    }
    return new Promise<ExposeReply>((resolve, reject) => {
      const timer = this.clock.setTimeout(
        () => reject(new Error(`no reply to a request for '${name}' within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const unsendable = (why: string, detail = why): string => {
        node.host.dropped('unsendable-reply', `a reply for '${name}' could not be sent: ${detail}`);
        return JSON.stringify({ ok: false, error: { name: 'ReplyError', message: why } });
      };
      const respond = (payload: ExposeReply) => {
        let json: string;
        try {
          // As over NATS: a reply JSON would change is refused, never sent changed.
          const problem = payload.ok ? jsonReplyProblem(payload.value) : undefined;
          json = problem === undefined ? JSON.stringify(payload) : unsendable(problem);
        } catch (e) {
          json = unsendable('the reply could not be sent', String(e));
        }
        this.clock.clearTimeout(timer);
        resolve(JSON.parse(json) as ExposeReply);
      };
      setImmediate(() => {
        handler(JSON.parse(text)).then(
          (value) => respond({ ok: true, value }),
          // The reply leaves the system: a stack shows this host's paths, so only on request.
          (e: Error) =>
            respond({
              ok: false,
              error: stacks ? serializeError(e) : { name: String(e?.name), message: String(e?.message) },
            }),
        );
      });
    });
  }
}
