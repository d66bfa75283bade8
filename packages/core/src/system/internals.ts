/**
 * What an actor cell needs from its system. Kept as an interface so cells do not depend on the
 * whole system class.
 * @internal
 */
import type { ActorCell } from '../actor/ActorCell.js';
import type { AskRegistry } from '../actor/ask.js';
import type { Behaviour, Placement } from '../actor/behaviour.js';
import type { Dispatcher } from '../dispatch/Dispatcher.js';
import type { RemoteRuntime } from '../remote/RemoteRuntime.js';
import type { ActorSystem } from './ActorSystem.js';
import type { Clock } from './clock.js';
import type { DeadLetterReason } from './events.js';

export interface SystemInternals extends ActorSystem, AskRegistry {
  readonly clock: Clock;
  readonly random: () => number;
  readonly dispatcher: Dispatcher;
  readonly askTimeoutMs: number;
  readonly isShutdown: boolean;
  /** Messages processed, all actors together. */
  processed: number;
  nextId(): string;
  register(cell: ActorCell): void;
  unregister(cell: ActorCell): void;
  deadLetter(recipient: string, message: unknown, reason: DeadLetterReason): void;
  /** The live cell at a path, if any. */
  cellAt(path: string): ActorCell | undefined;
  /** The remote layer, when this runtime talks to others (worker threads, nodes). */
  readonly remote: RemoteRuntime | undefined;
  /** The node a placement resolves to (`undefined`: this runtime); throws a clear error if impossible. */
  placementNode(placement: Placement, behaviour: Behaviour | string): string | undefined;
  /** Input from another runtime was dropped: count it by cause. */
  dropped(cause: string, detail: string): void;
  /** The root guardian failed. */
  fatal(error: unknown): void;
}
