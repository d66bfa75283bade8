/**
 * The vocabulary of supervision, shared by every strategy and by every placement (a failure that
 * crosses a thread or network boundary arrives as the same decision input).
 */

/**
 * What a supervisor does with a failed child:
 * - `resume`: keep the child's state and go on with its next message;
 * - `restart`: run the child's `init` again with its original arguments (its mailbox is kept);
 * - `stop`: stop the child for good (watchers get `Terminated`);
 * - `escalate`: fail the supervisor itself with the same error, for its own parent to decide.
 *
 * @example
 * ```ts
 * const decider = (e: unknown): Directive =>
 *   isThreadLostError(e) ? 'restart' : e instanceof RangeError ? 'resume' : 'escalate';
 * defineActor({ name: 'jobs', supervision: { decider }, receive: handleJob });
 * ```
 */
export type Directive = 'resume' | 'restart' | 'stop' | 'escalate';

/**
 * When a child is restarted, as in OTP:
 * - `permanent`: always — after a failure and also after it stopped itself;
 * - `transient` (default): only after a failure (an abnormal exit);
 * - `temporary`: never; a failed temporary child is stopped.
 *
 * @example
 * ```ts
 * ctx.spawn(Heartbeat, undefined, { restart: 'permanent' }); // even if it stops itself
 * ctx.spawn(OneShotImport, file, { restart: 'temporary' }); // never restarted
 * ```
 */
export type RestartType = 'permanent' | 'transient' | 'temporary';

/**
 * Which children a restart affects:
 * - `one-for-one`: only the failed child;
 * - `one-for-all`: every child;
 * - `rest-for-one`: the failed child and every child started after it.
 *
 * @example
 * ```ts
 * const Feed = defineActor({
 *   name: 'feed',
 *   supervision: { strategy: 'rest-for-one' },
 *   init(ctx) {
 *     ctx.spawn(Connection, url);
 *     ctx.spawn(Parser); // reads from the connection: restarted whenever the connection is
 *   },
 *   receive() {},
 * });
 * ```
 */
export type StrategyName = 'one-for-one' | 'one-for-all' | 'rest-for-one';

/**
 * Exponential backoff between restarts of one child.
 *
 * @example
 * ```ts
 * // 100 ms, 200 ms, 400 ms … up to 10 s between restarts, each plus up to 20 % at random.
 * supervision: { backoff: { minMs: 100, maxMs: 10_000, jitter: 0.2 } }
 * ```
 */
export interface BackoffOptions {
  /** Delay before the first restart (ms). */
  readonly minMs: number;
  /** Largest delay (ms). */
  readonly maxMs: number;
  /** Random extra delay, as a fraction of the delay (0–1). Default 0. */
  readonly jitter?: number;
  /** After this long (ms) without failing, the next failure starts from `minMs` again. Default `maxMs * 4`. */
  readonly resetAfterMs?: number;
}

/**
 * How an actor supervises its children (set on the parent's behaviour, or on the system for
 * top-level actors).
 *
 * @example
 * ```ts
 * defineActor({ name: 'pool', supervision: { strategy: 'one-for-all', maxRestarts: 3, withinMs: 5000,
 *   decider: (e) => (e instanceof TypeError ? 'stop' : 'restart'),
 *   backoff: { minMs: 100, maxMs: 5000, jitter: 0.2 } }, ... })
 * ```
 */
export interface SupervisionOptions {
  /** Default `one-for-one`. */
  readonly strategy?: StrategyName;
  /** Restart intensity: at most this many restarts within `withinMs`. Default 10. */
  readonly maxRestarts?: number;
  /** The intensity window (ms). Default 10,000. */
  readonly withinMs?: number;
  /** Maps an error to a directive. Default: always `restart`. Errors that crossed a boundary keep their `name`. */
  readonly decider?: (error: unknown) => Directive;
  /** Delay restarts exponentially. Default: restart at once. */
  readonly backoff?: BackoffOptions;
}

/** A supervision decision, as published on the event stream. */
export interface SupervisionDecision {
  readonly directive: Directive;
  /** Why, when the directive differs from what the decider said (e.g. a temporary child is stopped, intensity exceeded). */
  readonly note?: string;
}
