/**
 * What a supervisor needs of a child, and a child of its parent. An actor cell is both; a proxy
 * for an actor in another runtime (a worker thread, a remote node) implements the same
 * interfaces, so supervision works the same across boundaries.
 * @internal
 */
import type { ActorRef } from '../api/ActorRef.js';
import type { Behaviour } from '../api/ActorSystem.js';
import type { EventStream } from '../api/events.js';
import type { RestartType } from '../api/supervision.js';
import type { TerminationReason } from '../api/terminated.js';
import type { Clock } from '../clock.js';

export enum Sys {
  Start = 0,
  Resume = 1,
  Restart = 2,
  Stop = 3,
  Failed = 4,
  ChildTerminated = 5,
}

export type SystemMessage =
  | { readonly k: Sys.Start }
  | { readonly k: Sys.Resume }
  | { readonly k: Sys.Restart; readonly error: unknown }
  | { readonly k: Sys.Stop; readonly reason: TerminationReason; readonly self: boolean }
  | { readonly k: Sys.Failed; readonly child: ChildHandle; readonly error: unknown }
  | {
      readonly k: Sys.ChildTerminated;
      readonly child: ChildHandle;
      readonly reason: TerminationReason;
      readonly self: boolean;
    };

/** A supervised child, local or in another runtime. */
export interface ChildHandle {
  readonly name: string;
  readonly address: string;
  readonly ref: ActorRef;
  readonly restartType: RestartType;
  restartCount: number;
  backoffAttempt: number;
  startedAt: number;
  restartTimer: unknown;
  /** Deliver a directive (Resume, Restart, Stop) to the child. */
  sendSystem(m: SystemMessage): void;
  /** Start a fresh incarnation with the same name and arguments (OTP restart of a permanent child that stopped). */
  respawn(): ChildHandle;
  /** Callbacks run once the child has terminated for good. */
  terminationWaiters: (() => void)[] | null;
  /**
   * Why a restart cannot happen, if it cannot: the child's runtime was lost and its placement fits
   * no runtime that is up. Then it terminates with `reason`. Only children in other runtimes can be
   * in that state.
   */
  cannotRestart?(): { readonly note: string; readonly reason: TerminationReason } | undefined;
}

/** A child's supervisor, local or in another runtime. */
export interface ParentHandle {
  readonly ref: ActorRef;
  /** Deliver Failed or ChildTerminated to the parent. */
  sendSystem(m: SystemMessage): void;
}

/**
 * What supervision needs from a parent: its behaviour's options, its children in start order,
 * its restart log, and the system's clock, randomness and event stream. The actor cell
 * implements it; supervision never sees the cell itself, so it sits below the actor layer
 * (as Proto.Actor's strategies work on a `Supervisor` interface, not on the context).
 */
export interface Supervisor extends ParentHandle {
  /** The parent's address (for events and errors). */
  readonly address: string;
  /** The parent's behaviour: its `supervision` options decide. */
  readonly behaviour: Behaviour;
  /** The parent's children by name, in start order (null: none yet). */
  readonly childCells: Map<string, ChildHandle> | null;
  /** False while the parent itself restarts or stops: its children's reports are moot then. */
  readonly supervising: boolean;
  /** Times of recent restarts, for restart intensity (null: none). */
  restartLog: number[] | null;
  /** The system services supervision uses. */
  readonly system: {
    readonly clock: Clock;
    readonly random: () => number;
    readonly events: EventStream;
  };
  /** Fail the parent itself (escalate). */
  fail(error: unknown): void;
  /** Forget a child for good. */
  removeChild(child: ChildHandle): void;
}
