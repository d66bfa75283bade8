/**
 * Reply targets: where `ctx.reply()` sends its value. A local ask is a promise with a timeout;
 * a reply target for a remote asker (a thread or a node) implements the same interface.
 * @internal
 */

import type { Sending } from '../api/instrumentation.js';
import { type Clock, timerDelay } from '../clock.js';
import { AskTimeoutError } from '../errors.js';
import { lastSending, unwrap } from './instrumentation.js';

/** Where a reply goes. */
export interface ReplyTarget {
  reply(value: unknown): void;
  fail(error: unknown): void;
}

/**
 * `target`, telling the instrumentation's {@link Sending} of the last `outbound` ask when it
 * settles (an ask made with `askInto`, such as a pool's dispatch, has no promise to watch). An
 * ask its caller cancels never settles here: its span is dropped unfinished.
 */
export function settling(target: ReplyTarget): ReplyTarget {
  const sending = lastSending;
  const settled = sending?.settled;
  if (settled === undefined) return target;
  return {
    reply(value) {
      settled.call(sending, undefined);
      target.reply(value);
    },
    fail(error) {
      settled.call(sending, error);
      target.fail(error);
    },
  };
}

/** Where asks wait: the system's {@link PendingAsks}. */
export interface AskRegistry {
  readonly pendingAsks: PendingAsks;
}

/**
 * What a report may say of a message: its `type` when it has a string one (at most 64
 * characters), else its kind (`object`, `array`, `string`, `number`, …) — never its contents.
 * Used wherever a message is described outside the actor that got it: introspection,
 * telemetry attributes.
 *
 * @example
 * ```ts
 * messageType({ type: 'deposit', amount: 5 }); // 'deposit'
 * messageType('a secret'); // 'string'
 * ```
 */
export function messageType(message: unknown): string {
  if (typeof message === 'object' && message !== null) {
    const t = (message as { type?: unknown }).type;
    if (typeof t === 'string') return t.length <= 64 ? t : t.slice(0, 64);
    return Array.isArray(message) ? 'array' : 'object';
  }
  return typeof message;
}

/** A short description of a message for error texts: its `type` if it has one, else a JSON preview. */
export function summarize(envelope: unknown): string {
  const message = unwrap(envelope);
  if (typeof message === 'object' && message !== null) {
    const t = (message as { type?: unknown }).type;
    if (typeof t === 'string') return `{ type: '${t}' }`;
  }
  let s: string;
  try {
    s = JSON.stringify(message) ?? String(message);
  } catch {
    s = Object.prototype.toString.call(message);
  }
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/** The settle functions of the promise a {@link Deferred} made last (read at once by its constructor). */
let madeResolve: (value: unknown) => void = () => undefined;
let madeReject: (error: unknown) => void = () => undefined;
function capture(resolve: (value: unknown) => void, reject: (error: unknown) => void): void {
  madeResolve = resolve;
  madeReject = reject;
}

/**
 * A promise and its settle functions, made without an executor closure per promise (asks are
 * made by the hundred thousand a second): the base of a local ask and of a pool's task. @internal
 */
export class Deferred {
  readonly promise: Promise<unknown>;
  protected readonly resolveFn: (value: unknown) => void;
  protected readonly rejectFn: (error: unknown) => void;
  constructor() {
    this.promise = new Promise(capture);
    this.resolveFn = madeResolve;
    this.rejectFn = madeReject;
  }
}

/**
 * A promise with a deadline, kept in a {@link PendingAsks}' deadline lists: a local ask, or a
 * pool's task. @internal
 */
export abstract class Timed extends Deferred {
  /** When it times out (`clock.now()` time). */
  deadline = 0;
  /** Neighbours in its deadline list; `list` is null once settled (or before it is added). */
  prev: Timed | null = null;
  next: Timed | null = null;
  list: AskList | null = null;
  abstract readonly timeoutMs: number;
  /** Its deadline passed: settle it with a timeout, leaving its list. */
  abstract expire(): void;
  /** Settle it with `error` now, leaving its list (the system or pool shuts down). */
  abstract abort(error: unknown): void;
}

/** Where an ask is registered besides the deadline lists (a link's table of asks), to leave on settling. @internal */
export interface AskIndex {
  take(id: number): unknown;
}

/**
 * A local ask waiting for its reply: a promise, and a place in its system's deadline lists
 * (no timer of its own).
 */
export class PendingAsk extends Timed implements ReplyTarget {
  /** Where else it is registered (under `indexId`), to leave when it settles. */
  index: AskIndex | null = null;
  indexId = 0;

  constructor(
    private readonly registry: AskRegistry,
    private readonly actor: string,
    private readonly message: unknown,
    readonly timeoutMs: number,
  ) {
    super();
    registry.pendingAsks.add(this);
  }

  /** It has its answer (a reply, a failure or a timeout). */
  get settled(): boolean {
    return this.list === null;
  }

  reply(value: unknown): void {
    if (this.list === null) return;
    this.settle();
    this.resolveFn(value);
  }

  fail(error: unknown): void {
    if (this.list === null) return;
    this.settle();
    this.rejectFn(error);
  }

  expire(): void {
    this.fail(new AskTimeoutError(this.actor, summarize(this.message), this.timeoutMs));
  }

  abort(error: unknown): void {
    this.fail(error);
  }

  private settle(): void {
    this.registry.pendingAsks.remove(this);
    if (this.index !== null) this.index.take(this.indexId);
  }
}

/** The asks of one timeout value, oldest first: their deadlines come in order. */
class AskList {
  head: Timed | null = null;
  tail: Timed | null = null;
  timer: unknown = undefined;
  private readonly fire = () => this.expire();

  constructor(
    private readonly owner: PendingAsks,
    readonly timeoutMs: number,
  ) {}

  push(ask: Timed): void {
    ask.list = this;
    ask.prev = this.tail;
    if (this.tail === null) this.head = ask;
    else this.tail.next = ask;
    this.tail = ask;
    // Asks that wait for ever need no timer (nor may one keep the process up for them).
    if (this.timer === undefined && this.timeoutMs !== Number.POSITIVE_INFINITY)
      this.timer = this.owner.clock.setTimeout(this.fire, timerDelay(this.timeoutMs));
  }

  unlink(ask: Timed): void {
    if (ask.prev === null) this.head = ask.next;
    else ask.prev.next = ask.next;
    if (ask.next === null) this.tail = ask.prev;
    else ask.next.prev = ask.prev;
    ask.prev = ask.next = ask.list = null;
    // Empty: no timer may keep the process up. (A timer armed for a head that has left meanwhile
    // just fires early and is armed again for the new head.)
    if (this.head === null) this.owner.emptied(this);
  }

  private expire(): void {
    this.timer = undefined;
    const now = this.owner.clock.now();
    let a = this.head;
    while (a !== null && a.deadline <= now) {
      a.expire(); // unlinks it (and may drop this list when it was the last)
      a = this.head;
    }
    if (a === null) return;
    // (An ask added meanwhile may have armed a timer for its own, later, deadline.)
    if (this.timer !== undefined) this.owner.clock.clearTimeout(this.timer);
    this.timer = this.owner.clock.setTimeout(this.fire, timerDelay(a.deadline - now));
  }
}

/**
 * The asks of a runtime still waiting for their reply (or the tasks of a pool), and their
 * deadlines: one list per timeout value, in which deadlines come in order (as Node keeps its own
 * timers), and one clock timer per list, armed for its oldest ask. Adding and settling an ask is
 * O(1) with no timer of its own; shutdown fails every ask still here.
 * @internal
 */
export class PendingAsks {
  private readonly lists = new Map<number, AskList>();
  /** Asks waiting now. */
  size = 0;

  constructor(readonly clock: Clock) {}

  add(ask: Timed): void {
    const ms = ask.timeoutMs;
    let list = this.lists.get(ms);
    if (list === undefined) this.lists.set(ms, (list = new AskList(this, ms)));
    ask.deadline = this.clock.now() + ms;
    list.push(ask);
    this.size++;
  }

  remove(ask: Timed): void {
    ask.list?.unlink(ask);
    this.size--;
  }

  /** A list has no asks left: stop its timer and forget it. */
  emptied(list: AskList): void {
    if (list.timer !== undefined) this.clock.clearTimeout(list.timer);
    list.timer = undefined;
    this.lists.delete(list.timeoutMs);
  }

  /** Fail every waiting ask with `error` (shutdown). */
  failAll(error: unknown): void {
    for (const list of [...this.lists.values()]) {
      while (list.head !== null) list.head.abort(error);
    }
  }
}
