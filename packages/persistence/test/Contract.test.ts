/**
 * The store contract against the stores of this package: in memory, and SQLite in a real file.
 * (NATS JetStream runs it in packages/transport-nats/test/JetStreamStore.test.ts.)
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InMemoryStore, isJournalConflictError, SqliteStore } from '../src/index.js';
import { storeContract } from '../src/testing/index.js';

storeContract('in memory', async () => new InMemoryStore());
storeContract(
  'SQLite',
  async () => new SqliteStore({ path: join(mkdtempSync(join(tmpdir(), 'troupe-sqlite-')), 'j.db') }),
);

describe('SQLite: two stores on one file (two processes)', () => {
  it('refuses the append of a store whose remembered head is stale: the other store appended since', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'troupe-sqlite-')), 'j.db');
    const a = new SqliteStore({ path });
    const b = new SqliteStore({ path });
    try {
      await a.journal.append('acct', 0, [{ event: 'a1', version: 1 }]); // a now knows the head: 1
      await b.journal.append('acct', 1, [
        { event: 'b2', version: 1 },
        { event: 'b3', version: 1 },
      ]);
      const stale = a.journal.append('acct', 1, [
        { event: 'a2', version: 1 },
        { event: 'a3', version: 1 },
      ]);
      await expect(stale).rejects.toSatisfy(isJournalConflictError);
      await expect(stale).rejects.toThrow(/the journal is at 3/); // the conflict names the real head
      await a.journal.append('acct', 3, [{ event: 'a4', version: 1 }]); // and a learnt it
      const events: unknown[] = [];
      for await (const e of b.journal.read('acct', 1)) events.push(e.event);
      expect(events).toEqual(['a1', 'b2', 'b3', 'a4']);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
