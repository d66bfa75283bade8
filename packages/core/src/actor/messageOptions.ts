/**
 * Checking the options of `tell` and `ask`, for every kind of ref (local, thread, node, pool,
 * xstate). Options are looked at only when an options object is given, so a plain `tell(m)` or
 * `ask(m)` costs one comparison and allocates nothing (the hot path of message passing).
 * @internal
 */

import type { AskOptions, TellOptions } from '../api/ActorRef.js';
import { InvalidOptionsError } from '../errors.js';

const TELL_KEYS: readonly string[] = ['transfer'];
const ASK_KEYS: readonly string[] = ['timeoutMs', 'transfer'];

/**
 * What is wrong with the options of a tell, or `undefined` if nothing is. Only call it with an
 * options object actually given (`options !== undefined`).
 */
export function tellOptionsError(options: TellOptions): InvalidOptionsError | undefined {
  return optionsError('tell', options, TELL_KEYS);
}

/** What is wrong with the options of an ask, or `undefined` if nothing is (see {@link tellOptionsError}). */
export function askOptionsError(options: AskOptions): InvalidOptionsError | undefined {
  const error = optionsError('ask', options, ASK_KEYS);
  if (error !== undefined) return error;
  const ms: unknown = options.timeoutMs; // typed a number, but given by untyped code too
  if (ms === undefined || (typeof ms === 'number' && ms >= 0)) return undefined; // NaN fails `>= 0`
  const asNumber = typeof ms === 'string' && ms.trim() !== '' ? Number(ms) : Number.NaN;
  return new InvalidOptionsError(
    `ask option timeoutMs must be a number of milliseconds ≥ 0 (Infinity: no timeout), got ${describe(ms)}; ` +
      (asNumber >= 0 ? `give the number itself: { timeoutMs: ${asNumber} }` : 'e.g. { timeoutMs: 1000 }'),
  );
}

/**
 * An ask's timeout: `options.timeoutMs`, else `fallback` (the system's); the error to reject the
 * ask with if the options are not valid (see {@link askOptionsError}).
 */
export function askTimeout(options: AskOptions | undefined, fallback: number): number | InvalidOptionsError {
  if (options === undefined) return fallback;
  return askOptionsError(options) ?? options.timeoutMs ?? fallback;
}

/**
 * Throw what is wrong with the options of a tell. A mistake in the call throws, the same in
 * every placement; the state of the recipient never does (ADR 0003).
 */
export function checkTellOptions(options: TellOptions): void {
  const error = tellOptionsError(options);
  if (error !== undefined) throw error;
}

function optionsError(
  op: 'tell' | 'ask',
  options: unknown,
  known: readonly string[],
): InvalidOptionsError | undefined {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    const example =
      op === 'ask'
        ? typeof options === 'number'
          ? `{ timeoutMs: ${options} }`
          : '{ timeoutMs: 1000 }'
        : '{ transfer: [buffer] }';
    return new InvalidOptionsError(
      `${op}() options must be an object such as ${example}, got ${describe(options)}`,
    );
  }
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) return unknownOption(op, key, known);
  }
  const transfer = (options as TellOptions).transfer;
  if (transfer !== undefined && !Array.isArray(transfer)) {
    return new InvalidOptionsError(
      `${op} option transfer must be an array of transferables (e.g. [samples.buffer]), got ${describe(transfer)}`,
    );
  }
  return undefined;
}

function unknownOption(op: 'tell' | 'ask', key: string, known: readonly string[]): InvalidOptionsError {
  const list = `the ${op} options are: ${known.join(', ')}`;
  const near = closest(key, op === 'tell' ? ASK_KEYS : known);
  if (near !== undefined && !known.includes(near)) {
    // `{ timeoutMs }` (or `{ timeout }`) given to tell: an ask option.
    return new InvalidOptionsError(
      `unknown tell option '${key}': a tell does not wait for a reply, so it has no ${near}; use ask() to wait for one (${list})`,
    );
  }
  return new InvalidOptionsError(
    `unknown ${op} option '${key}'${near === undefined ? '' : ` — did you mean '${near}'?`} (${list})`,
  );
}

/** The known name `key` is most likely a typo of, if any is close enough. */
function closest(key: string, known: readonly string[]): string | undefined {
  const k = key.toLowerCase();
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const name of known) {
    const n = name.toLowerCase();
    // `timeout` for `timeoutMs`, `timeoutMS`, `transfers`: a prefix either way, or a few edits.
    const prefix = k.length >= 3 && (n.startsWith(k) || k.startsWith(n));
    const d = prefix ? 0 : editDistance(k, n);
    if (d < bestDistance) [best, bestDistance] = [name, d];
  }
  return bestDistance <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++)
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length]!;
}

/** A value and its type, for error texts: `"100" (a string)`, `true (a boolean)`. */
function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string':
      return `${JSON.stringify(value)} (a string)`;
    case 'number':
      return String(value);
    case 'object':
      return 'an object';
    case 'function':
      return 'a function';
    default:
      return `${String(value)} (a ${typeof value})`;
  }
}
