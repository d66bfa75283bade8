/**
 * The structure rules of the workspace, checked by `pnpm lint` (dependency-cruiser): no import
 * cycle anywhere (type-only imports included), core's layers import only downwards, core never
 * imports a transport, and packages reach each other only through their public entry points.
 * docs/architecture.md draws the same layers; change both together.
 */

/**
 * The layers of packages/core/src, bottom to top. A module may import modules of its own layer
 * and of the layers below it, never above. Paths are relative to packages/core/src.
 */
const CORE_LAYERS = [
  ['base', '(errors|serializedError|address|clock)\\.ts'], // errors, actor addresses, the clock: no imports of ours
  ['api', 'api/'], // the public contract: refs, behaviours, contexts, the system, events (types)
  ['queues', '(mailbox|dispatch)/'], // mailboxes and the run queue of actors with work
  ['supervision', 'supervision/'], // strategies, directives, restart intensity and backoff
  ['actor', 'actor/'], // cells, local refs, asks, timers, death watch, defineActor
  ['catalog', 'catalog/'], // behaviours by name, catalog modules
  ['remote', 'remote/'], // links to other runtimes: records, asks, remote refs, runtime loss
  ['threads', 'threads/'], // worker-thread runtimes of this process
  ['transport', 'transport/'], // the Transport interface and the bridge to the network
  ['pool', 'pool/'], // pools and routers over any placement
  ['system', 'system/'], // the actor system: wiring, placement, the guardian, createActorSystem
  ['adapters', '(xstate|testing)/'], // xstate machines as behaviours; test helpers
  ['entry', 'index\\.ts'], // the package's entry point
];

const core = (p) => `^packages/core/src/${p}`;
const layerRules = CORE_LAYERS.flatMap(([name, path], i) =>
  CORE_LAYERS.slice(i + 1).map(([above, abovePath]) => ({
    name: `core-layer-${name}-not-to-${above}`,
    comment: `core/src/${path} (layer '${name}') may not import core/src/${abovePath} (layer '${above}', above it): see docs/architecture.md`,
    severity: 'error',
    from: { path: core(path) },
    to: { path: core(abovePath) },
  })),
);

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment:
        'An import cycle, type-only imports included: move the shared part into a module both can import.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'core-not-to-transports',
      comment: 'Core never imports a transport: a transport is passed to createActorSystem({ transports }).',
      severity: 'error',
      from: { path: '^packages/core/' },
      to: { path: '^packages/(transport-nats|examples|bench)/' },
    },
    {
      name: 'core-not-to-layers-above',
      comment:
        'Core never imports the layers above it (persistence, entities, telemetry): they plug into the core through its public API.',
      severity: 'error',
      from: { path: '^packages/core/' },
      to: { path: '^packages/(persistence|entities|telemetry)/' },
    },
    {
      name: 'persistence-not-to-transports',
      comment: 'The persistence layer knows no transport: a JetStream store lives in @troupe/transport-nats.',
      severity: 'error',
      from: { path: '^packages/persistence/src/' },
      to: { path: '^packages/(transport-nats|examples|bench|entities)/' },
    },
    {
      name: 'entities-not-to-transports',
      comment:
        'The entities layer knows no transport and no store: its NATS lease store lives in @troupe/transport-nats, and a durable entity brings its own store.',
      severity: 'error',
      from: { path: '^packages/entities/src/' },
      to: { path: '^packages/(transport-nats|examples|bench|persistence)/' },
    },
    {
      name: 'no-deep-imports-between-packages',
      comment:
        "A package's source reaches another package only through its public entry points (@troupe/core, @troupe/core/testing, …).",
      severity: 'error',
      from: { path: '^packages/([^/]+)/src/', pathNot: '^packages/core/' },
      to: { path: '^packages/([^/]+)/(src|dist)/', pathNot: ['^packages/$1/'] },
    },
    {
      name: 'libraries-not-to-examples',
      comment: 'Libraries never depend on the examples or the benchmarks.',
      severity: 'error',
      from: { path: '^packages/(core|persistence|transport-nats)/' },
      to: { path: '^packages/(examples|bench)/' },
    },
    {
      name: 'core-src-not-to-tests',
      comment: 'Sources never import tests or fixtures.',
      severity: 'error',
      from: { path: '^packages/[^/]+/src/' },
      to: { path: '^packages/[^/]+/test/' },
    },
    ...layerRules,
  ],
  options: {
    // Type-only imports count: a cycle of types is a cycle of ideas.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.base.json' },
    doNotFollow: { path: ['node_modules', '/dist/'] },
    exclude: { path: ['/dist/', 'node_modules'] },
    enhancedResolveOptions: {
      extensions: ['.ts', '.js', '.mjs'],
      conditionNames: ['import', 'types', 'default'],
    },
    moduleSystems: ['es6'],
  },
};
