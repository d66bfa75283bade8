/**
 * The set-up most NATS test files share: one private nats-server for the file (or for a
 * `describe` block), and the actor systems a test starts, shut down after each test.
 */
import type { ActorSystem } from '@troupe/core';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { type NatsServer, startNatsServer } from '../src/testing.js';

/** What {@link natsTestbed} gives a test file. */
export interface NatsTestbed {
  /** The server, started before the first test and stopped after the last. */
  readonly server: NatsServer;
  /** Systems to shut down after the current test; push onto it, or use {@link NatsTestbed.track}. */
  readonly systems: ActorSystem[];
  /** Shut `system` down after the current test; returns it. */
  track<S extends ActorSystem>(system: S): S;
}

/**
 * Register the hooks for one nats-server and the systems of each test. Call it at the top of a
 * file, or inside a `describe` for a server of that block's own.
 *
 * @example
 * ```ts
 * const bed = natsTestbed();
 * it('…', async () => {
 *   const s = bed.track(await createActorSystem({ name: 'x', transports: [nats({ servers: bed.server.url })] }));
 * });
 * ```
 */
export function natsTestbed(): NatsTestbed {
  let server: NatsServer | undefined;
  const systems: ActorSystem[] = [];
  beforeAll(async () => {
    server = await startNatsServer();
  });
  afterEach(async () => {
    for (const s of systems.splice(0)) await s.shutdown();
  });
  afterAll(async () => {
    for (const s of systems.splice(0)) await s.shutdown();
    await server?.stop();
  });
  return {
    get server() {
      if (server === undefined) throw new Error('the nats-server starts in beforeAll: use it inside a test');
      return server;
    },
    systems,
    track(system) {
      systems.push(system);
      return system;
    },
  };
}
