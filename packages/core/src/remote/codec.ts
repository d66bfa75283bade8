/**
 * The ref codec: refs inside messages cross runtimes as `{ $ref: address }` and are revived as
 * working refs on the other side. Maps cross as `{ $map: [[key, value], …] }` and are rebuilt,
 * because no wire codec keeps one (MessagePack decodes a map as a plain object with string keys,
 * JSON writes `{}`). Messages without refs or Maps take a fast path: the walk copies nothing and
 * the message is sent as it is. Functions and symbols are refused at the sender.
 * @internal
 */
import type { ActorRef } from '../api/ActorRef.js';
import { UnserializableMessageError } from '../errors.js';

const MAX_DEPTH = 32;

/** Marker found by the walker: an object that is an actor ref of any placement. */
function isRef(v: object): v is ActorRef {
  return typeof (v as ActorRef).tell === 'function' && typeof (v as ActorRef).address === 'string';
}

function isPlainContainer(v: object): boolean {
  return !(
    ArrayBuffer.isView(v) ||
    v instanceof ArrayBuffer ||
    v instanceof Date ||
    v instanceof RegExp ||
    v instanceof Error
  );
}

/**
 * Encode the refs and Maps in `value`. Returns the value itself when it holds neither (nothing
 * copied), or a copy with each ref replaced by `{ $ref }` and each Map by `{ $map }`. Sets
 * {@link RefEncoder.hadRefs}.
 */
export class RefEncoder {
  /**
   * True after {@link RefEncoder.encode} if the receiver must revive the value: it holds refs,
   * Maps, or user data that looks like their encoding (sent escaped as `{ $lit }`).
   */
  hadRefs = false;
  private what = 'message';

  encode(value: unknown, what = 'message'): unknown {
    this.hadRefs = false;
    this.what = what;
    if (typeof value !== 'object' || value === null) {
      if (typeof value === 'function' || typeof value === 'symbol') this.refuse(value, '');
      return value;
    }
    return this.walk(value, 0, '');
  }

  private refuse(v: unknown, at: string): never {
    const kind = typeof v === 'function' ? 'a function' : 'a symbol';
    throw new UnserializableMessageError(
      `cannot send this ${this.what} to another thread or node: ${at ? `'${at}'` : 'it'} is ${kind}; ` +
        'send plain data (objects, arrays, strings, numbers, Maps, Sets, typed arrays) and actor refs',
    );
  }

  /** Past {@link MAX_DEPTH} nothing is encoded: refuse a ref or a Map down there rather than send it changed. */
  private refuseDeep(v: object, at: string): void {
    const seen = new Set<object>();
    const stack: object[] = [v];
    const push = (item: unknown) => {
      if (typeof item === 'object' && item !== null && !seen.has(item)) stack.push(item);
    };
    for (let o = stack.pop(); o !== undefined; o = stack.pop()) {
      seen.add(o);
      if (o instanceof Map || isRef(o)) {
        throw new UnserializableMessageError(
          `cannot send this ${this.what} to another thread or node: ${at ? `'${at}'` : 'it'} holds ` +
            `${o instanceof Map ? 'a Map' : 'an actor ref'} more than ${MAX_DEPTH} levels deep (or inside a cycle), ` +
            `where it would arrive changed; keep Maps and refs within ${MAX_DEPTH} levels of the top of the ${this.what}`,
        );
      }
      if (!isPlainContainer(o)) continue;
      if (Array.isArray(o) || o instanceof Set) for (const item of o) push(item);
      else for (const key in o) if (Object.hasOwn(o, key)) push((o as Record<string, unknown>)[key]);
    }
  }

  /** One key or value of a Map. */
  private item(x: unknown, depth: number, at: string): unknown {
    if (typeof x === 'object' && x !== null) return this.walk(x, depth + 1, at);
    if (typeof x === 'function' || typeof x === 'symbol') this.refuse(x, at);
    return x;
  }

  private walk(v: object, depth: number, at: string): unknown {
    if (isRef(v)) {
      this.hadRefs = true;
      return { $ref: v.address };
    }
    if (!isPlainContainer(v)) return v;
    if (depth >= MAX_DEPTH) {
      this.refuseDeep(v, at);
      return v;
    }
    if (Array.isArray(v)) {
      let copy: unknown[] | undefined;
      for (let i = 0; i < v.length; i++) {
        const item = v[i];
        let out = item;
        if (typeof item === 'object' && item !== null) out = this.walk(item, depth + 1, `${at}[${i}]`);
        else if (typeof item === 'function' || typeof item === 'symbol') this.refuse(item, `${at}[${i}]`);
        if (out !== item && copy === undefined) copy = v.slice(0, i);
        if (copy !== undefined) copy.push(out);
      }
      return copy ?? v;
    }
    if (v instanceof Map) {
      // Always copied: it travels as its entries, and the receiver rebuilds it.
      this.hadRefs = true;
      const entries: [unknown, unknown][] = [];
      let i = 0;
      for (const [k, item] of v) {
        entries.push([
          this.item(k, depth, `${at}.keys()[${i++}]`),
          this.item(item, depth, `${at}.get(${String(k)})`),
        ]);
      }
      return { $map: entries };
    }
    if (v instanceof Set) {
      let changed = false;
      const items: unknown[] = [];
      for (const item of v) {
        const out =
          typeof item === 'object' && item !== null ? this.walk(item, depth + 1, `${at}[set]`) : item;
        if (out !== item) changed = true;
        items.push(out);
      }
      return changed ? new Set(items) : v;
    }
    const obj = v as Record<string, unknown>;
    let copy: Record<string, unknown> | undefined;
    let lookalike = false;
    for (const key in obj) {
      if (!Object.hasOwn(obj, key)) continue;
      if (key.charCodeAt(0) === 36 /* $ */ && (key === '$ref' || key === '$lit' || key === '$map'))
        lookalike = true;
      const item = obj[key];
      let out = item;
      if (typeof item === 'object' && item !== null)
        out = this.walk(item, depth + 1, at ? `${at}.${key}` : key);
      else if (typeof item === 'function' || typeof item === 'symbol')
        this.refuse(item, at ? `${at}.${key}` : key);
      if (out !== item && copy === undefined) copy = { ...obj };
      if (copy !== undefined) copy[key] = out;
    }
    if (!lookalike) return copy ?? obj;
    // User data that looks like an encoded ref (or like this escape) travels escaped, so the
    // receiver gives it back as it was instead of turning it into a ref.
    this.hadRefs = true;
    return { $lit: copy ?? obj };
  }
}

/** A `[key, value]` pair of an encoded Map. */
const isEntry = (e: unknown): e is [unknown, unknown] => Array.isArray(e) && e.length === 2;

/**
 * Replace every `{ $ref: address }` in a received value with a working ref, and every
 * `{ $map: entries }` with a Map (in place; the value is a fresh clone). An encoded Map whose
 * entries are not all pairs is left as the plain data it is.
 */
export function reviveRefs(value: unknown, resolve: (address: string) => ActorRef, depth = 0): unknown {
  if (typeof value !== 'object' || value === null || depth > MAX_DEPTH) return value;
  const $ref = (value as { $ref?: unknown }).$ref;
  if (typeof $ref === 'string' && Object.keys(value).length === 1) return resolve($ref);
  const $map = (value as { $map?: unknown }).$map;
  if (Array.isArray($map) && Object.keys(value).length === 1 && $map.every(isEntry)) {
    // Keys and values count one level below the Map, as on the sender.
    const map = new Map<unknown, unknown>();
    for (const [k, v] of $map) map.set(reviveRefs(k, resolve, depth + 1), reviveRefs(v, resolve, depth + 1));
    return map;
  }
  const $lit = (value as { $lit?: unknown }).$lit;
  if ($lit !== undefined && Object.keys(value).length === 1 && isPlainContainer(value)) {
    // Escaped user data (see RefEncoder): revive inside it, but not the object itself.
    if (typeof $lit !== 'object' || $lit === null || !isPlainContainer($lit)) return $lit;
    const inner = $lit as Record<string, unknown>;
    for (const key in inner)
      if (Object.hasOwn(inner, key)) inner[key] = reviveRefs(inner[key], resolve, depth + 1);
    return inner;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = reviveRefs(value[i], resolve, depth + 1);
    return value;
  }
  if (value instanceof Map) {
    for (const [k, v] of value) value.set(k, reviveRefs(v, resolve, depth + 1));
    return value;
  }
  if (value instanceof Set) {
    const items = [...value];
    value.clear();
    for (const item of items) value.add(reviveRefs(item, resolve, depth + 1));
    return value;
  }
  if (!isPlainContainer(value)) return value;
  const obj = value as Record<string, unknown>;
  for (const key in obj) if (Object.hasOwn(obj, key)) obj[key] = reviveRefs(obj[key], resolve, depth + 1);
  return value;
}
