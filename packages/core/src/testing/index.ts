/**
 * Test helpers for Troupe users: a manual clock, and a probe actor that records what it receives.
 */
export { ManualClock } from './ManualClock.js';
export { createProbe, type Probe } from './probe.js';
