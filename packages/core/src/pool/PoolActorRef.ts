/**
 * The ref a pool's user holds: an {@link ActorRef} whose messages its pool's core routes in the
 * caller's runtime, with the pool actor's address and name.
 * Owns: no state of its own, only the pool actor's ref and the core, in private fields. May not
 * touch: the pool's state — every call goes straight to the core (no work of its own per message).
 * @internal
 */

import { instrumentation, lastSending, outbound, settleWith } from '../actor/instrumentation.js';
import { RefBase } from '../actor/RefBase.js';
import type { ActorRef, AskOptions, TellOptions } from '../api/ActorRef.js';
import type { PoolRef, PoolStats } from '../api/pool.js';
import type { PoolCore } from './PoolCore.js';

/** A pool ref: routes in the caller's runtime. @internal */
export class PoolActorRef extends RefBase implements PoolRef {
  // Private fields: a deep walk of a message holding this ref never wanders into the system.
  readonly #actor: ActorRef;
  readonly #core: PoolCore;
  constructor(actor: ActorRef, core: PoolCore) {
    super();
    this.#actor = actor;
    this.#core = core;
  }
  get address(): string {
    return this.#actor.address;
  }
  get name(): string {
    return this.#actor.name;
  }
  get routees(): readonly ActorRef[] {
    return this.#core.routees;
  }
  tell(message: unknown, options?: TellOptions): void {
    // Traced here, the message keeps its context through the queue to whichever routee takes it.
    this.#core.tell(
      instrumentation === undefined ? message : outbound('tell', this.address, message),
      options,
    );
  }
  ask(message: unknown, options?: AskOptions): Promise<unknown> {
    if (instrumentation === undefined) return this.#core.ask(message, options);
    const traced = outbound('ask', this.address, message);
    const sending = lastSending;
    const promise = this.#core.ask(traced, options);
    settleWith(sending, promise);
    return promise;
  }
  stats(): PoolStats {
    return this.#core.stats();
  }
}
