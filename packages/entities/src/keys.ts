/**
 * From an entity's key to where it lives: the shard of a key (core's `fnv1a`, the same in every
 * process and version), the child name of a key (any string becomes a valid actor name), and the
 * node that should own a shard (rendezvous hashing over the nodes that offer the type: every node
 * computes the same owner from the same membership, with no round trip, and a node that joins or
 * leaves moves only the shards it wins or held).
 *
 * Owns: these three functions. May not touch: anything with state.
 * @internal
 */
import { createHash } from 'node:crypto';
import { fnv1a } from '@troupe/core';

/** The shard of `key`, in `[0, shards)`. */
export function shardOf(key: string, shards: number): number {
  return fnv1a(key) % shards;
}

const PLAIN = /^[A-Za-z0-9_.-]+$/;

/**
 * A valid actor name for `key`: the key itself when it is made of letters, digits, `_`, `.` and
 * `-` (and does not start with `.`), otherwise `~` and its hex-escaped UTF-8 bytes; a name longer
 * than 200 characters becomes `~h` and a SHA-256 of the key.
 */
export function childName(key: string): string {
  if (PLAIN.test(key) && key[0] !== '.' && key.length <= 200) return key;
  let out = '~';
  for (const b of Buffer.from(key, 'utf8')) {
    const c = String.fromCharCode(b);
    out += /[A-Za-z0-9_-]/.test(c) ? c : `.${b.toString(16).padStart(2, '0')}`;
  }
  return out.length <= 200 ? out : `~h${createHash('sha256').update(key).digest('hex')}`;
}

/** The node of `nodes` that owns `shard` (highest rendezvous score); undefined when there is none. */
export function ownerOf(nodes: readonly string[], shard: number): string | undefined {
  let best: string | undefined;
  let score = -1;
  for (const n of nodes) {
    const s = fnv1a(`${n}#${shard}`);
    if (s > score || (s === score && best !== undefined && n < best)) {
      best = n;
      score = s;
    }
  }
  return best;
}
