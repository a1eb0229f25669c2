import {
  Counter,
  type CounterConfiguration,
  collectDefaultMetrics,
  Gauge,
  type GaugeConfiguration,
  Histogram,
  type HistogramConfiguration,
  Registry,
} from "prom-client";

export { Counter, Gauge, Histogram, type Registry } from "prom-client";

/** One registry per process, with Node's default metrics and the service name as a label. */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}

// Metrics registered once per registry: a second user of the name on the same registry (the standalone runs two
// buses and several bots on one) gets the metric already there. Without a registry it is registered nowhere and
// still counts, so a component can be tested without one.

type Config<C> = Omit<C, "registers">;

function registeredOnce<M>(
  registry: Registry | undefined,
  name: string,
  create: (registers: Registry[]) => M,
): M {
  return (registry?.getSingleMetric(name) as M | undefined) ?? create(registry ? [registry] : []);
}

export function counterOn<L extends string = string>(
  registry: Registry | undefined,
  config: Config<CounterConfiguration<L>>,
): Counter<L> {
  return registeredOnce(registry, config.name, (registers) => new Counter({ ...config, registers }));
}

export function gaugeOn<L extends string = string>(
  registry: Registry | undefined,
  config: Config<GaugeConfiguration<L>>,
): Gauge<L> {
  return registeredOnce(registry, config.name, (registers) => new Gauge({ ...config, registers }));
}

export function histogramOn<L extends string = string>(
  registry: Registry | undefined,
  config: Config<HistogramConfiguration<L>>,
): Histogram<L> {
  return registeredOnce(registry, config.name, (registers) => new Histogram({ ...config, registers }));
}
