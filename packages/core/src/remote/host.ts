/**
 * The runtime as its refs and proxies see it: what a `RemoteActorRef` and the supervision and
 * watch proxies (`proxies.ts`) need from `RemoteRuntime`, which implements both interfaces.
 * Refs and proxies depend on these declarations, never on the runtime's classes, so no file of
 * `remote/` imports a file that imports it back.
 * Owns: these declarations only. May not touch: any class of `remote/`; the proxies' child type
 * is a type parameter so that this file need not import `proxies.ts`.
 * @internal
 */
import type { Transferable } from 'node:worker_threads';
import type { ReplyTarget } from '../actor/ask.js';
import type { WatchingCell } from '../actor/Watcher.js';
import type { AskOptions } from '../api/ActorRef.js';
import type { Clock } from '../clock.js';
import type { Control } from './protocol.js';

/** An actor in another runtime, as the runtime addresses it (a `RemoteActorRef` is one). */
export interface RemoteTarget {
  /** The full address, for dead letters and errors. */
  readonly address: string;
  /** The runtime it lives in (`''`: an address that cannot be routed). */
  readonly node: string;
  /** Its path within that runtime. */
  readonly path: string;
}

/** What a `RemoteActorRef` needs from the runtime: the outbound path of its tells and asks. */
export interface RefHost {
  tell(ref: RemoteTarget, message: unknown, transfer: readonly Transferable[] | undefined): void;
  ask(ref: RemoteTarget, message: unknown, options: AskOptions | undefined): Promise<unknown>;
  /** An ask whose answer goes to `target`, with no promise and no timer; returns its id (0: none). */
  askInto(
    ref: RemoteTarget,
    message: unknown,
    target: ReplyTarget,
    transfer: readonly Transferable[] | undefined,
  ): number;
  /** Forget an ask made with `askInto`: a late reply is dropped. */
  cancelAsk(node: string, id: number): void;
  /** `watcher`, a cell of this runtime, watches `ref`: ask its runtime to report its end. */
  watch(watcher: WatchingCell, ref: RemoteTarget, custom: unknown): void;
  /** Undo {@link RefHost.watch}. */
  unwatch(watcher: WatchingCell, address: string): void;
}

/**
 * What the proxies need from the runtime: sending control records, the clock, and, for a child
 * whose runtime was lost, where and how to start it again. `Child` is the proxy of a child that
 * lives elsewhere (`RemoteChild`).
 */
export interface ProxyHost<Child> {
  readonly host: { readonly clock: Clock; nodeIsUp(node: string): boolean };
  now(): number;
  /** Queue a control record for `node`; it overtakes the user records queued with it. */
  sendControl(node: string, control: Control): void;
  /** Queue a control record for `node` in order with the user records (a `terminated` notice). */
  sendOrdered(node: string, control: Control): void;
  /** Where to restart a child whose runtime was lost (`undefined`: nowhere). */
  relocate(child: Child): string | undefined;
  /** A new incarnation of `old` on `node`, replacing it under its parent. */
  respawnAt(old: Child, node: string, restartCount: number): Child;
}
