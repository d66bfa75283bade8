/**
 * The journal's text form: events, durable states and snapshots are stored as JSON, and a value
 * that JSON would change on the way (a Date that comes back as a string, a Map or a Set that comes
 * back as `{}`, NaN that comes back as null, a class instance that comes back without its class)
 * is refused when it is persisted, with an error naming it and the fix, rather than recovered
 * changed. Every store of this package and the JetStream store use {@link toJournalJson}.
 *
 * Owns: the check and the encoding. May not touch: where the text is stored.
 */

/** Why `value`, found under `key`, would not come back from JSON as it went in; undefined when it would. */
function lossOf(holder: unknown, key: string, value: unknown): string | undefined {
  const at = key === '' ? '' : ` (at key '${key}')`;
  switch (typeof value) {
    case 'number':
      return Number.isFinite(value) ? undefined : `the number ${value}${at}, which JSON stores as null`;
    case 'undefined':
      return Array.isArray(holder) ? `undefined in an array${at}, which JSON stores as null` : undefined;
    case 'function':
    case 'symbol':
      return `a ${typeof value}${at}, which JSON drops`;
    case 'bigint':
      return `a BigInt${at}, which JSON cannot store: store it as a string`;
    case 'object': {
      if (value === null || Array.isArray(value)) return undefined;
      if (value instanceof Date)
        return `a Date${at}, which would come back as a string: store date.getTime() or date.toISOString()`;
      if (value instanceof Map)
        return `a Map${at}, which JSON stores as {}: store [...map] (its entries) or a plain object`;
      if (value instanceof Set) return `a Set${at}, which JSON stores as {}: store [...set]`;
      if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer)
        return `binary data${at}, which JSON does not keep: store it as an array of numbers or base64 text`;
      const proto = Object.getPrototypeOf(value) as object | null;
      if (proto !== Object.prototype && proto !== null) {
        const cls = (value as { constructor?: { name?: string } }).constructor?.name ?? 'a class';
        return `an instance of ${cls}${at}, which would come back as a plain object without its class: store plain data`;
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

/**
 * True when JSON surely keeps `value` as it is: numbers finite, objects plain (no `toJSON`), no
 * undefined. A value it cannot vouch for (too deep, maybe a cycle) takes the slow path, which
 * finds the exact cause: this walk only saves the replacer's cost (a replacer function turns
 * off V8's fast JSON.stringify) for the common value.
 */
function plain(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'object': {
      if (value === null) return true;
      if (depth > 32) return false;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) if (!plain(value[i], depth + 1)) return false;
        return true;
      }
      const proto = Object.getPrototypeOf(value) as object | null;
      if (proto !== Object.prototype && proto !== null) return false;
      const o = value as Record<string, unknown>;
      if (typeof o.toJSON === 'function') return false;
      for (const k in o) if (Object.hasOwn(o, k) && !plain(o[k], depth + 1)) return false;
      return true;
    }
    default:
      return false;
  }
}

/**
 * `value` as JSON text, or a TypeError saying what in it JSON would not keep (and what to store
 * instead). `what` names it in the error (`persistence id 'user/a': event 3`).
 *
 * @example
 * ```ts
 * toJournalJson("persistence id 'user/a': event 1", { type: 'opened', at: Date.now() }); // '{"type":"opened","at":…}'
 * toJournalJson("persistence id 'user/a': event 1", { at: new Date() }); // throws: a Date (at key 'at'), …
 * ```
 */
export function toJournalJson(what: string, value: unknown): string {
  if (plain(value, 0)) return JSON.stringify(value);
  let loss: string | undefined;
  let text: string | undefined;
  try {
    text = JSON.stringify(value, function (this: unknown, key: string, converted: unknown) {
      // `converted` has been through toJSON (a Date is a string by now): look at the original.
      if (loss === undefined) loss = lossOf(this, key, (this as Record<string, unknown>)[key]);
      return converted;
    });
  } catch (e) {
    if (loss !== undefined) throw new TypeError(`${what} cannot be stored as it is: it holds ${loss}`);
    throw new TypeError(
      `${what} cannot be stored as JSON (${(e as Error).message}): use plain data, without cycles`,
    );
  }
  if (loss !== undefined) throw new TypeError(`${what} cannot be stored as it is: it holds ${loss}`);
  if (text === undefined)
    throw new TypeError(`${what} is not a JSON value (got ${typeof value}): use plain data`);
  return text;
}
