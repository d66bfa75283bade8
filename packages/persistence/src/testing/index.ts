/**
 * `@troupe/persistence/testing`: the store contract suite, for authors of stores. It runs under
 * vitest (install it as a dev dependency).
 *
 * @packageDocumentation
 */
export { storeContract } from './storeContract.js';
