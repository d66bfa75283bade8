/**
 * `serveMetrics()`: a Prometheus text endpoint for this process's metrics, for programs that
 * want one without setting up an OpenTelemetry SDK themselves (`troupe node --metrics-port`).
 *
 * Owns: the meter provider it registers and the exporter's HTTP server. May not touch: tracing.
 */
import { metrics } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';

/** Options of {@link serveMetrics}. */
export interface ServeMetricsOptions {
  /** The TCP port, 1 to 65535. */
  readonly port: number;
  /** The interface to bind. Default `127.0.0.1`: only this host can read the metrics. */
  readonly host?: string;
}

/** A running metrics endpoint. */
export interface MetricsEndpoint {
  /** Where Prometheus scrapes: `http://<host>:<port>/metrics`. */
  readonly url: string;
  /** Close the endpoint and the meter provider. */
  stop(): Promise<void>;
}

/**
 * Register a meter provider whose metrics are served in Prometheus' text format, and start its
 * HTTP server. Call it before {@link instrumentTroupe} and {@link instrumentSystem}, or let
 * `instrumentTroupe` find it within a second.
 *
 * @example
 * ```ts
 * const endpoint = await serveMetrics({ port: 9464 });
 * instrumentTroupe();
 * instrumentSystem(system);
 * console.log(`metrics on ${endpoint.url}`);
 * ```
 */
export async function serveMetrics(options: ServeMetricsOptions): Promise<MetricsEndpoint> {
  const host = options.host ?? '127.0.0.1';
  if (!Number.isInteger(options.port) || options.port < 1 || options.port > 65535)
    throw new RangeError(`serveMetrics(): port must be a whole number from 1 to 65535, got ${options.port}`);
  let exporter: PrometheusExporter | undefined;
  await new Promise<void>((resolve, reject) => {
    exporter = new PrometheusExporter({ host, port: options.port }, (error) =>
      error === undefined
        ? resolve()
        : reject(new Error(`cannot serve metrics on ${host}:${options.port}: ${String(error)}`)),
    );
  });
  const provider = new MeterProvider({ readers: [exporter!] });
  metrics.setGlobalMeterProvider(provider);
  return {
    url: `http://${host}:${options.port}/metrics`,
    async stop() {
      await provider.shutdown();
    },
  };
}
