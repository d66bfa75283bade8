/**
 * The messages a region holds until their key can take them: while the key's shard has no owner
 * yet (its lease is being taken, for instance after its node was lost; it is being handed off;
 * no member offers the type) and while the key's entity is stopping. Per key, in the order they
 * arrived, at most {@link HOLD_PER_KEY}; the region lets them go, in that order, as soon as the
 * key has somewhere to go, each with its asker's reply target, so an ask gets the entity's reply
 * (or times out by its own deadline, at the asker, as any ask). A message for a key whose shard
 * this node owns, and whose entity is not stopping, never comes here: the hot path is untouched.
 *
 * Owns: {@link Outbox}, {@link takeReply}, {@link deliver}. May not touch: routing (the region
 * decides what to hold and when to let go).
 * @internal
 */
import type { ActorContext, ActorRef } from '@troupe/core';
import type { Envelope } from './shard.js';

/** The most messages held for one key; one more is refused (the region dead-letters it). */
export const HOLD_PER_KEY = 1000;

/** Where the reply to a message goes: the asker's reply target, or nothing for a tell. */
export interface ReplyTarget {
  reply(value: unknown): void;
  fail(error: unknown): void;
}

/** A held message and where its reply goes (undefined: it was a tell). */
export interface Held {
  readonly e: Envelope;
  readonly reply: ReplyTarget | undefined;
}

/**
 * Take over the reply target of the message being processed, to send the message on later. Core
 * gives actor contexts `detachReply()` for this (what `ctx.forward` does at once); the region's
 * context is always a local actor's.
 */
export function takeReply(ctx: ActorContext): ReplyTarget | undefined {
  return (ctx as unknown as { detachReply(): ReplyTarget | undefined }).detachReply();
}

/** Send `message` to `ref` with the reply target taken by {@link takeReply}: `ctx.forward`, later. */
export function deliver(ref: ActorRef, message: unknown, reply: ReplyTarget | undefined): void {
  if (reply === undefined) {
    ref.tell(message);
    return;
  }
  // Local and remote refs take the reply target as it is (no promise, no second timer).
  const direct = ref as unknown as { askInto?: (m: unknown, target: ReplyTarget) => number };
  if (typeof direct.askInto === 'function') direct.askInto(message, reply);
  else
    ref.ask(message, { timeoutMs: Number.POSITIVE_INFINITY }).then(
      (v) => reply.reply(v),
      (err: unknown) => reply.fail(err),
    );
}

/** Held messages by key, and the keys by shard, so a shard's messages can be let go at once. */
export class Outbox {
  private readonly queues = new Map<string, Held[]>();
  private readonly byShard = new Map<number, Set<string>>();
  private count = 0;

  constructor(private readonly limit = HOLD_PER_KEY) {}

  /** The number of messages held. */
  get size(): number {
    return this.count;
  }

  /** True when messages of `key` are held. */
  has(key: string): boolean {
    return this.queues.has(key);
  }

  /** Hold `h` (of `shard`) behind the others of its key; false when its key already holds the limit. */
  hold(h: Held, shard: number): boolean {
    let q = this.queues.get(h.e.k);
    if (q === undefined) {
      this.queues.set(h.e.k, (q = []));
      let keys = this.byShard.get(shard);
      if (keys === undefined) this.byShard.set(shard, (keys = new Set()));
      keys.add(h.e.k);
    } else if (q.length >= this.limit) return false;
    q.push(h);
    this.count++;
    return true;
  }

  /** Let go of the messages held for `key` (of `shard`), oldest first. */
  takeKey(key: string, shard: number): Held[] {
    const q = this.queues.get(key);
    if (q === undefined) return [];
    this.queues.delete(key);
    const keys = this.byShard.get(shard);
    keys?.delete(key);
    if (keys?.size === 0) this.byShard.delete(shard);
    this.count -= q.length;
    return q;
  }

  /** Let go of every message held for keys of `shard`: key by key, each key's oldest first. */
  takeShard(shard: number): Held[] {
    const keys = this.byShard.get(shard);
    if (keys === undefined) return [];
    this.byShard.delete(shard);
    const out: Held[] = [];
    for (const key of keys) {
      const q = this.queues.get(key)!;
      this.queues.delete(key);
      for (const h of q) out.push(h);
    }
    this.count -= out.length;
    return out;
  }

  /** The shards that hold messages now. */
  shards(): number[] {
    return [...this.byShard.keys()];
  }
}
