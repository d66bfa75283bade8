/**
 * The messages every peer exchanges, and the countdown that tells the harness a round is over.
 * Every peer uses these same objects, so no peer pays for an allocation another one skips.
 */

/**
 * Counts work down to zero and then resolves `done`. Rounds end through it rather than through a
 * peer's own API (ask, query, subscription), so the end of a round costs every peer the same.
 */
export class Countdown {
  left: number;
  readonly done: Promise<void>;
  private resolve!: () => void;

  constructor(count: number) {
    this.left = count;
    this.done = new Promise((r) => {
      this.resolve = r;
    });
    if (count <= 0) this.resolve();
  }

  tick(): void {
    if (--this.left === 0) this.resolve();
  }
}

/**
 * The ping-pong ball, preallocated: two balls per round, one for each direction. The receiver of
 * a ball hits `reply` back to `from`; the rally ends when `rally` reaches zero. `R` is the peer's
 * ref type (Troupe ActorRef, nact Ref, xstate ActorRef, hand-written cell).
 */
export interface Ball<R> {
  readonly type: 'ball';
  readonly from: R;
  reply: Ball<R>;
  readonly rally: Countdown;
}

/** The flood message, preallocated once and sent N times. */
export interface Tick {
  readonly type: 'tick';
  readonly countdown: Countdown;
}

/**
 * The two balls of a rally between `a` and `b`; returns the one to send to `b` first. After that
 * each player answers any ball with `ball.reply`, so no message is allocated during the round.
 */
export function pairOfBalls<R>(a: R, b: R, rally: Countdown): Ball<R> {
  const toB: Ball<R> = { type: 'ball', from: a, reply: undefined as unknown as Ball<R>, rally };
  const toA: Ball<R> = { type: 'ball', from: b, reply: toB, rally };
  toB.reply = toA;
  return toB;
}

/** Wait one turn of the event loop: lets actors finish starting before the timed part. */
export function settle(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}

/**
 * Keep `depth` calls in flight until `n` have completed: `depth` lanes, each starting its next
 * call when its previous one resolves. Every peer of an "asks in flight" benchmark runs through
 * this same driver, so they differ only in what `call` costs.
 */
export async function pipeline(
  n: number,
  depth: number,
  call: (i: number) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < n) await call(next++);
  };
  await Promise.all(Array.from({ length: Math.min(depth, n) }, lane));
}
