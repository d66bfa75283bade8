/**
 * Recovery and schema evolution: rebuild an actor's state from its latest snapshot and the
 * events after it, turning old events into the current shape with the behaviour's upcasters.
 * An event that cannot be read fails recovery with an error that names the persistence id, the
 * sequence number and the event: never a silent skip.
 *
 * Owns: replay, upcasting, recovery errors. May not touch: how events are written.
 */
import type { PersistenceStore, StoredSnapshot } from './store.js';

/**
 * Turns an event of version `n` into version `n + 1`, keyed by `n`.
 *
 * @example
 * ```ts
 * // v1 { type: 'deposited', cents } became v2 { type: 'deposited', amount } in euros.
 * const upcasters: Upcasters = { 1: (e: any) => ({ type: e.type, amount: e.cents / 100 }) };
 * ```
 */
export type Upcasters = Readonly<Record<number, (event: any) => unknown>>;

/** Recovery of a persistent actor failed: its journal or snapshot holds something it cannot read. */
export class RecoveryError extends Error {
  /** Always `'RecoveryError'` (kept when the error crosses a thread or node). */
  override readonly name = 'RecoveryError';
  constructor(
    /** The persistence id. */
    readonly id: string,
    /** The sequence number of the event (or snapshot) that could not be read. */
    readonly seq: number,
    message: string,
    /** The stored event or snapshot, as read. */
    readonly stored?: unknown,
    options?: { cause?: unknown },
  ) {
    super(`persistence id '${id}', sequence number ${seq}: ${message}`, options);
  }
}

/** Is `e` a {@link RecoveryError} (also one that crossed a thread or node as a plain error)? */
export function isRecoveryError(e: unknown): e is RecoveryError {
  return typeof e === 'object' && e !== null && (e as { name?: unknown }).name === 'RecoveryError';
}

/** Bring `event` written at `version` to `current`, or explain why it cannot be. */
export function upcast(
  id: string,
  seq: number,
  event: unknown,
  version: number,
  current: number,
  upcasters: Upcasters,
  option: 'eventVersion' | 'stateVersion' = 'eventVersion',
): unknown {
  if (!Number.isInteger(version) || version < 1 || version > current)
    throw new RecoveryError(
      id,
      seq,
      `the ${option === 'eventVersion' ? 'event' : 'saved state'} has version ${String(version)}, and this behaviour reads versions 1 to ${current} ` +
        `(${option} ${current}): it was written by a newer version of the code, or the journal is corrupt. ` +
        `Deploy the code that wrote it, or raise ${option} with an upcaster. The ${option === 'eventVersion' ? 'event' : 'state'}: ${preview(event)}`,
      event,
    );
  let e = event;
  for (let v = version; v < current; v++) {
    const up = upcasters[v];
    if (up === undefined)
      throw new RecoveryError(
        id,
        seq,
        `the event has version ${v} and there is no upcaster from version ${v} to ${v + 1}: ` +
          `add upcasters: { ${v}: (event) => newShape } to the behaviour. The event: ${preview(event)}`,
        event,
      );
    try {
      e = up(e);
    } catch (cause) {
      throw new RecoveryError(
        id,
        seq,
        `the upcaster from version ${v} threw: ${(cause as Error).message}. The event: ${preview(event)}`,
        event,
        { cause },
      );
    }
  }
  return e;
}

/** What recovery found: the state and the last sequence number folded into it. */
export interface Recovered<State> {
  /** The state after the snapshot and the events. */
  readonly state: State;
  /** The sequence number of the last event folded into it (0: none). */
  readonly seq: number;
  /** Events replayed after the snapshot. */
  readonly replayed: number;
}

/** The version of a fence record in a journal: written at a start, skipped by recovery. @internal */
export const FENCE_VERSION = 0;

/** Load the latest snapshot of `id` (if any) and fold the events after it into `initial`. */
export async function recover<State, Event>(
  store: PersistenceStore,
  id: string,
  initial: State,
  apply: (state: State, event: Event) => State,
  eventVersion: number,
  upcasters: Upcasters,
  snapshotVersion: number,
): Promise<Recovered<State>> {
  let state = initial;
  let seq = 0;
  const snap = (await store.snapshots.get(id)) as StoredSnapshot | undefined;
  if (snap !== undefined) {
    if (typeof snap !== 'object' || snap === null || !Number.isInteger(snap.seq) || !('state' in snap))
      throw new RecoveryError(id, 0, `the snapshot is not a Troupe snapshot: ${preview(snap)}`, snap);
    if (snap.version !== snapshotVersion)
      throw new RecoveryError(
        id,
        snap.seq,
        `the snapshot has version ${String(snap.version)} and this behaviour's snapshotVersion is ${snapshotVersion}: ` +
          `delete the snapshot (the journal is replayed from its start) or deploy the code that wrote it`,
        snap,
      );
    state = snap.state as State;
    seq = snap.seq;
  }
  let replayed = 0;
  for await (const entry of store.journal.read(id, seq + 1)) {
    if (entry.seq !== seq + 1)
      throw new RecoveryError(
        id,
        seq + 1,
        `the journal skips from ${seq} to ${entry.seq}: events were deleted without a snapshot that covers them`,
      );
    if (entry.version === FENCE_VERSION) {
      seq = entry.seq; // a fence (see `fence` of the definition): no event to apply
      continue;
    }
    const event = upcast(id, entry.seq, entry.event, entry.version, eventVersion, upcasters) as Event;
    try {
      state = apply(state, event);
    } catch (cause) {
      throw new RecoveryError(
        id,
        entry.seq,
        `apply() threw on the event: ${(cause as Error).message}. The event: ${preview(entry.event)}`,
        entry.event,
        {
          cause,
        },
      );
    }
    seq = entry.seq;
    replayed++;
  }
  return { state, seq, replayed };
}

/** A short text of a stored value for an error message. */
export function preview(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}
