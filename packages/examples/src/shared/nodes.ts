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

/** Options of {@link startLocalNats}. */
export interface LocalNatsOptions {
  /** Run it with JetStream (`-js`) on a fresh store directory, removed when this process exits. */
  readonly jetStream?: boolean;
  /** The example has a `--nats URL` option, which the error for a missing nats-server suggests (default true). */
  readonly natsOption?: boolean;
}

/** Start nats-server on a free loopback port; throws with what to do if it is not installed. */
export async function startLocalNats(options: LocalNatsOptions = {}): Promise<LocalNats> {
  if (!natsServerAvailable()) {
    const natsOption = options.natsOption ?? true;
    throw new Error(
      `${natsOption ? 'no --nats URL given and ' : ''}nats-server is not installed: in the Troupe repository run \`node scripts/nats-server.mjs\` (fetches it without root on Debian/Ubuntu), or install it (apt-get install nats-server, brew install nats-server)${natsOption ? ', set TROUPE_NATS_SERVER, or pass --nats nats://host:4222' : ', or set TROUPE_NATS_SERVER'}`,
    );
  }
  const server = await startNatsServer(options.jetStream ? { args: ['-js'], storeDir: true } : {});
  return { url: server.url, stop: () => void server.kill('SIGTERM') };
}
