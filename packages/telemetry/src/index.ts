/**
 * `@troupe/telemetry`: OpenTelemetry traces and metrics for Troupe actors. One ask that fans out
 * over actors on threads and other nodes shows as one trace; per-message and per-system metrics
 * go to the application's meter provider. Without an OpenTelemetry SDK it installs nothing.
 */
export { fromCarrier, toCarrier } from './carrier.js';
export { instrumentTroupe, type TelemetryOptions, type TroupeTelemetry } from './install.js';
export { SCOPE, type Signals } from './instrumentation.js';
export { type MetricsEndpoint, type ServeMetricsOptions, serveMetrics } from './prometheus.js';
export { instrumentSystem, type SystemMetricsOptions } from './systemMetrics.js';
