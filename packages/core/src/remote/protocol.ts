/**
 * The records runtimes exchange (between threads now, between nodes through a transport). A batch
 * is a flat array of records; each record starts with its kind, and the kind fixes how many
 * slots follow. Flat arrays keep structured clone and encoding cheap.
 * @internal
 */

import type { MailboxOptions } from '../api/options.js';
import type { RestartType } from '../api/supervision.js';
import { TERMINATION_REASONS, type TerminationReason } from '../api/terminated.js';
import type { SerializedError } from '../serializedError.js';

export enum Rec {
  /** path, message */
  Tell = 1,
  /** path, message with encoded refs */
  TellRefs = 2,
  /** path, message, ask id */
  Ask = 3,
  /** path, message with encoded refs, ask id */
  AskRefs = 4,
  /** ask id, value */
  Reply = 5,
  /** ask id, value with encoded refs */
  ReplyRefs = 6,
  /** ask id, serialized error */
  ReplyError = 7,
  /** control object */
  Control = 8,
  // 9 is the link header between nodes (transport/ReliableLinks.ts), never seen by a runtime.
  /**
   * carrier: the trace context (an opaque string of at most 1,024 characters) of the `Tell` or
   * `Ask` record that follows it, and of that record only.
   */
  Trace = 10,
}

/** Slots a record of each kind takes, its kind included. */
export const RECORD_SIZE: Record<number, number> = {
  [Rec.Tell]: 3,
  [Rec.TellRefs]: 3,
  [Rec.Ask]: 4,
  [Rec.AskRefs]: 4,
  [Rec.Reply]: 3,
  [Rec.ReplyRefs]: 3,
  [Rec.ReplyError]: 3,
  [Rec.Control]: 2,
  [Rec.Trace]: 2,
};

/** What a runtime needs to start an actor on behalf of a parent elsewhere. Only a name and data: never code. */
export interface SpawnSpec {
  readonly behaviour: string;
  /** Arguments, refs encoded. */
  readonly args: unknown;
  readonly argsHaveRefs: boolean;
  readonly name: string;
  readonly path: string;
  readonly mailbox: Required<MailboxOptions>;
  readonly restart: RestartType;
}

export type Control =
  | { readonly c: 'spawn'; readonly spec: SpawnSpec; readonly parent: string; readonly restartCount: number }
  | {
      readonly c: 'directive';
      readonly path: string;
      readonly d: 'resume' | 'restart' | 'stop';
      readonly error?: SerializedError;
      /** With `stop`: why (`stopped`, `failed`, `shutdown`, `orphaned`); absent means `stopped`. */
      readonly reason?: TerminationReason;
    }
  | { readonly c: 'failed'; readonly parent: string; readonly child: string; readonly error: SerializedError }
  | {
      readonly c: 'child-terminated';
      readonly parent: string;
      readonly child: string;
      readonly reason: TerminationReason;
      readonly self: boolean;
    }
  | { readonly c: 'watch'; readonly target: string; readonly watcher: string }
  | { readonly c: 'unwatch'; readonly target: string; readonly watcher: string }
  | {
      readonly c: 'terminated';
      readonly target: string;
      readonly watcher: string;
      readonly reason: TerminationReason;
    }
  | {
      readonly c: 'node-down';
      readonly node: string;
      readonly reason: 'thread-lost' | 'node-lost';
      readonly detail: string;
    }
  | { readonly c: 'shutdown' }
  /** Tells from the receiver of this control were refused by a full mailbox (`count` of them). */
  | { readonly c: 'rejected'; readonly target: string; readonly count: number };

const REASONS: ReadonlySet<string> = new Set(TERMINATION_REASONS);

/** A termination reason read off the wire: one of the known ones, else `stopped` (never trusted blindly). */
export function wireReason(r: unknown): TerminationReason {
  return typeof r === 'string' && REASONS.has(r) ? (r as TerminationReason) : 'stopped';
}
