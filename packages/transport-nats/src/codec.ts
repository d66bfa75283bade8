/**
 * The wire codec: a batch travels as an envelope `[version, from, to, batch]`, encoded with
 * MessagePack (default) or JSON. Decoding treats every byte as untrusted: anything that is not a
 * well-formed envelope of a known version is rejected with a cause, never thrown at the caller.
 */
import { Packr } from 'msgpackr';

/** The envelope version this package speaks. */
export const WIRE_VERSION = 1;

/** How batches are encoded on the wire. */
export type CodecName = 'msgpack' | 'json';

/** A decoded envelope. */
export interface Envelope {
  readonly from: string;
  readonly to: string;
  readonly batch: unknown[];
}

/** Encode/decode envelopes. */
export interface WireCodec {
  readonly name: CodecName;
  encode(from: string, to: string, batch: unknown[]): Uint8Array;
  /** The envelope, or the cause it was rejected for. */
  decode(bytes: Uint8Array): Envelope | { readonly reject: string; readonly detail: string };
}

const NODE_RE = /^[A-Za-z0-9_-]+(\.t\d+)?$/;

function check(value: unknown): Envelope | { reject: string; detail: string } {
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

/** MessagePack with structured-clone extensions (Map, Set, Date, typed arrays, cycles). */
export function msgpackCodec(): WireCodec {
  const packr = new Packr({ structuredClone: true, moreTypes: true, useRecords: false });
  return {
    name: 'msgpack',
    encode: (from, to, batch) => packr.pack([WIRE_VERSION, from, to, batch]),
    decode(bytes) {
      let value: unknown;
      try {
        value = packr.unpack(bytes);
      } catch (e) {
        return { reject: 'undecodable', detail: (e as Error).message.slice(0, 120) };
      }
      return check(value);
    },
  };
}

/** JSON, for interoperability (Maps, Sets and typed arrays do not survive it). */
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
        return { reject: 'undecodable', detail: (e as Error).message.slice(0, 120) };
      }
      return check(value);
    },
  };
}
