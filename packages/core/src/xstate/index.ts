/**
 * `@troupe/core/xstate`: xstate v5 machines as Troupe actors (install `xstate` to use it).
 *
 * @packageDocumentation
 */
export { isMachineError, isUnansweredAskError, MachineError, UnansweredAskError } from './errors.js';
export {
  asXStateRef,
  type FromXStateOptions,
  fromXState,
  type GetSnapshot,
  getSnapshot,
  type MachineState,
  reply,
  type SnapshotUpdate,
  type SubscribeSnapshots,
} from './fromXState.js';
export { InMemorySnapshotStore, type SnapshotStore } from './SnapshotStore.js';
