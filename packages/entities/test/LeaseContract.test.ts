/** The lease store contract against the in-memory lease store (NATS KV runs it in transport-nats). */
import { InMemoryLeaseStore } from '../src/index.js';
import { leaseStoreContract } from '../src/testing/index.js';

leaseStoreContract('in memory', async () => new InMemoryLeaseStore());
