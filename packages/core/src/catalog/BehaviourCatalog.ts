/**
 * The catalog: behaviours registered by name. Every runtime (main thread, worker thread, remote
 * node) loads the same catalog modules; spawning elsewhere sends a name and arguments, so a
 * runtime only ever runs behaviours from its own catalog.
 */
import { type Behaviour, type Catalog, isBehaviour } from '../api/ActorSystem.js';
import {
  type CatalogOwner,
  DuplicateNameError,
  InvalidOptionsError,
  UnknownBehaviourError,
} from '../errors.js';

/**
 * A catalog entry given to `createActorSystem({ catalog })`: a behaviour, or a module that exports
 * behaviours (its absolute URL, as a `URL` or a string). Only behaviours from modules can run on
 * worker threads, which load the same modules.
 *
 * @example
 * ```ts
 * const catalog: CatalogEntry[] = [Logger, new URL('./behaviours.js', import.meta.url)];
 * const system = await createActorSystem({ name: 'shop', catalog });
 * ```
 */
export type CatalogEntry = Behaviour | string | URL;

/**
 * The {@link Catalog} of a runtime: behaviours by name, and the catalog modules they came from
 * (loaded through tsx when a module is TypeScript). `system.catalog` is one; `troupe node` makes
 * one to check its `--spawn` arguments before it joins.
 *
 * @example
 * ```ts
 * const catalog = new BehaviourCatalog('my tool');
 * await catalog.load(new URL('./behaviours.js', import.meta.url));
 * catalog.names(); // ['counter', …]
 * ```
 */
export class BehaviourCatalog implements Catalog {
  private readonly byName = new Map<string, Behaviour>();
  /** Module specifiers (absolute URLs) loaded into this catalog, for other runtimes to load too. */
  readonly modules: string[] = [];
  private readonly fromModules = new Set<string>();

  constructor(
    /** Which runtime's catalog this is (e.g. `node n1`), for error messages. */
    private readonly where: string,
    /** Whose catalog it is (this process's, a worker thread's), so an error says where to add a behaviour. */
    private readonly owner: CatalogOwner = 'local',
  ) {}

  /** Register a behaviour. Registering the same behaviour twice is a no-op; a different one with the same name throws. */
  register(behaviour: Behaviour): void {
    if (!isBehaviour(behaviour)) {
      throw new InvalidOptionsError(
        'catalog.register() takes a behaviour made by defineActor() or fromXState()',
      );
    }
    const existing = this.byName.get(behaviour.name);
    if (existing === behaviour) return;
    if (existing !== undefined) {
      throw new DuplicateNameError(
        `two different behaviours are named '${behaviour.name}' in the catalog of ${this.where}; give each a unique name`,
      );
    }
    this.byName.set(behaviour.name, behaviour);
  }

  /** The behaviour with this name, or `undefined`. */
  get(name: string): Behaviour | undefined {
    return this.byName.get(name);
  }

  /** The behaviour with this name; throws {@link UnknownBehaviourError} naming the known ones. */
  require(name: string): Behaviour {
    const b = this.byName.get(name);
    if (b === undefined) throw new UnknownBehaviourError(name, this.where, this.names(), this.owner);
    return b;
  }

  /** True if a behaviour of this name is registered. */
  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** True if the behaviour was loaded from a catalog module (so other runtimes can load it too). */
  isFromModule(name: string): boolean {
    return this.fromModules.has(name);
  }

  /** All registered names, sorted. */
  names(): string[] {
    return [...this.byName.keys()].sort();
  }

  /**
   * Import a catalog module and register every behaviour it exports (named exports, and a default
   * export that is a behaviour or an array of behaviours).
   */
  async load(specifier: string | URL): Promise<void> {
    const url = specifier instanceof URL ? specifier.href : specifier;
    if (isTypeScript(url)) {
      try {
        await (typescriptReady ??= prepareTypeScript());
      } catch (cause) {
        typescriptReady = undefined; // tsx may be installed by the next attempt
        throw new InvalidOptionsError(
          `catalog module ${url} is TypeScript, which Troupe loads through tsx: install tsx (npm i -D tsx), or list the compiled .js module`,
          { cause },
        );
      }
    }
    let mod: Record<string, unknown>;
    try {
      // Imported once, under its own URL, so every other import of it gets the same module.
      mod = (await import(url)) as Record<string, unknown>;
    } catch (cause) {
      const code = (cause as { code?: string })?.code;
      const notFound =
        code === 'ERR_MODULE_NOT_FOUND' ||
        code === 'ERR_INVALID_URL' ||
        code === 'ERR_UNSUPPORTED_ESM_URL_SCHEME';
      throw new InvalidOptionsError(
        notFound
          ? `could not find catalog module ${url}: ${(cause as Error).message}; check the path (in code, a URL relative to your module: new URL('./behaviours.js', import.meta.url))`
          : `catalog module ${url} threw while loading: ${(cause as Error)?.name}: ${(cause as Error)?.message ?? cause}${typescriptHint(url, cause)}`,
        { cause },
      );
    }
    // A TypeScript module in a CommonJS package reaches us through tsx as CommonJS: its exports
    // are then the properties of `default`.
    const exported = Object.values(mod);
    const d = mod.default;
    if (typeof d === 'object' && d !== null && !Array.isArray(d) && !isBehaviour(d))
      exported.push(...Object.values(d));
    let found = 0;
    for (const value of exported) {
      for (const v of Array.isArray(value) ? value : [value]) {
        if (isBehaviour(v)) {
          this.register(v);
          this.fromModules.add(v.name);
          found++;
        }
      }
    }
    if (found === 0) {
      throw new InvalidOptionsError(
        `catalog module ${url} exports no behaviours; export the results of defineActor()`,
      );
    }
    if (!this.modules.includes(url)) this.modules.push(url);
  }
}

/** True if `url` names a TypeScript file (by its path: a query or fragment does not count). */
function isTypeScript(url: string): boolean {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    return false; // not a URL (a package specifier): Node decides
  }
  return /\.[cm]?tsx?$/.test(path);
}

/**
 * Settles once this thread can import TypeScript: at once if it can by itself, else after tsx's
 * loader is registered (once per thread, however many catalogs ask at the same time).
 */
let typescriptReady: Promise<void> | undefined;

async function prepareTypeScript(): Promise<void> {
  try {
    // A file of its own: a failed import is remembered by Node, so a user's module must never be
    // the one tried first.
    await import(new URL('../../src/catalog/tsProbe.ts', import.meta.url).href);
    return;
  } catch {
    // This thread cannot import TypeScript by itself: tsx it is.
  }
  // Resolved at run time: tsx is an optional peer dependency. Both hooks, as the tsx command
  // has: a .ts file in a package without "type": "module" is CommonJS to tsx.
  const esmApi = 'tsx/esm/api';
  const cjsApi = 'tsx/cjs/api';
  const esm = (await import(esmApi)) as { register: () => unknown };
  const cjs = (await import(cjsApi).catch(() => undefined)) as { register: () => unknown } | undefined;
  esm.register();
  cjs?.register();
}

/** What to add to the message of a TypeScript module that failed to load. */
function typescriptHint(url: string, cause: unknown): string {
  if (!isTypeScript(url)) return '';
  const code = (cause as { code?: string })?.code ?? '';
  if (code.startsWith('ERR_UNSUPPORTED_TYPESCRIPT') || code.includes('TYPE_STRIPPING'))
    return " (Node's own type stripping cannot load it: install tsx (npm i -D tsx) and run under it, or list the compiled .js module)";
  return '';
}
