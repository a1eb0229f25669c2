import { Counter, type CounterConfiguration, collectDefaultMetrics, Registry } from "prom-client";

export { Counter, Gauge, Histogram, type Registry } from "prom-client";

/** One registry per process, with Node's default metrics and the service name as a label. */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}

/**
 * The counter `name` of `registry`, made there on first use: components of one process that count the same
 * thing (or one started again) add to the same series instead of failing on a second registration. Without a
 * registry it counts for no one.
 */
export function counterIn<L extends string = never>(
  registry: Registry | undefined,
  config: Omit<CounterConfiguration<L>, "registers">,
): Counter<L> {
  return (
    (registry?.getSingleMetric(config.name) as Counter<L> | undefined) ??
    new Counter<L>({ ...config, registers: registry ? [registry] : [] })
  );
}
