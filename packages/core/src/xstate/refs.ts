/**
 * Troupe refs in a hosted machine's snapshot. xstate's `getPersistedSnapshot()` copies the context
 * by walking every enumerable property, and a live ref would lead it into the whole actor system
 * (a stack overflow). So before xstate walks, refs are swapped for {@link MachineRef}s, which keep
 * their target in private fields and serialize as `{ $ref: address }`; on restore each `{ $ref }`
 * becomes a MachineRef that finds its actor by address in the runtime that hosts the machine.
 * @internal
 */
import type { AnyActorRef, Snapshot } from 'xstate';
import type { CellSystem } from '../actor/ActorCell.js';
import { askOptionsError, checkTellOptions } from '../actor/messageOptions.js';
import { RefBase } from '../actor/RefBase.js';
import { type ActorRef, type AskOptions, isActorRef, type TellOptions } from '../api/ActorRef.js';
import type { ActorSystem } from '../api/ActorSystem.js';
import { ActorStoppedError } from '../errors.js';

/** Deeper than this, values are left as they are (the codec's limit too). */
const MAX_DEPTH = 32;

/** How a restored ref finds its actor, and what it does with messages while there is none. */
export interface RefResolver {
  lookup(address: string): ActorRef | undefined;
  deadLetter(address: string, message: unknown): void;
}

/** Resolve addresses in `system` (the runtime that hosts the machine: main thread, worker or node). */
export function resolverOf(system: ActorSystem): RefResolver {
  const internals = system as Partial<CellSystem>;
  return {
    lookup: (address) => system.lookup(address),
    deadLetter: (address, message) => internals.deadLetter?.(address, message, 'no-such-actor'),
  };
}

/**
 * A ref as a machine's snapshot holds it. Its target lives in private fields, which `for…in` does
 * not see: xstate's context copy passes over it, and `JSON.stringify` writes `{ $ref: address }`.
 * A restored one looks its address up on first use (and again while nothing answers there).
 */
export class MachineRef<Msg = any, Reply = unknown>
  extends RefBase<Msg, Reply>
  implements ActorRef<Msg, Reply>
{
  readonly address: string;
  #target: ActorRef<Msg, Reply> | undefined;
  readonly #resolver: RefResolver | undefined;

  constructor(address: string, target: ActorRef<Msg, Reply> | undefined, resolver?: RefResolver) {
    super();
    this.address = address;
    this.#target = target;
    this.#resolver = resolver;
  }

  get name(): string {
    return this.address.slice(this.address.lastIndexOf('/') + 1);
  }

  #resolve(): ActorRef<Msg, Reply> | undefined {
    if (this.#target === undefined)
      this.#target = this.#resolver?.lookup(this.address) as ActorRef<Msg, Reply> | undefined;
    return this.#target;
  }

  tell(message: Msg, options?: TellOptions): void {
    // Checked here too: with no actor at the address the message is a dead letter, not delivered.
    if (options !== undefined) checkTellOptions(options);
    const t = this.#resolve();
    if (t !== undefined) t.tell(message, options);
    else this.#resolver?.deadLetter(this.address, message);
  }

  ask(message: Msg, options?: AskOptions): Promise<Reply> {
    const invalid = options === undefined ? undefined : askOptionsError(options);
    if (invalid !== undefined) return Promise.reject(invalid);
    const t = this.#resolve();
    if (t !== undefined) return t.ask(message, options);
    return Promise.reject(new ActorStoppedError(this.address, 'no actor answers at this address'));
  }
}

/** One MachineRef per live ref, so repeated snapshots do not allocate new ones. */
const shields = new WeakMap<ActorRef, MachineRef>();

const isPlainObject = (v: object) => {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
};

/**
 * `value` with every live Troupe ref in it (in plain objects and arrays, at any depth) replaced by
 * a {@link MachineRef}; `value` itself when it holds none. Class instances (xstate actors, dates,
 * MachineRefs) are left as they are.
 */
export function shieldRefs(value: unknown, depth = 0): unknown {
  if (typeof value !== 'object' || value === null || depth > MAX_DEPTH || value instanceof MachineRef)
    return value;
  if (isActorRef(value)) {
    let s = shields.get(value);
    if (s === undefined) shields.set(value, (s = new MachineRef(value.address, value)));
    return s;
  }
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const out = shieldRefs(value[i], depth + 1);
      if (out !== value[i]) copy ??= value.slice();
      if (copy !== undefined) copy[i] = out;
    }
    return copy ?? value;
  }
  if (!isPlainObject(value)) return value;
  const obj = value as Record<string, unknown>;
  let copy: Record<string, unknown> | undefined;
  for (const key in obj) {
    if (!Object.hasOwn(obj, key)) continue;
    const out = shieldRefs(obj[key], depth + 1);
    if (out !== obj[key]) copy ??= { ...obj };
    if (copy !== undefined) copy[key] = out;
  }
  return copy ?? value;
}

/** `value` (plain JSON from a store) with every `{ $ref: address }` replaced by a {@link MachineRef}. */
export function restoreRefs(value: unknown, resolver: RefResolver, depth = 0): unknown {
  if (typeof value !== 'object' || value === null || depth > MAX_DEPTH) return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const out = restoreRefs(value[i], resolver, depth + 1);
      if (out !== value[i]) copy ??= value.slice();
      if (copy !== undefined) copy[i] = out;
    }
    return copy ?? value;
  }
  if (!isPlainObject(value)) return value;
  const obj = value as Record<string, unknown>;
  const $ref = obj.$ref;
  if (typeof $ref === 'string' && Object.keys(obj).length === 1)
    return new MachineRef($ref, undefined, resolver);
  let copy: Record<string, unknown> | undefined;
  for (const key in obj) {
    if (!Object.hasOwn(obj, key)) continue;
    const out = restoreRefs(obj[key], resolver, depth + 1);
    if (out !== obj[key]) copy ??= { ...obj };
    if (copy !== undefined) copy[key] = out;
  }
  return copy ?? value;
}

interface MachineSnapshotLike {
  readonly machine: object;
  readonly context: unknown;
  readonly children?: Record<string, AnyActorRef>;
}

const isMachineSnapshot = (s: unknown): s is MachineSnapshotLike =>
  typeof s === 'object' && s !== null && typeof (s as MachineSnapshotLike).machine === 'object';

/**
 * The persisted snapshot of `actor` (`getPersistedSnapshot()`), with Troupe refs in the contexts
 * of the machine and of its child machines as {@link MachineRef}s: working refs in this runtime,
 * `{ $ref }` in JSON and across threads and nodes.
 */
export function persistedSnapshot(actor: AnyActorRef): Snapshot<unknown> {
  const snap = actor.getSnapshot() as unknown;
  if (!isMachineSnapshot(snap)) return actor.getPersistedSnapshot();
  const undo: (() => void)[] = [];
  try {
    shieldChildren(snap, undo);
    const context = shieldRefs(snap.context);
    if (context === snap.context) return actor.getPersistedSnapshot();
    return (
      actor as unknown as { logic: { getPersistedSnapshot(s: unknown): Snapshot<unknown> } }
    ).logic.getPersistedSnapshot({ ...snap, context });
  } finally {
    for (const u of undo) u();
  }
}

/**
 * xstate persists each child machine through the child's own snapshot: while the persisted copy is
 * made, a child whose context holds live refs shows a shielded snapshot (put back right after;
 * nothing runs in between, the copy is synchronous).
 */
function shieldChildren(snap: MachineSnapshotLike, undo: (() => void)[]): void {
  const children = snap.children;
  for (const id in children) {
    const child = children[id] as unknown as { _snapshot?: unknown; getSnapshot(): unknown };
    const s = child.getSnapshot();
    if (!isMachineSnapshot(s)) continue;
    shieldChildren(s, undo);
    const context = shieldRefs(s.context);
    if (context === s.context || !('_snapshot' in child)) continue;
    const original = child._snapshot;
    child._snapshot = { ...s, context };
    undo.push(() => {
      child._snapshot = original;
    });
  }
}
