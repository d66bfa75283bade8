/** The suites the CLI knows, by name, in the order a run without arguments takes them. */
import type { SuiteFactory } from '../harness.js';
import { localSuite } from './local.js';

export const suites: Readonly<Record<string, SuiteFactory>> = {
  local: localSuite,
};
