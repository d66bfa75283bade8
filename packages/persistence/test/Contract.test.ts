/**
 * The store contract against the stores of this package: in memory, and SQLite in a real file.
 * (NATS JetStream runs it in packages/transport-nats/test/JetStreamStore.test.ts.)
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InMemoryStore, SqliteStore } from '../src/index.js';
import { storeContract } from '../src/testing/index.js';

storeContract('in memory', async () => new InMemoryStore());
storeContract(
  'SQLite',
  async () => new SqliteStore({ path: join(mkdtempSync(join(tmpdir(), 'troupe-sqlite-')), 'j.db') }),
);
