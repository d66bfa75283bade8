/**
 * Every error a Troupe user can see. Each class sets `name`, accepts `{ cause }` and has an
 * `is…` guard, so code can match errors that crossed a thread or network boundary by name
 * (their serialized form is in `serializedError.ts`).
 */
import { describeCause } from './serializedError.js';

/**
 * Options accepted by every Troupe error.
 *
 * @example
 * ```ts
 * try {
 *   config = JSON.parse(text);
 * } catch (cause) {
 *   throw new InvalidOptionsError('the config file is not valid JSON; fix it and restart', { cause });
 * }
 * ```
 */
export interface TroupeErrorOptions {
  /** The underlying error, if any. */
  readonly cause?: unknown;
}

/**
 * Base class of all Troupe errors.
 *
 * @example
 * ```ts
 * try { await ref.ask(msg) } catch (e) { if (e instanceof TroupeError) console.error(e.name) }
 * ```
 */
export class TroupeError extends Error {
  /** The error's class name; each subclass sets its own, and guards match on it. */
  override readonly name: string = 'TroupeError';
  constructor(message: string, options?: TroupeErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
  }
}

function guard<T extends TroupeError>(name: string): (e: unknown) => e is T {
  return (e: unknown): e is T =>
    typeof e === 'object' && e !== null && (e as { name?: unknown }).name === name;
}

/**
 * Refuse any key of `options` that is not in `known`, naming it and the allowed ones:
 * `unknown spawn option 'nmae'; the options are: name, mailbox, restart, placement`.
 * @internal
 */
export function refuseUnknownKeys(what: string, options: object, known: ReadonlySet<string>): void {
  for (const k of Object.keys(options)) {
    if (!known.has(k)) {
      throw new InvalidOptionsError(
        `unknown ${what} option '${k}'; the options are: ${[...known].join(', ')}`,
      );
    }
  }
}

/**
 * An ask got no reply within its timeout. The message names the actor and the message.
 *
 * @example
 * ```ts
 * await ref.ask({ type: 'get' }, { timeoutMs: 100 }).catch((e) => isAskTimeoutError(e) && retry());
 * ```
 */
export class AskTimeoutError extends TroupeError {
  /** Always `'AskTimeoutError'`, also after the error crossed a thread or network boundary. */
  override readonly name = 'AskTimeoutError';
  constructor(
    /** Address of the actor that was asked. */
    readonly actor: string,
    /** A short description of the message that was asked. */
    readonly messageSummary: string,
    /** The timeout that elapsed. */
    readonly timeoutMs: number,
  ) {
    super(
      `ask to ${actor} timed out after ${timeoutMs} ms (message: ${messageSummary}); ` +
        'the actor did not call ctx.reply() in time: raise { timeoutMs }, or check that its receive replies to this message',
    );
  }
}
/** True if `e` is an {@link AskTimeoutError} (also after crossing a boundary). @example `if (isAskTimeoutError(e)) retry()` */
export const isAskTimeoutError = guard<AskTimeoutError>('AskTimeoutError');

/**
 * The target actor had stopped (or stopped before it processed the message).
 *
 * @example
 * ```ts
 * await ref.ask(msg).catch((e) => { if (isActorStoppedError(e)) respawn() });
 * ```
 */
export class ActorStoppedError extends TroupeError {
  /** Always `'ActorStoppedError'`, also after the error crossed a thread or network boundary. */
  override readonly name = 'ActorStoppedError';
  constructor(
    /** Address of the stopped actor. */
    readonly actor: string,
    detail = 'it has stopped',
  ) {
    super(
      `actor ${actor} cannot process the message: ${detail}; spawn it again or watch it to learn when it stops`,
    );
  }
}
/** True if `e` is an {@link ActorStoppedError}. @example `if (isActorStoppedError(e)) respawn()` */
export const isActorStoppedError = guard<ActorStoppedError>('ActorStoppedError');

/**
 * The actor failed (threw or rejected) while processing the asked message. The original error
 * is the `cause`.
 *
 * @example
 * ```ts
 * await ref.ask(msg).catch((e) => isActorFailedError(e) && console.error(e.cause));
 * ```
 */
export class ActorFailedError extends TroupeError {
  /** Always `'ActorFailedError'`, also after the error crossed a thread or network boundary. */
  override readonly name = 'ActorFailedError';
  constructor(
    /** Address of the actor that failed. */
    readonly actor: string,
    messageSummary: string,
    cause: unknown,
  ) {
    super(
      `actor ${actor} failed while processing ${messageSummary}: ${describeCause(cause)}; its supervisor decides what happens next`,
      { cause },
    );
  }
}
/** True if `e` is an {@link ActorFailedError}. @example `if (isActorFailedError(e)) log(e.cause)` */
export const isActorFailedError = guard<ActorFailedError>('ActorFailedError');

/**
 * A bounded mailbox with the `reject` policy was full; the message was not enqueued.
 *
 * @example
 * ```ts
 * await ref.ask(job).catch((e) => { if (isMailboxFullError(e)) backOff() });
 * ```
 */
export class MailboxFullError extends TroupeError {
  /** Always `'MailboxFullError'`, also after the error crossed a thread or network boundary. */
  override readonly name = 'MailboxFullError';
  constructor(
    /** Address of the actor whose mailbox is full. */
    readonly actor: string,
    /** The mailbox capacity. */
    readonly capacity: number,
  ) {
    super(
      `mailbox of ${actor} is full (capacity ${capacity}); slow down the sender, raise mailbox.capacity, or choose the dropOldest policy`,
    );
  }
}
/** True if `e` is a {@link MailboxFullError}. @example `if (isMailboxFullError(e)) backOff()` */
export const isMailboxFullError = guard<MailboxFullError>('MailboxFullError');

/**
 * `ctx.reply()` was called while processing a message that was sent with `tell()`.
 *
 * @example
 * ```ts
 * receive(ctx, s, m) { if (ctx.isAsk) ctx.reply(s); return s }
 * ```
 */
export class ReplyOutsideAskError extends TroupeError {
  /** Always `'ReplyOutsideAskError'`, also after the error crossed a thread or network boundary. */
  override readonly name = 'ReplyOutsideAskError';
  constructor(actor: string, messageSummary: string) {
    super(
      `actor ${actor} called ctx.reply() for ${messageSummary}, which was sent with tell(), not ask(); ` +
        'send it with ref.ask() to get a reply, or check ctx.isAsk before replying',
    );
  }
}
/** True if `e` is a {@link ReplyOutsideAskError}. @example `isReplyOutsideAskError(e)` */
export const isReplyOutsideAskError = guard<ReplyOutsideAskError>('ReplyOutsideAskError');

/**
 * Whose catalog lacked a behaviour, which decides where the fix goes: `'local'`, this process
 * (its `createActorSystem({ catalog })`, or the `--catalog` of a `troupe node` process);
 * `'thread'`, a worker thread (the catalog modules its process lists); `'node'`, another node of
 * the cluster (that node's `--catalog`, or its own program's catalog).
 *
 * @example
 * ```ts
 * throw new UnknownBehaviourError('fib', 'node n2', ['echo'], 'node');
 * ```
 */
export type CatalogOwner = 'local' | 'thread' | 'node';

/**
 * No behaviour of that name is registered in the catalog of the runtime that was to run it. The
 * message names that runtime, what its catalog holds, and where to add the behaviour for it.
 *
 * @example
 * ```ts
 * try { system.spawn('fib') } catch (e) { if (isUnknownBehaviourError(e)) console.error(e.message) }
 * ```
 */
export class UnknownBehaviourError extends TroupeError {
  /** Always `'UnknownBehaviourError'`, also after the error crossed a thread or network boundary. */
  override readonly name = 'UnknownBehaviourError';
  constructor(
    /** The name that was asked for. */
    readonly behaviour: string,
    /** The runtime whose catalog lacks it, e.g. `node n2` or `worker thread n1.t0`. */
    where: string,
    known: readonly string[],
    /** Whose catalog it is: says where the fix goes. */
    readonly owner: CatalogOwner = 'local',
  ) {
    super(
      `no behaviour named '${behaviour}' in the catalog of ${where} (known: ${known.length ? known.join(', ') : 'none'}); ${catalogFix(behaviour, owner)}`,
    );
  }
}

function catalogFix(behaviour: string, owner: CatalogOwner): string {
  const define = `defineActor({ name: '${behaviour}' })`;
  switch (owner) {
    case 'thread':
      return (
        `worker threads load only the catalog modules of their process (those listed in createActorSystem({ catalog }), or given to troupe node --catalog): ` +
        `export ${define} from one of those modules (a behaviour listed as an object cannot run on a thread)`
      );
    case 'node':
      return (
        'that node runs only what its own catalog holds: add a module that exports it to the --catalog of that node ' +
        `(troupe node --catalog ./behaviours.js), or to createActorSystem({ catalog }) of the program that runs the node, and restart it; ` +
        'or place the actor on a node that offers it (system.nodes() lists each catalog)'
      );
    default:
      return (
        `register ${define} in this process: list it, or a catalog module that exports it, in createActorSystem({ catalog }) ` +
        '(in a process started with troupe node: a module given with --catalog), or spawn the behaviour object itself'
      );
  }
}
/** True if `e` is an {@link UnknownBehaviourError}. @example `isUnknownBehaviourError(e)` */
export const isUnknownBehaviourError = guard<UnknownBehaviourError>('UnknownBehaviourError');

/**
 * An option passed to Troupe was invalid. The message names the option and what is allowed.
 *
 * @example
 * ```ts
 * system.spawn(b, undefined, { name: 'a/b' }) // throws InvalidOptionsError: names may not contain '/'
 * ```
 */
export class InvalidOptionsError extends TroupeError {
  /** Always `'InvalidOptionsError'`, also after the error crossed a thread or network boundary. */
  override readonly name = 'InvalidOptionsError';
}
/** True if `e` is an {@link InvalidOptionsError}. @example `isInvalidOptionsError(e)` */
export const isInvalidOptionsError = guard<InvalidOptionsError>('InvalidOptionsError');

/**
 * The actor system has shut down (or is shutting down): the operation cannot be carried out.
 *
 * @example
 * ```ts
 * await ref.ask(m).catch((e) => isSystemShutdownError(e) && process.exit(0));
 * ```
 */
export class SystemShutdownError extends TroupeError {
  /** Always `'SystemShutdownError'`, also after the error crossed a thread or network boundary. */
  override readonly name = 'SystemShutdownError';
  constructor(system: string, what: string) {
    super(`actor system '${system}' is shut down: ${what}; create a new system to continue`);
  }
}
/** True if `e` is a {@link SystemShutdownError}. @example `isSystemShutdownError(e)` */
export const isSystemShutdownError = guard<SystemShutdownError>('SystemShutdownError');

/**
 * A supervisor's children restarted more than `maxRestarts` times within `withinMs`; the
 * supervisor stopped them and failed itself with this error (the last child error is the cause).
 *
 * @example
 * ```ts
 * system.events.on('supervision', (e) => e.error.name === 'RestartIntensityError' && alert(e));
 * ```
 */
export class RestartIntensityError extends TroupeError {
  /** Always `'RestartIntensityError'`, also after the error crossed a thread or network boundary. */
  override readonly name = 'RestartIntensityError';
  constructor(supervisor: string, maxRestarts: number, withinMs: number, cause: unknown) {
    super(
      `supervisor ${supervisor} exceeded its restart intensity (${maxRestarts} restarts within ${withinMs} ms) ` +
        `after: ${describeCause(cause)}; it stopped its children and escalated. Fix the failing child or raise maxRestarts`,
      { cause },
    );
  }
}
/** True if `e` is a {@link RestartIntensityError}. @example `isRestartIntensityError(e)` */
export const isRestartIntensityError = guard<RestartIntensityError>('RestartIntensityError');

/**
 * A name is already taken by a sibling actor (or a different behaviour already has that name).
 *
 * @example
 * ```ts
 * system.spawn(b, args, { name: 'cache' }) // twice → DuplicateNameError
 * ```
 */
export class DuplicateNameError extends TroupeError {
  /** Always `'DuplicateNameError'`, also after the error crossed a thread or network boundary. */
  override readonly name = 'DuplicateNameError';
}
/** True if `e` is a {@link DuplicateNameError}. @example `isDuplicateNameError(e)` */
export const isDuplicateNameError = guard<DuplicateNameError>('DuplicateNameError');

/**
 * The worker thread that hosted an actor died (it exited, threw outside any actor, or hit its
 * resource limits). Its actors fail to their supervisors with this error; asks to them reject
 * with it at once.
 *
 * @example
 * ```ts
 * supervision: { decider: (e) => (isThreadLostError(e) ? 'restart' : 'stop') }
 * ```
 */
export class ThreadLostError extends TroupeError {
  /** Always `'ThreadLostError'`, also after the error crossed a thread or network boundary. */
  override readonly name = 'ThreadLostError';
  constructor(
    /** The node id of the lost thread. */
    readonly node: string,
    detail: string,
  ) {
    super(`worker thread ${node} was lost (${detail}); its actors failed to their supervisors`);
  }
}
/** True if `e` is a {@link ThreadLostError}. @example `if (isThreadLostError(e)) retry()` */
export const isThreadLostError = guard<ThreadLostError>('ThreadLostError');

/**
 * A message could not be sent across a thread or network boundary (it holds a function or a
 * symbol, or structured clone refused it). Raised at the sender.
 *
 * @example
 * ```ts
 * try { threadRef.tell({ cb: () => 1 }) } catch (e) { isUnserializableMessageError(e) }
 * ```
 */
export class UnserializableMessageError extends TroupeError {
  /** Always `'UnserializableMessageError'`, also after the error crossed a thread or network boundary. */
  override readonly name = 'UnserializableMessageError';
}
/** True if `e` is an {@link UnserializableMessageError}. @example `isUnserializableMessageError(e)` */
export const isUnserializableMessageError = guard<UnserializableMessageError>('UnserializableMessageError');

/**
 * A remote node was lost (it stopped heartbeating, or its connection dropped for longer than
 * the down timeout). Its actors fail to their supervisors with this error; asks to them reject
 * at once with it.
 *
 * @example
 * ```ts
 * supervision: { decider: (e) => (isNodeLostError(e) ? 'restart' : 'stop') }
 * ```
 */
export class NodeLostError extends TroupeError {
  /** Always `'NodeLostError'`, also after the error crossed a thread or network boundary. */
  override readonly name = 'NodeLostError';
  constructor(
    /** The node id of the lost node (or of one of its threads). */
    readonly node: string,
    detail: string,
  ) {
    super(`node ${node} was lost (${detail}); its actors failed to their supervisors`);
  }
}
/** True if `e` is a {@link NodeLostError}. @example `if (isNodeLostError(e)) retry()` */
export const isNodeLostError = guard<NodeLostError>('NodeLostError');

/**
 * True if `e` says the runtime that hosted an actor was lost (a thread or a node): the work may
 * be sent again elsewhere.
 *
 * @example
 * ```ts
 * pool.ask(task).catch((e) => (isRuntimeLostError(e) ? pool.ask(task) : Promise.reject(e)))
 * ```
 */
export function isRuntimeLostError(e: unknown): boolean {
  return isThreadLostError(e) || isNodeLostError(e);
}

/**
 * A message is larger than the transport allows (e.g. NATS `max_payload`). Raised at the sender.
 *
 * @example
 * ```ts
 * await remote.ask(hugeBlob).catch((e) => isPayloadTooLargeError(e) && sendInChunks(hugeBlob));
 * ```
 */
export class PayloadTooLargeError extends TroupeError {
  /** Always `'PayloadTooLargeError'`, also after the error crossed a thread or network boundary. */
  override readonly name = 'PayloadTooLargeError';
  constructor(
    /** Encoded size in bytes. */
    readonly size: number,
    /** The limit in bytes. */
    readonly limit: number,
    what: string,
  ) {
    super(
      `${what} is ${size} bytes encoded, over the limit of ${limit} bytes (the NATS server's max_payload); ` +
        'send smaller messages (split the data, or pass a reference to where it is stored) or raise max_payload on the server',
    );
  }
}
/** True if `e` is a {@link PayloadTooLargeError}. @example `isPayloadTooLargeError(e)` */
export const isPayloadTooLargeError = guard<PayloadTooLargeError>('PayloadTooLargeError');

/**
 * A reliable link's resend buffer is full: the other node has not acknowledged
 * `links.maxUnackedBatches` batches (it is slow, or unreachable and not yet declared down). The
 * records of the refused batch fail at the sender: an ask rejects with this error, a tell becomes
 * a dead letter with reason `link-full`.
 *
 * @example
 * ```ts
 * await remote.ask(job).catch((e) => isLinkBufferFullError(e) && setTimeout(retry, 1000));
 * ```
 */
export class LinkBufferFullError extends TroupeError {
  /** Always `'LinkBufferFullError'`, also after the error crossed a thread or network boundary. */
  override readonly name = 'LinkBufferFullError';
  constructor(
    /** The runtime the link goes to. */
    readonly node: string,
    /** The bound (`links.maxUnackedBatches`). */
    readonly limit: number,
    /** For how long nothing was acknowledged (ms). */
    readonly sinceMs: number,
  ) {
    super(
      `the link to ${node} has ${limit} batches not acknowledged (nothing acknowledged for ${Math.round(sinceMs)} ms): ` +
        'the node is slow or unreachable. Send with back-pressure (asks, a pool with credit) or raise ' +
        'createActorSystem({ links: { maxUnackedBatches } })',
    );
  }
}
/** True if `e` is a {@link LinkBufferFullError}. @example `isLinkBufferFullError(e)` */
export const isLinkBufferFullError = guard<LinkBufferFullError>('LinkBufferFullError');
