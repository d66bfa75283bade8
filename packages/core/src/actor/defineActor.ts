/**
 * `defineActor`: a behaviour from a definition, checked at once (name, receive, supervision
 * options) and branded so catalogs can tell it from other objects. The types it makes live in
 * `api/ActorSystem.ts`. A behaviour has a catalog name, so a runtime elsewhere (a worker thread,
 * a remote node) can start it by name — code never travels.
 */
import { type ActorDefinition, BEHAVIOUR, type Behaviour } from '../api/ActorSystem.js';
import { resolveSupervision } from '../supervision/options.js';

/**
 * Define a behaviour with typed messages, state, spawn arguments and ask replies.
 *
 * @example
 * ```ts
 * type Msg = { type: 'inc'; by: number } | { type: 'get' };
 * export const Counter = defineActor<Msg, number, number, number>({
 *   name: 'counter',
 *   init: (_ctx, start) => start,
 *   receive(ctx, n, m) {
 *     if (m.type === 'inc') return n + m.by;
 *     ctx.reply(n);
 *   },
 * });
 * ```
 */
export function defineActor<Msg, State = undefined, Args = void, Reply = unknown>(
  definition: ActorDefinition<Msg, State, Args, Reply>,
): Behaviour<Msg, State, Args, Reply> {
  if (typeof definition !== 'object' || definition === null) {
    throw new TypeError(
      'defineActor() takes an object: { name, init?, receive, onStop?, onRestart?, supervision? }',
    );
  }
  if (typeof definition.name !== 'string' || definition.name.length === 0) {
    throw new TypeError(
      'defineActor(): `name` must be a non-empty string (the catalog name of the behaviour)',
    );
  }
  if (typeof definition.receive !== 'function') {
    throw new TypeError(
      `defineActor('${definition.name}'): \`receive\` must be a function (ctx, state, message) => state`,
    );
  }
  if (definition.supervision !== undefined) resolveSupervision(definition.supervision); // fail now, not at the first failure
  return Object.freeze({ ...definition, [BEHAVIOUR]: true as const });
}
