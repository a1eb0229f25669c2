import { describe, expect, it } from "vitest";
import { Counter, counterIn, createMetricsRegistry, gaugeIn, histogramIn } from "./metrics.ts";

describe("counterIn", () => {
  it("makes the counter in the registry once; a second component counting the same thing adds to it", async () => {
    const registry = createMetricsRegistry("svc");
    const config = { name: "things_total", help: "Things", labelNames: ["kind"] as const };
    const first = counterIn(registry, config);
    const second = counterIn(registry, config);
    first.inc({ kind: "a" });
    second.inc({ kind: "a" }, 2);
    expect(second).toBe(first);
    expect(await registry.getSingleMetricAsString("things_total")).toContain(
      'things_total{kind="a",service="svc"} 3',
    );
  });

  it("counts for no one without a registry", () => {
    const counter = counterIn(undefined, { name: "loose_total", help: "Loose" });
    expect(counter).toBeInstanceOf(Counter);
    expect(() => counter.inc()).not.toThrow();
    expect(counterIn(undefined, { name: "loose_total", help: "Loose" })).not.toBe(counter);
  });
});

describe("gaugeIn and histogramIn", () => {
  it("make theirs once per registry the same way", async () => {
    const registry = createMetricsRegistry("svc");
    gaugeIn(registry, { name: "test_level", help: "level" }).set(4);
    expect(gaugeIn(registry, { name: "test_level", help: "level" })).toBe(
      registry.getSingleMetric("test_level"),
    );
    histogramIn(registry, { name: "test_seconds", help: "seconds", buckets: [1, 10] }).observe(5);
    histogramIn(registry, { name: "test_seconds", help: "seconds", buckets: [1, 10] }).observe(50);
    const text = await registry.metrics();
    expect(text).toContain('test_level{service="svc"} 4');
    expect(text).toContain('test_seconds_count{service="svc"} 2');
  });
});
