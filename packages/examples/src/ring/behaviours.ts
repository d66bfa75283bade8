/**
 * The ring's catalog module: one behaviour, a rank of an MPI-style communicator. Every runtime
 * loads this module; ranks are spawned on threads by name.
 */
import { threadId } from 'node:worker_threads';
import { type ActorRef, defineActor } from '@troupe/core';

/** Messages between ranks and from the coordinator. */
export type RankMsg =
  | { type: 'init'; ranks: ActorRef<RankMsg>[] }
  | { type: 'whoami' }
  | { type: 'pypar'; msg: string; source: number; done: ActorRef<string> }
  | { type: 'token'; hops: number; total: number; done: ActorRef<number> };

interface RankState {
  readonly rank: number;
  readonly size: number;
  ranks: ActorRef<RankMsg>[];
}

/**
 * One rank. `send(dest, msg)` is a tell to the rank's ref; `receive` is the message handler —
 * MPI's blocking receive becomes "the next message", with no polling.
 */
export const Rank = defineActor<RankMsg, RankState, { rank: number; size: number }, string>({
  name: 'ring.rank',
  init: (_ctx, { rank, size }) => ({ rank, size, ranks: [] }),
  receive(ctx, s, m) {
    const send = (dest: number, msg: RankMsg) => s.ranks[dest]!.tell(msg);
    const next = (s.rank + 1) % s.size;
    switch (m.type) {
      case 'init':
        s.ranks = m.ranks;
        return s;
      case 'whoami':
        ctx.reply(
          `I am rank ${s.rank} of ${s.size} on node ${ctx.self.address.split('/')[3]} (thread ${threadId})`,
        );
        return s;
      case 'pypar':
        // The PyPar example: rank 0 starts 'P0'; every other rank appends 'P<rank>' and passes it on.
        if (s.rank === 0 && m.source === s.size - 1) {
          m.done.tell(`Processor 0 received message "${m.msg}" from rank ${m.source}`);
        } else {
          send(next, {
            type: 'pypar',
            msg: s.rank === 0 ? 'P0' : `${m.msg}P${s.rank}`,
            source: s.rank,
            done: m.done,
          });
        }
        return s;
      case 'token':
        if (m.hops === m.total) m.done.tell(m.hops);
        else send(next, { type: 'token', hops: m.hops + 1, total: m.total, done: m.done });
        return s;
    }
  },
});
