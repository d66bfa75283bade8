/**
 * Test helpers of `@troupe/entities`: the lease store contract, run against every lease store.
 *
 * @packageDocumentation
 */
export { leaseStoreContract } from './leaseStoreContract.js';
