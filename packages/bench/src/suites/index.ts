/** The suites the CLI knows, by name, in the order a run without arguments takes them. */
import type { SuiteFactory } from '../harness.js';
import { entitiesSuite } from './entities.js';
import { farmSuite } from './farm.js';
import { localSuite } from './local.js';
import { natsSuite } from './nats.js';
import { persistenceSuite } from './persistence.js';
import { telemetrySuite } from './telemetry.js';
import { threadsSuite } from './threads.js';
import { xstateSuite } from './xstate.js';

export const suites: Readonly<Record<string, SuiteFactory>> = {
  local: localSuite,
  threads: threadsSuite,
  nats: natsSuite,
  farm: farmSuite,
  xstate: xstateSuite,
  persistence: persistenceSuite,
  entities: entitiesSuite,
  telemetry: telemetrySuite,
};
