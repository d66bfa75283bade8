/**
 * The journal of the JetStream store (`natsJetStreamStore`): the events of a persistence id
 * are the messages of one subject, one message per append (so an append is atomic), and the server
 * lets one writer only append after a given message (`Nats-Expected-Last-Subject-Sequence`).
 * Owns: the journal's layout in the stream. May not touch: the stream's creation, snapshots.
 */
import { randomUUID } from 'node:crypto';
import {
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  type StoredMsg,
} from '@nats-io/jetstream';
import { headers, type NatsConnection } from '@nats-io/nats-core';
import type {
  Journal,
  JournalConflictError,
  JournalEntry,
  NewEvent,
  StoreUnavailableError,
  toJournalJson,
} from '@troupe/persistence';
import { toKey } from './snapshotStore.js';

const LAST = 'Troupe-Last'; // header: the sequence number of the message's last event
const WRITER = 'Troupe-Writer'; // header: one id per append, to tell our own duplicate from a rival's
const KNOWN_MAX = 10_000; // ids whose last message this store remembers
const dec = new TextDecoder();

/**
 * The classes and the JSON check of `@troupe/persistence` (an optional peer dependency: loaded
 * when a store is opened).
 * @internal
 */
export interface Errors {
  readonly JournalConflictError: typeof JournalConflictError;
  readonly StoreUnavailableError: typeof StoreUnavailableError;
  readonly toJournalJson: typeof toJournalJson;
}

/** The last message of an id's subject: its stream sequence and the sequence number of its last event. */
interface Last {
  readonly streamSeq: number;
  readonly last: number;
}

/** The payload of one append, as JSON text; throws a TypeError naming the id when an event is not JSON. */
function encodeAppend(
  json: typeof toJournalJson,
  id: string,
  first: number,
  events: readonly NewEvent[],
): string {
  const parts = events.map(({ event, version }, i) => {
    const text = json(`persistence id '${id}': event ${first + i}`, event);
    if (!Number.isSafeInteger(version))
      throw new TypeError(
        `persistence id '${id}': event ${first + i} has version ${version}: use an integer`,
      );
    return `{"v":${version},"e":${text}}`;
  });
  return `{"first":${first},"events":[${parts.join(',')}]}`;
}

/** The events of a message from sequence number `from` on. */
function* decode(data: Uint8Array, from: number): Generator<JournalEntry> {
  const { first, events } = JSON.parse(dec.decode(data)) as {
    first: number;
    events: { v: number; e: unknown }[];
  };
  for (let i = Math.max(0, from - first); i < events.length; i++)
    yield { seq: first + i, version: events[i]!.v, event: events[i]!.e };
}

/** The sequence number of the first event of a stored message (the payload starts `{"first":N,`). */
function firstOf(m: { readonly data: Uint8Array }): number {
  return Number(/^\{"first":(\d+),/.exec(dec.decode(m.data.subarray(0, 32)))?.[1] ?? Number.NaN);
}

/** The sequence number of the last event of a stored message. */
function lastOf(m: StoredMsg | JsMsg): number {
  const h = 'header' in m ? m.header : m.headers;
  const v = h?.get(LAST);
  if (v === undefined || v === '')
    throw new Error(`message ${m.seq} on '${m.subject}' is not a Troupe journal message`);
  return Number(v);
}

const wrongLast = (e: unknown) =>
  e instanceof JetStreamApiError &&
  (e.code === JetStreamApiCodes.StreamWrongLastSequence ||
    e.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown);

/**
 * Call `fn` with stack traces off. nats.js builds two `Error` objects for every request, eagerly,
 * so that a timeout has a stack; capturing those stacks (deep under an actor's handler) was a
 * quarter of an append's CPU under load. The journal reports failures with its own errors, which
 * name the persistence id and what to do, so these stacks are never read.
 */
function withoutStacks<T>(fn: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return fn();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/**
 * A {@link Journal} in a JetStream stream; made by `natsJetStreamStore`.
 * @internal
 */
export class JetStreamJournal implements Journal {
  /** Per id, its last message as this store last saw it (an id's last sequence number is checked by the server anyway). */
  private readonly known = new Map<string, Last>();

  constructor(
    private readonly nc: NatsConnection,
    private readonly jsm: JetStreamManager,
    private readonly js: JetStreamClient,
    private readonly stream: string,
    private readonly prefix: string,
    private readonly timeoutMs: number,
    private readonly errors: Errors,
  ) {}

  async append(id: string, expectedSeq: number, events: readonly NewEvent[]): Promise<void> {
    const subject = this.subject(id);
    const first = expectedSeq + 1;
    const payload = encodeAppend(this.errors.toJournalJson, id, first, events); // before anything is sent
    const max = this.nc.info?.max_payload;
    if (max !== undefined && Buffer.byteLength(payload) + 512 > max)
      throw new RangeError(
        `persistence id '${id}': an append of ${events.length} events is ${Buffer.byteLength(payload)} bytes, more than the server's max_payload (${max}): append fewer events at a time, or raise max_payload`,
      );
    const conflict = (actual: number | undefined) =>
      new this.errors.JournalConflictError(id, expectedSeq, actual);
    try {
      let known = this.known.get(id);
      if (known?.last !== expectedSeq || events.length === 0) {
        known = await this.fetchLast(id, subject);
        if (known.last !== expectedSeq) throw conflict(known.last);
      }
      if (events.length === 0) return;
      const writer = randomUUID();
      const h = headers();
      h.set(LAST, String(expectedSeq + events.length));
      h.set(WRITER, writer);
      const ack = await withoutStacks(() =>
        this.js.publish(subject, payload, {
          msgID: `${toKey(id)}:${first}`,
          expect: { lastSubjectSequence: known.streamSeq }, // 0: no message on the subject yet
          headers: h,
        }),
      );
      // The server de-duplicates before it checks the last sequence: a rival's append after the
      // same sequence number comes back as a duplicate of it.
      if (ack.duplicate) {
        const stored = await this.jsm.streams.getMessage(this.stream, { seq: ack.seq });
        if (stored?.header.get(WRITER) !== writer) throw conflict(undefined);
      }
      this.remember(id, { streamSeq: ack.seq, last: expectedSeq + events.length });
    } catch (e) {
      this.known.delete(id);
      if (wrongLast(e)) throw conflict(undefined);
      throw this.failure(e, `could not append to persistence id '${id}'`, true);
    }
  }

  async *read(id: string, fromSeq: number): AsyncIterable<JournalEntry> {
    const subject = this.subject(id);
    let last: StoredMsg | null;
    let from: number;
    try {
      const [l, mark] = await Promise.all([this.lastMessage(id, subject), this.mark(subject)]);
      last = l;
      from = Math.max(fromSeq, mark + 1, 1);
    } catch (e) {
      throw this.failure(e, `could not read persistence id '${id}'`, false);
    }
    if (last === null || lastOf(last) < from) return;
    if (firstOf(last) <= from) {
      yield* decode(last.data, from); // the last message holds all that is asked for: no consumer needed
      return;
    }
    let start = 1;
    if (from > 1) {
      try {
        start = await this.seek(subject, from, last.seq);
      } catch (e) {
        throw this.failure(e, `could not read persistence id '${id}'`, false);
      }
    }
    for await (const m of this.scan(id, subject, last.seq, start)) {
      if (lastOf(m) >= from) yield* decode(m.data, from);
    }
  }

  async lastSeq(id: string): Promise<number> {
    const subject = this.subject(id);
    try {
      return (await this.fetchLast(id, subject)).last;
    } catch (e) {
      throw this.failure(e, `could not read the last sequence number of persistence id '${id}'`, false);
    }
  }

  async deleteUpTo(id: string, seq: number): Promise<void> {
    const subject = this.subject(id);
    try {
      const last = await this.lastMessage(id, subject);
      if (last === null) return;
      const upTo = Math.min(seq, lastOf(last) - 1); // the last event is always kept
      if (upTo < 1) return;
      // The first message to keep; earlier ones were purged by earlier calls, so the scan is short.
      let keep: StoredMsg | JsMsg = last;
      if (firstOf(last) > upTo + 1) {
        for await (const m of this.scan(id, subject, last.seq)) {
          if (lastOf(m) > upTo) {
            keep = m;
            break;
          }
        }
      }
      // A purge by sequence 0 or 1 purges the whole subject: there is nothing before 1 anyway.
      if (keep.seq > 1) await this.jsm.streams.purge(this.stream, { filter: subject, seq: keep.seq });
      // A kept message holding events up to `upTo` too: reads skip those below the mark.
      if (firstOf(keep) <= upTo) await this.raiseMark(subject, upTo);
    } catch (e) {
      throw this.failure(e, `could not delete events of persistence id '${id}'`, false);
    }
  }

  private subject(id: string): string {
    if (typeof id !== 'string' || id === '')
      throw new TypeError(`a persistence id must be a non-empty string, got '${id}'`);
    return `${this.prefix}.${toKey(id)}`;
  }

  private remember(id: string, last: Last): void {
    this.known.delete(id);
    this.known.set(id, last);
    if (this.known.size > KNOWN_MAX) this.known.delete(this.known.keys().next().value!);
  }

  private async lastMessage(id: string, subject: string): Promise<StoredMsg | null> {
    const m = await this.jsm.streams.getMessage(this.stream, { last_by_subj: subject });
    if (m === null) this.known.delete(id);
    else this.remember(id, { streamSeq: m.seq, last: lastOf(m) });
    return m;
  }

  private async fetchLast(id: string, subject: string): Promise<Last> {
    const m = await this.lastMessage(id, subject);
    return m === null ? { streamSeq: 0, last: 0 } : { streamSeq: m.seq, last: lastOf(m) };
  }

  /** Events up to the mark of `subject` were deleted (0: none). */
  private async mark(subject: string): Promise<number> {
    const m = await this.jsm.streams.getMessage(this.stream, { last_by_subj: `${subject}.deleted` });
    return m === null ? 0 : Number(m.string());
  }

  private async raiseMark(subject: string, upTo: number): Promise<void> {
    const markSubject = `${subject}.deleted`;
    for (let attempt = 0; attempt < 5; attempt++) {
      const m = await this.jsm.streams.getMessage(this.stream, { last_by_subj: markSubject });
      if (m !== null && Number(m.string()) >= upTo) return; // marks only go up
      try {
        const ack = await this.js.publish(markSubject, String(upTo), {
          expect: { lastSubjectSequence: m?.seq ?? 0 },
        });
        if (m !== null) await this.jsm.streams.purge(this.stream, { filter: markSubject, seq: ack.seq });
        return;
      } catch (e) {
        if (!wrongLast(e)) throw e; // another deleter moved the mark: look again
      }
    }
  }

  /**
   * The messages of `subject` in order, up to stream sequence `until` (the last one when reading
   * began: a scan never waits for appends), through an ordered consumer deleted afterwards.
   */
  /**
   * The stream sequence of the first message of `subject` that holds event `from` or a later one:
   * a binary search over stream sequences with "the next message of this subject at or after"
   * gets (about 17 round trips for 100k messages), so a read from a snapshot does not scan the
   * whole history.
   */
  private async seek(subject: string, from: number, until: number): Promise<number> {
    let lo = 1;
    let hi = until; // the message at `until` (the last) holds `from`
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      const m = await this.jsm.streams.getMessage(this.stream, { seq: mid, next_by_subj: subject } as never);
      if (m === null || m.seq > until) {
        hi = mid;
      } else if (lastOf(m) < from) {
        lo = m.seq + 1;
      } else {
        if (firstOf(m) <= from) return m.seq; // the message that holds `from`
        hi = mid; // no message of the subject in [mid, m.seq): start at mid or before
      }
    }
    return lo;
  }

  private async *scan(id: string, subject: string, until: number, start = 1): AsyncGenerator<JsMsg> {
    let consumer: Awaited<ReturnType<JetStreamClient['consumers']['get']>>;
    let messages: Awaited<ReturnType<typeof consumer.consume>>;
    try {
      consumer = await this.js.consumers.get(
        this.stream,
        start > 1
          ? { filter_subjects: subject, deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: start }
          : { filter_subjects: subject },
      );
      messages = await consumer.consume({ max_messages: 500 });
    } catch (e) {
      throw this.failure(e, `could not read persistence id '${id}'`, false);
    }
    const it = messages[Symbol.asyncIterator]();
    try {
      for (;;) {
        let timer: NodeJS.Timeout | undefined;
        const next = await Promise.race([
          it.next(),
          new Promise<never>((_, reject) => {
            timer = setTimeout(
              () => reject(new Error(`no message within ${this.timeoutMs} ms`)),
              this.timeoutMs,
            );
          }),
        ])
          .catch((e) => {
            throw this.failure(e, `could not read persistence id '${id}'`, false);
          })
          .finally(() => clearTimeout(timer));
        if (next.done) return;
        yield next.value;
        if (next.value.seq >= until || next.value.info.pending === 0) return;
      }
    } finally {
      messages.stop();
      consumer.delete().catch(() => {}); // it also goes by itself when inactive
    }
  }

  /** `e` as the error a caller of the store sees. @internal */
  failure(e: unknown, what: string, write: boolean): Error {
    if (e instanceof TypeError || e instanceof RangeError) return e;
    if (e instanceof Error && (e.name === 'JournalConflictError' || e.name === 'StoreUnavailableError'))
      return e;
    if (e instanceof JetStreamApiError)
      return new this.errors.StoreUnavailableError(
        `${what}: the JetStream server refused (${e.message})` +
          (write
            ? `; nothing was written. If the stream '${this.stream}' is full, delete events covered by snapshots (deleteUpTo) or raise its maxBytes`
            : ''),
        { cause: e },
      );
    return new this.errors.StoreUnavailableError(
      `${what}: the NATS JetStream server could not be reached (${(e as Error).message})` +
        (write
          ? '; nothing was acknowledged. Recover (read the journal) before writing again: a write that timed out may still have been stored'
          : '; try again when the server is back'),
      { cause: e },
    );
  }
}
