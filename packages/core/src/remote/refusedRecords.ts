/**
 * Records that could not be posted (a message with a cycle, a batch over the payload limit, a
 * `DataCloneError`, a full resend buffer): the batch is sent again record by record, and each record that still
 * cannot go is reported at its sender, so nothing is lost silently.
 *
 * Owns: nothing; these are functions of what they are given. May not touch: the link table (the
 * caller passes the one send function and the one ask table involved) or any tracking table of
 * the runtime. The only actor state it changes is a child whose spawn could not be sent: it is
 * marked lost and failed to its parent, through the parent's ordinary supervision.
 * @internal
 */
import type { ReplyTarget } from '../actor/ask.js';
import { formatAddress } from '../address.js';
import { LinkBufferFullError, PayloadTooLargeError, UnserializableMessageError } from '../errors.js';
import { serializeError } from '../serializedError.js';
import { Sys } from '../supervision/handles.js';
import type { AskTable } from './AskTable.js';
import { type Control, RECORD_SIZE, Rec } from './protocol.js';
import { RemoteChild } from './proxies.js';
import type { RemoteHost } from './RemoteHost.js';

/**
 * Send `batch` record by record with `send`; report each record that cannot go to `node` at
 * its sender: an ask here rejects (`asks`, the table of this runtime's asks to `node`), or, for
 * a thread's ask, `answerThread` gets a reply error; a tell is a dead letter, a reply becomes an
 * error reply, a spawn fails the child to its parent. (Tells and spawns from a thread are
 * reported here, on the main thread.)
 */
export function refuseRecords(
  host: RemoteHost,
  node: string,
  batch: unknown[],
  error: unknown,
  send: (record: unknown[]) => void,
  asks: AskTable<ReplyTarget> | undefined,
  answerThread: ((records: unknown[]) => void) | undefined,
): void {
  let i = 0;
  while (i < batch.length) {
    const kind = batch[i] as Rec;
    const size = RECORD_SIZE[kind] ?? batch.length - i;
    const record = batch.slice(i, i + size);
    i += size;
    try {
      send(record);
      continue;
    } catch (e) {
      error = e;
    }
    const cause =
      error instanceof PayloadTooLargeError ||
      error instanceof UnserializableMessageError ||
      error instanceof LinkBufferFullError
        ? error
        : new UnserializableMessageError(
            `a message to ${node} could not be cloned (${(error as Error)?.message ?? error}); send plain data and actor refs`,
          );
    if (kind === Rec.Ask || kind === Rec.AskRefs) {
      const id = record[3] as number;
      if (answerThread !== undefined) {
        // The asker is a thread: its ask waits for a reply from `node`, so the error comes as one.
        answerThread([Rec.ReplyError, id, serializeError(cause)]);
        continue;
      }
      asks?.take(id)?.fail(cause);
    } else if (kind === Rec.Tell || kind === Rec.TellRefs) {
      host.deadLetter(
        formatAddress({ system: host.name, node, path: String(record[1]) }),
        record[2],
        cause instanceof LinkBufferFullError ? 'link-full' : 'unserializable',
      );
      host.events.publish({ kind: 'error', where: `tell to ${node}`, error: serializeError(cause) });
    } else if (kind === Rec.Reply || kind === Rec.ReplyRefs) {
      try {
        send([Rec.ReplyError, record[1], serializeError(cause)]);
      } catch {
        /* the link is gone */
      }
    } else if (kind === Rec.Control) {
      controlFailed(host, node, record[1] as Control, cause);
    }
  }
}

/** A control record could not be sent: a spawn fails the child to its parent here, others are reported. */
function controlFailed(host: RemoteHost, node: string, c: Control, cause: Error): void {
  host.events.publish({ kind: 'error', where: `${c.c} to ${node}`, error: serializeError(cause) });
  if (c.c !== 'spawn') return;
  const parent = host.cellAt(c.parent);
  const child = parent?.childCells?.get(c.spec.name);
  if (parent !== undefined && child instanceof RemoteChild && child.node === node) {
    child.lost = true; // it never started: a restart spawns it again (and fails again, up to the restart intensity)
    parent.sendSystem({ k: Sys.Failed, child, error: cause });
  }
}
