/**
 * The wire of the in-memory network: how one batch travels from a node to another. Seeded fault
 * decisions (a small deterministic PRNG, mulberry32, so a failing run can be replayed from its
 * seed) and the lane of each pair of nodes, which delivers in order, when due.
 */

import type { Clock } from '../clock.js';
import { InvalidOptionsError } from '../errors.js';

/**
 * A deterministic pseudo-random source: mulberry32, 32 bits of state, numbers in [0, 1).
 *
 * @example
 * ```ts
 * const random = mulberry32(42);
 * random(); // the same sequence for the same seed, on every run and every machine
 * ```
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Faults the in-memory network injects into batches between nodes (membership notices are not
 * affected). Each probability is from 0 to 1; a batch gets its own draw for each.
 *
 * @example
 * ```ts
 * net.faults({ drop: 0.1, duplicate: 0.05, delay: { minMs: 1, maxMs: 20 }, reorder: 0.1 });
 * net.faults({}); // a perfect network again
 * ```
 */
export interface FaultOptions {
  /** Probability that a batch is lost. */
  readonly drop?: number;
  /** Probability that a batch arrives twice (the copy right behind the original). */
  readonly duplicate?: number;
  /** Every batch is delayed by a uniform random time in this range; per-pair order is kept. */
  readonly delay?: {
    /** The shortest delay, in ms. */
    readonly minMs: number;
    /** The longest delay, in ms. */
    readonly maxMs: number;
  };
  /**
   * Probability that a batch is held back by up to {@link REORDER_HOLD_MS} more (after its
   * delay) without holding up the batches behind it, so those overtake it.
   */
  readonly reorder?: number;
}

/**
 * The longest a reordered batch is held back beyond its delay (ms).
 *
 * @example
 * ```ts
 * await new Promise((r) => setTimeout(r, REORDER_HOLD_MS + 5)); // every held-back batch has arrived
 * ```
 */
export const REORDER_HOLD_MS = 10;

/** What happens to one batch. @internal */
export interface FaultDecision {
  readonly drop: boolean;
  readonly duplicate: boolean;
  /** Delay before delivery (ms); 0: the next turn of the event loop. */
  readonly delayMs: number;
  /** Extra hold of a reordered batch (ms), else 0. */
  readonly holdMs: number;
}

/** Faults checked, with their defaults: none. @internal */
export type Faults = Required<Omit<FaultOptions, 'delay'>> & { readonly delay: FaultOptions['delay'] };

/** No faults. @internal */
export const NO_FAULTS: Faults = { drop: 0, duplicate: 0, reorder: 0, delay: undefined };

const probability = (v: unknown): v is number => typeof v === 'number' && v >= 0 && v <= 1;
const millis = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;

/** Check `options`, or throw an error that says what is wrong. @internal */
export function checkFaults(options: FaultOptions): Faults {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidOptionsError(
      'faults() takes an object, e.g. { drop: 0.1, duplicate: 0.05, delay: { minMs: 1, maxMs: 20 }, reorder: 0.1 }',
    );
  }
  for (const key of Object.keys(options)) {
    if (!['drop', 'duplicate', 'delay', 'reorder'].includes(key))
      throw new InvalidOptionsError(
        `faults(): unknown option '${key}'; the options are drop, duplicate, delay, reorder`,
      );
  }
  const { drop = 0, duplicate = 0, reorder = 0, delay } = options;
  for (const [name, v] of [
    ['drop', drop],
    ['duplicate', duplicate],
    ['reorder', reorder],
  ] as const) {
    if (!probability(v))
      throw new InvalidOptionsError(`faults(): ${name} must be a probability from 0 to 1, got ${String(v)}`);
  }
  if (
    delay !== undefined &&
    (typeof delay !== 'object' ||
      delay === null ||
      !millis(delay.minMs) ||
      !millis(delay.maxMs) ||
      delay.maxMs < delay.minMs)
  ) {
    throw new InvalidOptionsError(
      `faults(): delay must be { minMs, maxMs } with 0 <= minMs <= maxMs, got ${JSON.stringify(delay)}`,
    );
  }
  return { drop, duplicate, reorder, delay };
}

/**
 * Decide the fate of one batch. Always draws five numbers, so the decisions for the n-th batch
 * depend only on the seed and n, not on which faults are switched on. @internal
 */
export function decide(random: () => number, f: Faults): FaultDecision {
  const rDrop = random();
  const rDuplicate = random();
  const rDelay = random();
  const rReorder = random();
  const rHold = random();
  const reordered = rReorder < f.reorder;
  return {
    drop: rDrop < f.drop,
    duplicate: rDuplicate < f.duplicate,
    delayMs: f.delay === undefined ? 0 : f.delay.minMs + rDelay * (f.delay.maxMs - f.delay.minMs),
    holdMs: reordered ? 1 + rHold * (REORDER_HOLD_MS - 1) : 0,
  };
}

/**
 * What travels from one node to another, in delivery order: each item is handed to `deliver` when
 * it is due, never synchronously inside {@link Lane.push} (on the next turn of the event loop, or
 * by a timer of the clock). @internal
 */
export class Lane<T> {
  private queue: { readonly dueAt: number; readonly item: T }[] = [];
  private head = 0;
  /** When the last item that keeps its place arrives: the ones pushed after it never arrive earlier. */
  private lastDue = 0;
  private timer: unknown;
  private timerAt = 0;
  private immediate = false;

  constructor(
    private readonly clock: Clock,
    private readonly deliver: (item: T) => void,
  ) {}

  /**
   * Queue `item` to arrive `delayMs` from now, but not before the items pushed before it; or,
   * with `holdMs` > 0, `delayMs + holdMs` from now whatever was pushed before or after it.
   */
  push(item: T, delayMs = 0, holdMs = 0): void {
    const now = this.clock.now();
    let dueAt: number;
    if (holdMs > 0) {
      dueAt = now + delayMs + holdMs; // held back: the items behind it do not wait for it
    } else {
      dueAt = Math.max(now + delayMs, this.lastDue);
      this.lastDue = dueAt;
    }
    const q = this.queue;
    let i = q.length;
    while (i > this.head && q[i - 1]!.dueAt > dueAt) i--;
    q.splice(i, 0, { dueAt, item });
    this.arm();
  }

  /** Make sure the head is delivered when due: on the next turn, or by a timer. */
  private arm(): void {
    const head = this.queue[this.head];
    if (head === undefined) return;
    const now = this.clock.now();
    if (head.dueAt <= now) {
      if (this.immediate) return;
      this.immediate = true;
      setImmediate(() => {
        this.immediate = false;
        this.drain();
      });
      return;
    }
    if (this.timer !== undefined) {
      if (this.timerAt <= head.dueAt) return;
      this.clock.clearTimeout(this.timer);
    }
    this.timerAt = head.dueAt;
    this.timer = this.clock.setTimeout(
      () => {
        this.timer = undefined;
        this.drain();
      },
      Math.ceil(head.dueAt - now),
    );
  }

  private drain(): void {
    const now = this.clock.now();
    for (let e = this.queue[this.head]; e !== undefined && e.dueAt <= now; e = this.queue[this.head]) {
      this.head++;
      this.deliver(e.item);
    }
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    } else if (this.head > 1024) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    this.arm();
  }
}
