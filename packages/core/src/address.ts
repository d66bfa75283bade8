/**
 * Actor addresses: `troupe://<system>/<node>/<path>`. An address names one actor in one runtime
 * (the main thread, a worker thread, or a remote node) and is what a serialized ref carries.
 */
import { InvalidOptionsError } from './errors.js';

/**
 * The parts of an actor address.
 *
 * @example
 * ```ts
 * const parts = parseAddress(ref.address);
 * if (parts !== undefined && parts.node !== system.nodeId) console.log(`${parts.path} runs on ${parts.node}`);
 * ```
 */
export interface AddressParts {
  /** The actor system's name. */
  readonly system: string;
  /** The runtime (node) that hosts the actor. */
  readonly node: string;
  /** The actor's path below the node, e.g. `user/farm/worker-1`. */
  readonly path: string;
}

const PREFIX = 'troupe://';
const NAME_RE = /^[A-Za-z0-9_.~-][A-Za-z0-9_.~$-]*$/;
/** A path segment may also be a generated name such as `$3`. */
const SEGMENT_RE = /^[A-Za-z0-9_.~$-]+$/;

/**
 * Format an address.
 *
 * @example
 * ```ts
 * formatAddress({ system: 'shop', node: 'n1', path: 'user/cart' }) // 'troupe://shop/n1/user/cart'
 * ```
 */
export function formatAddress(parts: AddressParts): string {
  return `${PREFIX}${parts.system}/${parts.node}/${parts.path}`;
}

/**
 * Parse an address; returns `undefined` for anything that is not a well-formed address (input
 * from the network is untrusted, so this never throws).
 *
 * @example
 * ```ts
 * parseAddress('troupe://shop/n1/user/cart')?.path // 'user/cart'
 * ```
 */
export function parseAddress(address: string): AddressParts | undefined {
  if (typeof address !== 'string' || !address.startsWith(PREFIX) || address.length > 2048) return undefined;
  const rest = address.slice(PREFIX.length);
  const a = rest.indexOf('/');
  if (a <= 0) return undefined;
  const b = rest.indexOf('/', a + 1);
  if (b <= a + 1 || b === rest.length - 1) return undefined;
  const system = rest.slice(0, a);
  const node = rest.slice(a + 1, b);
  const path = rest.slice(b + 1);
  for (const seg of path.split('/')) if (!SEGMENT_RE.test(seg)) return undefined;
  if (!NAME_RE.test(system) || !NAME_RE.test(node)) return undefined;
  return { system, node, path };
}

/**
 * Check a user-chosen actor or system name; throws an {@link InvalidOptionsError} that says
 * what is allowed.
 * @internal
 */
export function validateName(name: unknown, what: string): string {
  if (
    typeof name !== 'string' ||
    name.length === 0 ||
    name.length > 200 ||
    !NAME_RE.test(name) ||
    name[0] === '$'
  ) {
    throw new InvalidOptionsError(
      `${what} ${JSON.stringify(name)} is not valid: use 1–200 letters, digits, '_', '-', '.' or '~' ` +
        "(no '/', and no leading '$', which is reserved for generated names)",
    );
  }
  return name;
}

/**
 * A node id of a worker thread is `<process node>.t<i>`; this returns the process node.
 *
 * @example
 * ```ts
 * processNodeOf('n1.t2'); // 'n1'
 * processNodeOf('n1'); // 'n1'
 * ```
 */
export function processNodeOf(node: string): string {
  const m = /^(.*)\.t\d+$/.exec(node);
  return m === null ? node : m[1]!;
}
