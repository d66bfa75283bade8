/**
 * What a system counts for `system.stats()`: dead letters by reason, input dropped by cause,
 * tells refused by full mailboxes of other runtimes, and the fullest mailboxes of the moment.
 * Owns: the counters and the one-time log line per drop cause. May not touch: cells (it reads
 * their mailbox sizes) or anything it counts.
 * @internal
 */
import type { DeadLetterReason, EventStream } from '../api/events.js';

/** An actor and how many messages wait in its mailbox. */
export interface MailboxDepth {
  readonly actor: string;
  readonly depth: number;
}

export class SystemCounters {
  deadLetters = 0;
  rejectedByPeers = 0;
  private readonly deadLettersBy: Record<string, number> = {};
  private readonly droppedBy: Record<string, number> = {};

  constructor(
    private readonly events: EventStream,
    private readonly nodeId: string,
  ) {}

  deadLetter(recipient: string, message: unknown, reason: DeadLetterReason): void {
    this.deadLetters++;
    this.deadLettersBy[reason] = (this.deadLettersBy[reason] ?? 0) + 1;
    if (this.events.listensTo('dead-letter'))
      this.events.publish({ kind: 'dead-letter', recipient, message, reason });
  }

  rejectedByPeer(recipient: string, count: number): void {
    this.rejectedByPeers += count;
    if (this.events.listensTo('rejected'))
      this.events.publish({ kind: 'rejected', recipient, count, reason: 'mailbox-full' });
  }

  /** Input from another runtime was dropped: counted by cause, logged once per cause. */
  dropped(cause: string, detail: string): void {
    const n = (this.droppedBy[cause] ?? 0) + 1;
    this.droppedBy[cause] = n;
    if (n === 1)
      console.warn(
        `[troupe] node ${this.nodeId} dropped input (${cause}): ${detail}; further drops of this cause are only counted (system.stats().droppedByCause)`,
      );
  }

  /** Copies of the counts by reason and by cause. */
  byReason(): { deadLettersByReason: Record<string, number>; droppedByCause: Record<string, number> } {
    return { deadLettersByReason: { ...this.deadLettersBy }, droppedByCause: { ...this.droppedBy } };
  }
}

/** The messages queued in `cells` all together, and the five fullest mailboxes, fullest first. */
export function mailboxFigures(cells: Iterable<{ readonly address: string; readonly mailboxSize: number }>): {
  queued: number;
  deepest: MailboxDepth[];
} {
  let queued = 0;
  const deepest: MailboxDepth[] = [];
  for (const cell of cells) {
    const depth = cell.mailboxSize;
    if (depth === 0) continue;
    queued += depth;
    if (deepest.length < 5 || depth > deepest[deepest.length - 1]!.depth) {
      deepest.push({ actor: cell.address, depth });
      deepest.sort((a, b) => b.depth - a.depth);
      if (deepest.length > 5) deepest.pop();
    }
  }
  return { queued, deepest };
}
