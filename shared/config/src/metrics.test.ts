import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { counterOn, gaugeOn, histogramOn } from "./metrics.ts";

describe("metrics registered once per registry", () => {
  it("gives the second user of a name the metric already there, so both count into one series", async () => {
    const registry = new Registry();
    const config = { name: "test_things_total", help: "things", labelNames: ["kind"] as const };
    counterOn(registry, config).inc({ kind: "a" });
    counterOn(registry, config).inc({ kind: "a" }, 2);
    const text = await registry.metrics();
    expect(text).toContain('test_things_total{kind="a"} 3');
    expect(text.match(/# TYPE test_things_total counter/g)).toHaveLength(1);
  });

  it("registers gauges and histograms the same way", async () => {
    const registry = new Registry();
    gaugeOn(registry, { name: "test_level", help: "level" }).set(4);
    expect(gaugeOn(registry, { name: "test_level", help: "level" })).toBe(
      registry.getSingleMetric("test_level"),
    );
    histogramOn(registry, { name: "test_seconds", help: "seconds", buckets: [1, 10] }).observe(5);
    histogramOn(registry, { name: "test_seconds", help: "seconds", buckets: [1, 10] }).observe(50);
    const text = await registry.metrics();
    expect(text).toContain("test_level 4");
    expect(text).toContain("test_seconds_count 2");
  });

  it("still counts without a registry, registered nowhere", async () => {
    const counter = counterOn(undefined, { name: "test_unregistered_total", help: "unregistered" });
    counter.inc(5);
    expect((await counter.get()).values[0]?.value).toBe(5);
    expect(new Registry().getSingleMetric("test_unregistered_total")).toBeUndefined();
  });
});
