/**
 * The store persistent actors use when their behaviour names none: a SQLite file, so that
 * `createActorSystem()` alone gives durable actors. One per thread, opened at first use, closed
 * when the thread or process exits.
 *
 * Owns: where the default file is and its one instance per thread. May not touch: actors.
 */
import { join } from 'node:path';
import { SqliteStore } from './SqliteStore.js';

let store: SqliteStore | undefined;

/**
 * The default store's file: `TROUPE_STORE` if set, else `.troupe/troupe.db` under the current
 * directory.
 */
export function defaultStorePath(): string {
  return process.env.TROUPE_STORE ?? join(process.cwd(), '.troupe', 'troupe.db');
}

/**
 * The default {@link SqliteStore} of this thread, opened at first use at {@link defaultStorePath}.
 * Every thread and process on the machine that uses the same path shares the same journal.
 *
 * @example
 * ```ts
 * // TROUPE_STORE=/var/lib/shop/troupe.db node main.js
 * const store = defaultStore(); // what eventSourced({ ... }) without `store` uses
 * ```
 */
export function defaultStore(): SqliteStore {
  store ??= new SqliteStore({ path: defaultStorePath() });
  return store;
}
