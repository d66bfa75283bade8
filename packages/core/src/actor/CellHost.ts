/**
 * What an actor cell needs from the system that hosts it: the dispatcher, the clock, the catalog,
 * dead letters, the registry of live cells, placement, and — when this runtime talks to others —
 * a way to start a child elsewhere. The system implements it; cells, refs, the remote runtime and
 * xstate's adapter use it. `Cell` is the cell type: a parameter, so that this file need not
 * import the cell (which imports it). May not import anything above the actor layer.
 * @internal
 */
import type { ActorSystem, Behaviour } from '../api/ActorSystem.js';
import type { DeadLetterReason } from '../api/events.js';
import type { MailboxOptions, Placement } from '../api/options.js';
import type { RestartType } from '../api/supervision.js';
import type { Clock } from '../clock.js';
import type { Dispatcher } from '../dispatch/Dispatcher.js';
import type { ChildHandle } from '../supervision/handles.js';
import type { AskRegistry } from './ask.js';

/**
 * Children and cells in other runtimes (worker threads, nodes): implemented by the remote
 * runtime, so a cell can spawn a child there and tell it when a cell of this runtime is gone.
 */
export interface Elsewhere<Cell> {
  /** Start a child of `parent` on runtime `node`; the handle stands for it in `parent`'s children. */
  spawn(
    parent: Cell,
    node: string,
    behaviour: Behaviour,
    args: unknown,
    name: string,
    mailbox: MailboxOptions | undefined,
    restart: RestartType | undefined,
    placement: Placement | undefined,
  ): ChildHandle;
  /** A cell of this runtime terminated: drop what other runtimes knew of it (its watches). */
  cellTerminated(cell: Cell): void;
}

/** The system as its cells see it. */
export interface CellHost<Cell> extends ActorSystem, AskRegistry {
  readonly clock: Clock;
  readonly random: () => number;
  readonly dispatcher: Dispatcher;
  readonly askTimeoutMs: number;
  readonly isShutdown: boolean;
  /** Messages processed, all actors together. */
  processed: number;
  nextId(): string;
  register(cell: Cell): void;
  unregister(cell: Cell): void;
  deadLetter(recipient: string, message: unknown, reason: DeadLetterReason): void;
  /** The live cell at a path, if any. */
  cellAt(path: string): Cell | undefined;
  /** Other runtimes, when this one talks to them (worker threads, nodes). */
  readonly remote: Elsewhere<Cell> | undefined;
  /** The node a placement resolves to (`undefined`: this runtime); throws a clear error if impossible. */
  placementNode(placement: Placement, behaviour: Behaviour | string): string | undefined;
  /** Is runtime `node` up (this one, a thread of this process, or a node heard from)? */
  nodeIsUp(node: string): boolean;
  /** Input from another runtime was dropped: count it by cause. */
  dropped(cause: string, detail: string): void;
  /** The root guardian failed. */
  fatal(error: unknown): void;
}
