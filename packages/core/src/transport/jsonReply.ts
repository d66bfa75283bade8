/**
 * What JSON cannot carry in the reply of an exposed actor. A reply leaves the system as
 * `JSON.stringify` text, which writes a Map as `{}` and drops a function without a word; a
 * transport asks {@link jsonReplyProblem} first and answers with a `ReplyError` instead of
 * sending the data changed.
 */

/** A value JSON cannot carry: what it is, what JSON would make of it, and what to reply instead. */
interface Unfit {
  readonly what: string;
  readonly becomes: string;
  readonly instead: string;
}

const AS_EMPTY = 'it would arrive as {}';

/** `a Uint8Array`, `an ArrayBuffer`. */
const named = (v: object) => {
  const name = v.constructor?.name ?? 'binary buffer';
  return `${/^[AEIO]/.test(name) ? 'an' : 'a'} ${name}`; // a Uint8Array: 'U' as in 'you'
};

function unfitObject(v: object): Unfit | undefined {
  if (v instanceof Map)
    return {
      what: 'a Map',
      becomes: AS_EMPTY,
      instead: 'an object (Object.fromEntries(map)) or an array of entries ([...map])',
    };
  if (v instanceof Set) return { what: 'a Set', becomes: AS_EMPTY, instead: 'an array ([...set])' };
  if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer || v instanceof SharedArrayBuffer) {
    return {
      what: named(v),
      // A typed array is written as an object with a key per index; a buffer or DataView as `{}`.
      becomes:
        ArrayBuffer.isView(v) && !(v instanceof DataView)
          ? 'it would arrive as an object with numeric keys'
          : AS_EMPTY,
      instead: 'an array of numbers (Array.from(bytes)) or a base64 string',
    };
  }
  if (v instanceof Error)
    return { what: 'an Error', becomes: AS_EMPTY, instead: 'an object with its name and message' };
  if (v instanceof RegExp) return { what: 'a RegExp', becomes: AS_EMPTY, instead: 'its source as a string' };
  if (v instanceof WeakMap || v instanceof WeakSet || v instanceof Promise)
    return { what: named(v), becomes: AS_EMPTY, instead: 'plain data' };
  return undefined;
}

/** A primitive that JSON drops (`function`, `symbol`) or cannot write (`bigint`). */
function unfitPrimitive(v: unknown): Unfit | undefined {
  switch (typeof v) {
    case 'bigint':
      return { what: 'a BigInt', becomes: 'JSON.stringify throws on it', instead: 'a string or a number' };
    case 'function':
    case 'symbol':
      return {
        what: `a ${typeof v}`,
        becomes: 'it would be left out, or be null in an array',
        instead: 'plain data without it',
      };
    default:
      return undefined;
  }
}

function describe(u: Unfit, at: string): string {
  const where = at === '' ? `the reply is ${u.what}` : `the reply holds ${u.what} at '${at}'`;
  return `${where}, which JSON cannot carry (${u.becomes}); reply with ${u.instead} instead`;
}

/** The first unfit value below `v`, described; `path` holds the objects from the top to `v`. */
function walk(v: object, at: string, path: Set<object>): string | undefined {
  // An object with toJSON (a Date, an actor ref) is written as toJSON says: its own choice.
  if (typeof (v as { toJSON?: unknown }).toJSON === 'function') return undefined;
  const unfit = unfitObject(v);
  if (unfit !== undefined) return describe(unfit, at);
  if (path.has(v)) {
    return (
      `the reply holds a cycle at '${at}' (an object inside itself), which JSON cannot carry; ` +
      'reply with a tree (replace back-references by ids) instead'
    );
  }
  path.add(v);
  let found: string | undefined;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length && found === undefined; i++) found = check(v[i], `${at}[${i}]`, path);
  } else {
    const obj = v as Record<string, unknown>;
    for (const key in obj) {
      if (!Object.hasOwn(obj, key)) continue;
      found = check(obj[key], at === '' ? key : `${at}.${key}`, path);
      if (found !== undefined) break;
    }
  }
  path.delete(v);
  return found;
}

function check(v: unknown, at: string, path: Set<object>): string | undefined {
  if (typeof v === 'object' && v !== null) return walk(v, at, path);
  const unfit = unfitPrimitive(v);
  return unfit === undefined ? undefined : describe(unfit, at);
}

/**
 * Why `value` cannot be an exposed actor's reply as JSON, or `undefined` if `JSON.stringify`
 * writes it as it is. Refused: Maps, Sets, typed arrays and buffers, Errors, RegExps (all written
 * as `{}` or as objects with numeric keys), functions and symbols (left out), BigInts (they make
 * `JSON.stringify` throw) and cycles, anywhere in the reply. Allowed, as JSON's own conventions:
 * `undefined` (a field left out, `null` in an array), `NaN` and `Infinity` (`null`), and objects
 * with a `toJSON` method such as Dates and actor refs. Only an object reply is walked; a
 * primitive costs one `typeof`.
 *
 * @example
 * ```ts
 * const why = jsonReplyProblem({ totals: new Map([['eu', 3]]) });
 * // "the reply holds a Map at 'totals', which JSON cannot carry (it would arrive as {}); reply with
 * //  an object (Object.fromEntries(map)) or an array of entries ([...map]) instead"
 * if (why !== undefined) respond({ ok: false, error: { name: 'ReplyError', message: why } });
 * ```
 */
export function jsonReplyProblem(value: unknown): string | undefined {
  return check(value, '', new Set());
}
