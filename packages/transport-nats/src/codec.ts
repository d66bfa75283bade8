/**
 * The wire codec: a batch travels as an envelope `[version, from, to, batch]`, encoded with
 * MessagePack (default) or JSON. Decoding treats every byte as untrusted: anything that is not a
 * well-formed envelope of a known version is rejected with a cause, never thrown at the caller.
 */
import { UnserializableMessageError } from '@troupe/core';
import { Packr } from 'msgpackr';

/** The envelope version this package speaks. */
export const WIRE_VERSION = 1;

/** How batches are encoded on the wire. */
export type CodecName = 'msgpack' | 'json';

/** A decoded envelope. */
export interface Envelope {
  /** The sending node (or one of its threads), e.g. `n3k2x9.t0`. */
  readonly from: string;
  /** The node (or thread) the batch is for. */
  readonly to: string;
  /** The records (see docs/wire-protocol.md); still untrusted: each is validated when applied. */
  readonly batch: unknown[];
}

/**
 * Why bytes were not an envelope.
 *
 * @example
 * ```ts
 * const r = codec.decode(bytes);
 * if ('reject' in r) console.warn(`dropped (${r.reject}): ${r.detail}`);
 * ```
 */
export interface Rejected {
  /** The cause the node counts the drop under (`undecodable`, `malformed-envelope`, `unknown-version`). */
  readonly reject: string;
  /** A short, sanitized description for the log. */
  readonly detail: string;
}

/** Encode/decode envelopes. */
export interface WireCodec {
  /** Which encoding this is. */
  readonly name: CodecName;
  /** Encode one envelope; throws if a value cannot be encoded (the sender reports it). */
  encode(from: string, to: string, batch: unknown[]): Uint8Array;
  /** The envelope, or why it was rejected. */
  decode(bytes: Uint8Array): Envelope | Rejected;
}

const NODE_RE = /^[A-Za-z0-9_-]+(\.t\d+)?$/;

function check(value: unknown): Envelope | Rejected {
  if (!Array.isArray(value) || value.length !== 4)
    return { reject: 'malformed-envelope', detail: 'not a 4-element envelope' };
  const [v, from, to, batch] = value as unknown[];
  if (v !== WIRE_VERSION)
    return { reject: 'unknown-version', detail: `envelope version ${JSON.stringify(v)?.slice(0, 20)}` };
  if (typeof from !== 'string' || !NODE_RE.test(from))
    return { reject: 'malformed-envelope', detail: 'bad sender node id' };
  if (typeof to !== 'string' || !NODE_RE.test(to))
    return { reject: 'malformed-envelope', detail: 'bad recipient node id' };
  if (!Array.isArray(batch)) return { reject: 'malformed-envelope', detail: 'the batch is not an array' };
  return { from, to, batch };
}

// A node whose peers use the other codec drops everything they send, and logs only the first
// drop of each cause: that line has to name the likely cause, not the parser's complaint. The
// checks run only on the drop path, and look at a few bytes: an envelope in the other codec
// gives itself away by how it starts (and ends).

const isJsonSpace = (b: number) => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
const [OPEN_ARRAY, CLOSE_ARRAY, OPEN_OBJECT, CLOSE_OBJECT] = [0x5b, 0x5d, 0x7b, 0x7d]; // [ ] { }

/** Text that opens and closes like a JSON array or object (a JSON envelope is `[1,…]`). */
function looksLikeJson(bytes: Uint8Array): boolean {
  let i = 0;
  let j = bytes.length - 1;
  while (i < j && isJsonSpace(bytes[i]!)) i++;
  while (j > i && isJsonSpace(bytes[j]!)) j--;
  if (j <= i) return false;
  const [first, last] = [bytes[i], bytes[j]];
  return (first === OPEN_ARRAY && last === CLOSE_ARRAY) || (first === OPEN_OBJECT && last === CLOSE_OBJECT);
}

/** A MessagePack array (fixarray, array 16, array 32): how every msgpack envelope starts. */
function looksLikeMsgpack(bytes: Uint8Array): boolean {
  const first = bytes[0];
  return first !== undefined && ((first >= 0x90 && first <= 0x9f) || first === 0xdc || first === 0xdd);
}

/** The detail of an `undecodable` drop that is most likely a peer with the other codec. */
function mismatch(seen: string, speaks: string): string {
  return (
    `looks like ${seen}: codec mismatch? this node speaks ${speaks} ` +
    '(every node of a system must use the same codec: nats({ codec }), troupe node --codec)'
  );
}

/**
 * MessagePack, with msgpackr's extensions for Set, Date, typed arrays and BigInt. The codec
 * itself decodes a MessagePack map as a plain object; messages keep their Maps because core's ref
 * codec sends each as `{ $map: [[key, value], …] }` before a batch reaches a transport, and the
 * receiving runtime rebuilds it. Messages are trees: an object referenced twice
 * arrives as two copies, and a cycle is refused at the sender with an
 * `UnserializableMessageError` (msgpackr's object-identity encoding needs shared state between
 * sender and receiver, which an at-most-once network cannot promise).
 *
 * @example
 * ```ts
 * const codec = msgpackCodec();
 * const bytes = codec.encode('n1', 'n2', [1, 'user/a', { type: 'hi', at: new Date() }]);
 * const env = codec.decode(bytes); // { from: 'n1', to: 'n2', batch: [...] }
 * ```
 */
export function msgpackCodec(): WireCodec {
  const packr = new Packr({ moreTypes: true, useRecords: false });
  return {
    name: 'msgpack',
    encode(from, to, batch) {
      try {
        return packr.pack([WIRE_VERSION, from, to, batch]);
      } catch (e) {
        if (e instanceof RangeError) {
          throw new UnserializableMessageError(
            'a message to another node contains a cycle (or is nested too deeply) and cannot be encoded; ' +
              'send a tree of plain data (replace back-references by ids)',
            { cause: e },
          );
        }
        throw e;
      }
    },
    decode(bytes) {
      let value: unknown;
      try {
        value = packr.unpack(bytes);
      } catch (e) {
        if (looksLikeJson(bytes)) return { reject: 'undecodable', detail: mismatch('JSON', 'msgpack') };
        return { reject: 'undecodable', detail: (e as Error).message.slice(0, 120) };
      }
      return check(value);
    },
  };
}

/**
 * JSON, for interoperability. Messages keep their Maps (core's ref codec sends each as
 * `{ $map: [[key, value], …] }`); Sets and typed arrays become plain objects, Dates ISO strings,
 * and a BigInt cannot be encoded.
 *
 * @example
 * ```ts
 * const codec = jsonCodec();
 * const bytes = codec.encode('n1', 'n2', [1, 'user/a', { type: 'hi' }]); // [1,"n1","n2",[1,"user/a",{"type":"hi"}]]
 * ```
 */
export function jsonCodec(): WireCodec {
  const enc = new TextEncoder();
  const dec = new TextDecoder('utf-8', { fatal: true });
  return {
    name: 'json',
    encode: (from, to, batch) => enc.encode(JSON.stringify([WIRE_VERSION, from, to, batch])),
    decode(bytes) {
      let value: unknown;
      try {
        value = JSON.parse(dec.decode(bytes));
      } catch (e) {
        if (looksLikeMsgpack(bytes))
          return { reject: 'undecodable', detail: mismatch('MessagePack', 'JSON') };
        return { reject: 'undecodable', detail: (e as Error).message.slice(0, 120) };
      }
      return check(value);
    },
  };
}
