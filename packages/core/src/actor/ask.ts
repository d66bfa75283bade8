/**
 * Reply targets: where `ctx.reply()` sends its value. A local ask is a promise with a timeout;
 * a reply target for a remote asker (a thread or a node) implements the same interface.
 * @internal
 */
import { AskTimeoutError } from '../errors.js';
import type { Clock } from '../system/clock.js';

/** Where a reply goes. */
export interface ReplyTarget {
  reply(value: unknown): void;
  fail(error: unknown): void;
}

/** Set of asks still waiting, so shutdown can reject them. */
export interface AskRegistry {
  readonly pendingAsks: Set<PendingAsk>;
}

/** A short description of a message for error texts: its `type` if it has one, else a JSON preview. */
export function summarize(message: unknown): string {
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

/** A local ask waiting for its reply. */
export class PendingAsk implements ReplyTarget {
  private timer: unknown;
  private done = false;
  private resolveFn!: (v: unknown) => void;
  private rejectFn!: (e: unknown) => void;
  readonly promise: Promise<unknown>;

  constructor(
    private readonly registry: AskRegistry,
    private readonly clock: Clock,
    actor: string,
    message: unknown,
    timeoutMs: number,
    private readonly onSettle?: () => void,
  ) {
    this.promise = new Promise((res, rej) => {
      this.resolveFn = res;
      this.rejectFn = rej;
    });
    registry.pendingAsks.add(this);
    this.timer = clock.setTimeout(
      () => this.fail(new AskTimeoutError(actor, summarize(message), timeoutMs)),
      timeoutMs,
    );
  }

  reply(value: unknown): void {
    if (this.done) return;
    this.settle();
    this.resolveFn(value);
  }

  fail(error: unknown): void {
    if (this.done) return;
    this.settle();
    this.rejectFn(error);
  }

  private settle(): void {
    this.done = true;
    this.clock.clearTimeout(this.timer);
    this.registry.pendingAsks.delete(this);
    this.onSettle?.();
  }
}
