/**
 * The Prometheus registry of a running sink: prom-client's default process/nodejs metrics,
 * mirrorsink_build_info and mirrorsink_uptime_seconds. Other modules add theirs with
 * register*Metrics(registry, ...). Everything counted on the per-packet path lives in typed
 * arrays and is copied into prom-client only in collect callbacks, at scrape time.
 */
import { Counter, Gauge, Registry, collectDefaultMetrics, type LabelValues } from 'prom-client';
import { VERSION } from '../version.js';

export interface MetricsRegistryOptions {
  /** prom-client's default process_* / nodejs_* metrics (default true). */
  defaultMetrics?: boolean;
  /** Start of the process for mirrorsink_uptime_seconds (ms since epoch; default now). */
  startedAt?: number;
}

const NON_COUNTER_TOTALS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

export function createMetricsRegistry(opts: MetricsRegistryOptions = {}): Registry {
  const registry = new Registry();
  if (opts.defaultMetrics !== false) {
    collectDefaultMetrics({ register: registry });
    // Gauges named *_total break the exposition conventions (`promtool check metrics` flags
    // them); the same numbers are the sums of nodejs_active_{handles,requests,resources}{type}.
    for (const name of NON_COUNTER_TOTALS) registry.removeSingleMetric(name);
  }
  const started = opts.startedAt ?? Date.now();

  const build = new Gauge({
    name: 'mirrorsink_build_info',
    help: 'Build information: always 1, the version and Node.js version in labels.',
    labelNames: ['version', 'node_version'],
    registers: [registry],
  });
  build.set({ version: VERSION, node_version: process.versions.node }, 1);

  new Gauge({
    name: 'mirrorsink_uptime_seconds',
    help: 'Seconds since mirrorsink started.',
    registers: [registry],
    collect() {
      this.set((Date.now() - started) / 1000);
    },
  });
  return registry;
}

/**
 * Replace a counter's series with the given values (for collect callbacks publishing typed
 * arrays). Label sets not passed disappear, so publish every series every time.
 */
export function publishCounter<T extends string>(counter: Counter<T>, series: readonly (readonly [LabelValues<T>, number])[]): void {
  counter.reset();
  for (const [labels, value] of series) counter.inc(labels, value);
}
