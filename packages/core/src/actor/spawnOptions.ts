/**
 * What `spawn()` is given, checked: the behaviour (a definition, or a catalog name) and the
 * options (name, mailbox, restart, placement). A mistake is refused with an error that says
 * what is allowed; mailbox options are checked by `mailbox/policy.ts`, the one place that knows
 * them.
 * Owns: the spawn option rules. May not touch: cells — it returns checked values.
 * @internal
 */
import type { Behaviour, Catalog } from '../api/ActorSystem.js';
import { isBehaviour } from '../api/ActorSystem.js';
import type { MailboxOptions, Placement, SpawnOptions } from '../api/options.js';
import type { RestartType } from '../api/supervision.js';
import { InvalidOptionsError, refuseUnknownKeys } from '../errors.js';
import { checkMailbox, UNBOUNDED } from '../mailbox/policy.js';

const SPAWN_KEYS = new Set(['name', 'mailbox', 'restart', 'placement']);
const RESTART_TYPES = new Set(['permanent', 'transient', 'temporary']);

/** The behaviour to spawn: a catalog name looked up, a definition registered in the catalog. */
export function resolveBehaviour(sys: { readonly catalog: Catalog }, b: Behaviour | string): Behaviour {
  if (typeof b === 'string') return sys.catalog.require(b);
  if (!isBehaviour(b)) {
    throw new InvalidOptionsError(
      'spawn() takes a behaviour made by defineActor() (or fromXState()), or the catalog name of one',
    );
  }
  // Troupe's own behaviours (guardian, pools) are not listed in the catalog.
  if (!b.name.startsWith('troupe.')) sys.catalog.register(b);
  return b;
}

/** Spawn options after {@link checkSpawnOptions}: every value known good, defaults filled in. */
export interface CheckedSpawnOptions {
  readonly name: string | undefined;
  readonly placement: Placement | undefined;
  readonly mailbox: Required<MailboxOptions>;
  readonly restart: RestartType;
}

const NO_OPTIONS: CheckedSpawnOptions = Object.freeze({
  name: undefined,
  placement: undefined,
  mailbox: UNBOUNDED,
  restart: 'transient',
});

/** Check `spawn()`'s options; throws an `InvalidOptionsError` that names the mistake. */
export function checkSpawnOptions(options: SpawnOptions | undefined): CheckedSpawnOptions {
  if (options === undefined) return NO_OPTIONS;
  if (typeof options !== 'object' || options === null) {
    throw new InvalidOptionsError('spawn() options must be an object such as { name, mailbox, restart }');
  }
  refuseUnknownKeys('spawn', options, SPAWN_KEYS);
  const restart = options.restart ?? 'transient';
  if (!RESTART_TYPES.has(restart)) {
    throw new InvalidOptionsError(
      `spawn option restart must be 'permanent', 'transient' or 'temporary', got ${String(restart)}`,
    );
  }
  return {
    name: options.name,
    placement: options.placement,
    mailbox: checkMailbox(options.mailbox),
    restart,
  };
}
