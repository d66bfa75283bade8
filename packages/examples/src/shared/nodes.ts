/**
 * Helpers for the multi-node examples: a private nats-server on a free port (when the user gives
 * no --nats URL and nats-server is installed), and `troupe node` child processes — a parent
 * starting its children with command-line arguments. Both come from
 * `@troupe/transport-nats/testing`, which kills them by PID when this process exits.
 */
import { natsServerAvailable, startNatsServer } from '@troupe/transport-nats/testing';

export { startNode, type TroupeNodeProcess as NodeProcess } from '@troupe/transport-nats/testing';

/** A running nats-server started by this process. */
export interface LocalNats {
  readonly url: string;
  /** Stop it (SIGTERM); it is also killed when this process exits. */
  stop(): void;
}

/** Start nats-server on a free loopback port; throws with what to do if it is not installed. */
export async function startLocalNats(): Promise<LocalNats> {
  if (!natsServerAvailable()) {
    throw new Error(
      'no --nats URL given and nats-server is not installed: in the Troupe repository run `node scripts/nats-server.mjs` (fetches it without root on Debian/Ubuntu), or install it (apt-get install nats-server, brew install nats-server), set TROUPE_NATS_SERVER, or pass --nats nats://host:4222',
    );
  }
  const server = await startNatsServer();
  return { url: server.url, stop: () => void server.kill('SIGTERM') };
}
