/**
 * Catalog of the `nats` suite: the behaviours the receiving Troupe system runs. Both systems of
 * the suite live in this one process, so the sink can end a round through a {@link Countdown}
 * registered here by the sender — the same way the raw subscriber ends its round.
 */
import { defineActor } from '@troupe/core';
import type { Countdown } from '../peers/protocol.js';

/** Countdowns of the rounds in progress, by key (the sink's spawn argument). */
export const countdowns = new Map<string, Countdown>();

/** Answers every ping with its value: a bare remote round trip. */
export const Echo = defineActor<{ type: 'ping'; value: number }, undefined, void, number>({
  name: 'bench.nats.echo',
  receive(ctx, _state, m) {
    ctx.reply(m.value);
  },
});

/**
 * Ticks the countdown registered under its spawn argument for every message it receives (looked
 * up per message, as the raw subscriber does: each round registers a fresh countdown).
 */
export const Sink = defineActor<{ type: 'tick' }, string, string>({
  name: 'bench.nats.sink',
  init: (_ctx, key) => key,
  receive(_ctx, key) {
    countdowns.get(key)?.tick();
    return key;
  },
});
