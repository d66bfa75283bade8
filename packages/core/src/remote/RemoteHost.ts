/**
 * What the remote runtime needs from the actor system it serves (the system implements it).
 * Owns: this declaration only. May not touch: anything of the runtime; it is the runtime's view
 * of its system, and nothing in it may name a type of `remote/`.
 * @internal
 */
import type { ActorCell, CellSystem as SystemInternals } from '../actor/ActorCell.js';

/** What the runtime needs from its system beyond {@link SystemInternals}. */
export interface RemoteHost extends SystemInternals {
  /** The live cell at a path, if any. */
  cellAt(path: string): ActorCell | undefined;
  /** True when an actor lived at `path` here and stopped lately (its messages need not wait). */
  stoppedLately(path: string): boolean;
  /** Input from another runtime was dropped: count it by cause. */
  dropped(cause: string, detail: string): void;
  /** True while `node` can host actors (a thread being replaced counts; a lost node does not). */
  nodeIsUp(node: string): boolean;
  /** The node id of this process's main thread. */
  readonly mainNodeId: string;
  /** `count` tells from this runtime were refused by the full mailbox of `recipient` on another node. */
  rejectedByPeer(recipient: string, count: number): void;
}
