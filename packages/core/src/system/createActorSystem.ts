/**
 * The actor system: the root of the actor tree in this runtime, its dispatcher, catalog, event
 * stream and registry. `createActorSystem` is the entry point of Troupe.
 */

import { validateName } from '../address.js';
import type { ActorSystem } from '../api/ActorSystem.js';
import { InvalidOptionsError, refuseUnknownKeys } from '../errors.js';
import { resolveSupervision } from '../supervision/options.js';
import { checkLinkOptions } from '../transport/ReliableLinks.js';
import { LocalActorSystem } from './LocalActorSystem.js';
import type { ActorSystemOptions } from './options.js';

const OPTION_KEYS = new Set([
  'name',
  'nodeId',
  'catalog',
  'supervision',
  'onFatal',
  'askTimeoutMs',
  'dispatcher',
  'clock',
  'random',
  'threads',
  'transports',
  'links',
]);

/**
 * Create an actor system in this runtime.
 *
 * @example
 * ```ts
 * import { createActorSystem } from '@troupe/core';
 * const system = await createActorSystem({ name: 'demo', catalog: [new URL('./behaviours.js', import.meta.url)] });
 * ```
 */
export async function createActorSystem(options: ActorSystemOptions): Promise<ActorSystem> {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidOptionsError("createActorSystem() takes an options object, e.g. { name: 'my-system' }");
  }
  refuseUnknownKeys('createActorSystem', options, OPTION_KEYS);
  validateName(options.name, 'system name');
  if (options.nodeId !== undefined) validateName(options.nodeId, 'nodeId');
  const askTimeoutMs: unknown = options.askTimeoutMs;
  // A string such as '100' compares as a number but would make every deadline a string.
  if (askTimeoutMs !== undefined && !(typeof askTimeoutMs === 'number' && askTimeoutMs > 0)) {
    throw new InvalidOptionsError(
      `askTimeoutMs must be a number of milliseconds > 0 (Infinity: no timeout), got ${typeof askTimeoutMs === 'string' ? `'${askTimeoutMs}' (a string)` : String(askTimeoutMs)}`,
    );
  }
  resolveSupervision(options.supervision);
  const links = checkLinkOptions(options.links);
  const threads = options.threads === true ? {} : options.threads === false ? undefined : options.threads;
  const system = new LocalActorSystem(options, undefined, threads);
  for (const entry of options.catalog ?? []) {
    if (typeof entry === 'string' || entry instanceof URL) await system.catalog.load(entry);
    else system.catalog.register(entry);
  }
  const transports = options.transports ?? [];
  if (!Array.isArray(transports) || transports.some((t) => typeof t?.start !== 'function')) {
    throw new InvalidOptionsError('transports must be an array of transports, e.g. [nats({ servers })]');
  }
  try {
    if (threads !== undefined) await system.startThreads(threads);
    if (transports.length > 0) await system.startTransports(transports, links);
  } catch (e) {
    await system.shutdown();
    throw e;
  }
  return system;
}
