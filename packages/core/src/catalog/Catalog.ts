/**
 * The catalog: behaviours registered by name. Every runtime (main thread, worker thread, remote
 * node) loads the same catalog modules; spawning elsewhere sends a name and arguments, so a
 * runtime only ever runs behaviours from its own catalog.
 */
import { type Behaviour, isBehaviour } from '../actor/behaviour.js';
import { DuplicateNameError, InvalidOptionsError, UnknownBehaviourError } from '../errors.js';

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
 * Behaviours by name.
 *
 * @example
 * ```ts
 * system.catalog.register(Counter);
 * system.catalog.names(); // ['counter']
 * ```
 */
export class Catalog {
  private readonly byName = new Map<string, Behaviour>();
  /** Module specifiers (absolute URLs) loaded into this catalog, for other runtimes to load too. */
  readonly modules: string[] = [];
  private readonly fromModules = new Set<string>();

  constructor(
    /** Which runtime's catalog this is (e.g. `node n1`), for error messages. */
    private readonly where: string,
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
    if (b === undefined) throw new UnknownBehaviourError(name, this.where, this.names());
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
    let mod: Record<string, unknown>;
    try {
      mod = await importCatalog(url);
    } catch (cause) {
      if (cause instanceof InvalidOptionsError) throw cause;
      const code = (cause as { code?: string })?.code;
      const notFound =
        code === 'ERR_MODULE_NOT_FOUND' ||
        code === 'ERR_INVALID_URL' ||
        code === 'ERR_UNSUPPORTED_ESM_URL_SCHEME';
      throw new InvalidOptionsError(
        notFound
          ? `could not find catalog module ${url}: ${(cause as Error).message}; check the path (in code, a URL relative to your module: new URL('./behaviours.js', import.meta.url))`
          : `catalog module ${url} threw while loading: ${(cause as Error)?.name}: ${(cause as Error)?.message ?? cause}`,
        { cause },
      );
    }
    let found = 0;
    for (const value of Object.values(mod)) {
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

/** True once tsx's ESM loader is registered in this thread. */
let tsxRegistered = false;

/**
 * Import a catalog module. A TypeScript module that this Node cannot load by itself (no type
 * stripping, not run under tsx or vitest) is loaded through tsx, an optional peer dependency,
 * registered in this thread the first time it is needed.
 */
async function importCatalog(url: string): Promise<Record<string, unknown>> {
  try {
    return (await import(url)) as Record<string, unknown>;
  } catch (cause) {
    const code = (cause as { code?: string })?.code;
    if (code !== 'ERR_UNKNOWN_FILE_EXTENSION' || !/\.[cm]?tsx?$/.test(url)) throw cause;
  }
  if (!tsxRegistered) {
    let register: () => unknown;
    try {
      const tsxApi = 'tsx/esm/api'; // resolved at run time: tsx is an optional peer dependency
      ({ register } = (await import(tsxApi)) as { register: () => unknown });
    } catch (cause) {
      throw new InvalidOptionsError(
        `catalog module ${url} is TypeScript, which Troupe loads through tsx: install tsx (npm i -D tsx), or list the compiled .js module`,
        { cause },
      );
    }
    register();
    tsxRegistered = true;
  }
  // Node remembers the failed import of this URL: load it again under a URL of its own.
  return (await import(`${url}${url.includes('?') ? '&' : '?'}troupe-tsx`)) as Record<string, unknown>;
}
