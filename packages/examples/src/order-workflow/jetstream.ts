/**
 * A private nats-server with JetStream (the KV snapshot store needs it) on a free loopback port,
 * storing in a fresh temporary directory that is removed when it stops. A thin wrapper over
 * `startNatsServer` from `@troupe/transport-nats/testing`, which the tests and benchmarks use too.
 */
import { startNatsServer } from '@troupe/transport-nats/testing';

/** A running JetStream server. */
export interface JetStreamServer {
  readonly url: string;
  stop(): Promise<void>;
}

/** Start one (throws with what to install when nats-server is missing). */
export async function startJetStream(): Promise<JetStreamServer> {
  const server = await startNatsServer({ args: ['-js'], storeDir: true });
  return { url: server.url, stop: () => server.stop() };
}
