/**
 * The resolver chain for outgoing records: which port carries the records for another runtime.
 * A record for an actor goes, in this order, to
 *
 * 1. **this runtime** — an address of this runtime is delivered in place, with no link and no
 *    port (`LinkTable.tell`, before the chain is asked);
 * 2. **its threads** — a worker thread of this process (`ThreadPool` claims its thread ids; the
 *    pool attaches each link when the thread is ready, and records wait in the link till then);
 * 3. **the gateway** — in a worker thread, every runtime that is not of this process is reached
 *    through the main thread (`system/workerEntry.ts`);
 * 4. **each transport that knows the node** — on the main thread, the transports
 *    (`TransportBridge`: the transport that announced the node carries its records);
 * 5. **nobody** — a tell becomes a dead letter and an ask fails at once (`LinkTable`).
 *
 * Each step is a {@link Route} that the layer owning it adds when it starts; the runtime never
 * learns what a thread or a transport is. Steps are asked in the order they were added.
 * Owns: the order of the steps and what a claim means. May not touch: links or records.
 * @internal
 */
import type { Port } from './Link.js';

/** A step's answer for a runtime it owns but cannot reach yet: records wait for a port. */
export const LATER = 'later';

/** One step of the chain. */
export interface Route {
  /** For messages and the docs: 'threads', 'gateway', 'transports'. */
  readonly name: string;
  /**
   * The port for runtime `node` (records from runtime `from` of this process), {@link LATER} if
   * this step owns `node` but has no port for it yet, or `undefined`: not this step's.
   */
  resolve(node: string, from: string): Port | typeof LATER | undefined;
}

export class Routes {
  private readonly steps: Route[] = [];

  constructor(
    /** This runtime's id: the `from` of records it sends itself. */
    private readonly self: string,
  ) {}

  /** Add a step after those already there. */
  add(route: Route): void {
    this.steps.push(route);
  }

  /**
   * The first step's answer for `node`: a port, {@link LATER} (a step owns it, records wait), or
   * `undefined` when no step owns it.
   */
  resolve(node: string, from: string = this.self): Port | typeof LATER | undefined {
    for (const step of this.steps) {
      const r = step.resolve(node, from);
      if (r !== undefined) return r;
    }
    return undefined;
  }

  /** The names of the steps, in order (for error messages). */
  names(): string[] {
    return this.steps.map((s) => s.name);
  }
}
