import { Counter, createMetricsRegistry } from "@tickerbell/config";
import { describe, expect, it } from "vitest";
import { createOpsApp } from "./http.ts";

describe("ops app", () => {
  it("is live at once, ready only once the matcher is, and serves its metrics", async () => {
    const metrics = createMetricsRegistry("matcher");
    new Counter({ name: "tickerbell_matcher_ticks_total", help: "ticks", registers: [metrics] }).inc(3);
    const matcher = { ready: false };
    const app = createOpsApp({ matcher, metrics });
    expect((await app.request("/healthz")).status).toBe(200);
    const loading = await app.request("/readyz");
    expect(loading.status).toBe(503);
    expect(await loading.json()).toEqual({ status: "loading" });
    matcher.ready = true;
    expect((await app.request("/readyz")).status).toBe(200);
    const scraped = await app.request("/metrics");
    expect(scraped.headers.get("content-type")).toContain("text/plain");
    expect(await scraped.text()).toMatch(/^tickerbell_matcher_ticks_total\{service="matcher"\} 3$/m);
  });
});
