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

// The metric `name` of `registry`, made there on first use: components of one process that count the same thing
// (or one started again) add to the same series instead of failing on a second registration. Without a registry
// it counts for no one.

type Config<C> = Omit<C, "registers">;

function registeredOnce<M>(
  registry: Registry | undefined,
  name: string,
  create: (registers: Registry[]) => M,
): M {
  return (registry?.getSingleMetric(name) as M | undefined) ?? create(registry ? [registry] : []);
}

export function counterIn<L extends string = never>(
  registry: Registry | undefined,
  config: Config<CounterConfiguration<L>>,
): Counter<L> {
  return registeredOnce(registry, config.name, (registers) => new Counter<L>({ ...config, registers }));
}

export function gaugeIn<L extends string = never>(
  registry: Registry | undefined,
  config: Config<GaugeConfiguration<L>>,
): Gauge<L> {
  return registeredOnce(registry, config.name, (registers) => new Gauge<L>({ ...config, registers }));
}

export function histogramIn<L extends string = never>(
  registry: Registry | undefined,
  config: Config<HistogramConfiguration<L>>,
): Histogram<L> {
  return registeredOnce(registry, config.name, (registers) => new Histogram<L>({ ...config, registers }));
}
