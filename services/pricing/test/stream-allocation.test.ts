import { randomUUID } from "node:crypto";
import { InMemoryBus } from "@tickerbell/bus";
import { createMetricsRegistry } from "@tickerbell/config";
import { FeedsResponseSchema, QuoteResponseSchema, TOPIC_CATALOG } from "@tickerbell/contracts";
import { FakeFinnhub } from "@tickerbell/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { AlertsDemandClient, NoDemandSnapshot } from "../src/adapters/alerts-demand-client.ts";
import { type RunningPricing, startPricing } from "../src/pricing.ts";
import { alertChange, FakeAlertsDemand, INTERNAL_TOKEN, pricingConfig } from "./fixtures.ts";
import { captureLog, eventually } from "./helpers.ts";

// Which symbols ride Finnhub's capped websocket: the pricing service on the fake Finnhub (websocket and /quote)
// with a cap of 2, demand from a stand-in for the alert service.

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

const nowSeconds = () => Math.floor(Date.now() / 1000);

async function start(): Promise<{ fake: FakeFinnhub; alerts: FakeAlertsDemand; pricing: RunningPricing }> {
  const fake = await FakeFinnhub.start({ pingIntervalMs: 200 });
  cleanups.push(() => fake.close());
  const alerts = await FakeAlertsDemand.start();
  cleanups.push(() => alerts.close());
  // Every symbol trades at 100. By alert counts alone BBB (8 alerts) and CCC (4) would stream; by urgency
  // AAA (1 alert, 1% away: score 100) and CCC (4 alerts, 10% away: 3 / 0.1 = 30) do, before BBB (8 alerts
  // 100% away: 4) and DDD (a watchlist only: 0).
  alerts.symbols = ["AAA", "BBB", "CCC", "DDD"];
  alerts.urgency = {
    AAA: { alerts: 1, nearestAbove: 101, nearestBelow: null },
    BBB: { alerts: 8, nearestAbove: 200, nearestBelow: null },
    CCC: { alerts: 4, nearestAbove: 110, nearestBelow: null },
    DDD: { alerts: 0, nearestAbove: null, nearestBelow: null },
  };
  for (const symbol of alerts.symbols) fake.setQuote(symbol, { c: 100, pc: 99, t: nowSeconds() });
  const bus = new InMemoryBus({ catalog: TOPIC_CATALOG });
  const pricing = await startPricing({
    config: pricingConfig({
      FINNHUB_API_KEY: fake.apiKey,
      FINNHUB_WS_URL: fake.wsUrl,
      FINNHUB_REST_URL: fake.restUrl,
      FINNHUB_SYMBOL_CAP: 2,
      STREAM_REBALANCE_SECONDS: 1,
    }),
    bus,
    demandSource: new AlertsDemandClient({ alertsUrl: alerts.url, internalToken: INTERNAL_TOKEN }),
    log: captureLog().log,
    metrics: createMetricsRegistry(`stream-allocation-${randomUUID()}`),
    tuning: { groupId: `stream-${randomUUID()}`, pollSpacingMs: 100, urgencyRecheckDelayMs: 100 },
  });
  cleanups.push(async () => {
    await pricing.stop();
    await bus.close();
  });
  return { fake, alerts, pricing };
}

async function feedOf(pricing: RunningPricing, symbol: string) {
  const res = await pricing.http.request(`/v1/quote/${symbol}`);
  expect(res.status).toBe(200);
  return QuoteResponseSchema.parse(await res.json()).feed;
}

/** /metrics, read as: the value of the sample `name` whose labels include `label` (0 when there is none). */
async function scrape(pricing: RunningPricing): Promise<(name: string, label: string) => number> {
  const lines = (await (await pricing.http.request("/metrics")).text()).split("\n");
  return (name, label) => {
    const line = lines.find((l) => l.startsWith(`${name}{`) && l.includes(label));
    return line ? Number(line.slice(line.lastIndexOf(" ") + 1)) : 0;
  };
}

describe("streamed and polled symbols", () => {
  it("streams the most urgent symbols, polls the rest, and re-balances when an alert's level comes near", async () => {
    const { fake, alerts, pricing } = await start();
    // Streamed symbols' prices come over the socket: keep them trading at 100.
    const trading = setInterval(() => {
      for (const symbol of fake.subscriptions()) fake.pushTrade(symbol, 100);
    }, 50);
    cleanups.push(async () => clearInterval(trading));

    await fake.waitFor(
      () => fake.subscriptions().sort().join() === "AAA,CCC",
      "AAA and CCC streamed",
      10_000,
    );
    expect(await feedOf(pricing, "AAA")).toEqual({
      path: "streamed",
      maxStalenessSeconds: null,
      streamCap: 2,
    });
    // Two polled symbols at one poll per 100 ms: a round takes 0.2 s, told as 1 s.
    expect(await feedOf(pricing, "BBB")).toEqual({ path: "polled", maxStalenessSeconds: 1, streamCap: 2 });
    expect(await feedOf(pricing, "DDD")).toMatchObject({ path: "polled" });
    await eventually(
      () => fake.restCalls.some((c) => c.path === "/quote" && c.symbol === "DDD"),
      "DDD polled over REST",
    );
    // A symbol nobody watches: a one-off quote, and what it would lag once watched (the stream is full).
    fake.setQuote("EEE", { c: 50, pc: 49, t: nowSeconds() });
    expect(await feedOf(pricing, "EEE")).toEqual({ path: "idle", maxStalenessSeconds: 1, streamCap: 2 });

    // A new alert on DDD half a percent away (score 100, > 1.25 x CCC's 30): DDD takes CCC's slot.
    const levelChangedAt = Date.now();
    alerts.urgency.DDD = { alerts: 1, nearestAbove: 100.5, nearestBelow: null };
    pricing.service.onAlertChange(alertChange(randomUUID(), "DDD", "active", 100.5));
    await fake.waitFor(
      () => fake.subscriptions().sort().join() === "AAA,DDD",
      "DDD streamed instead of CCC",
      10_000,
    );
    // The event's level counted at once; shortly after, the alert service is asked again about DDD alone, not
    // for every symbol's demand.
    await eventually(
      () => alerts.asked.some((symbols) => symbols.join() === "DDD"),
      "DDD's demand asked alone",
    );
    // CCC left the socket only after the poller had its price: no stretch without one.
    const unsubscribedAt = fake.eventsOf("unsubscribe").find((e) => e.symbol === "CCC")?.at ?? 0;
    const cccPolls = fake.restCalls.filter(
      (c) => c.path === "/quote" && c.symbol === "CCC" && c.status === 200 && c.at >= levelChangedAt,
    );
    expect(cccPolls.length).toBeGreaterThan(0);
    expect(cccPolls[0]?.at).toBeLessThanOrEqual(unsubscribedAt);
    // DDD subscribed only once CCC's slot was free, so the socket never carried more than the cap.
    const dddSubscribedAt = fake.eventsOf("subscribe").find((e) => e.symbol === "DDD")?.at ?? 0;
    expect(dddSubscribedAt).toBeGreaterThanOrEqual(unsubscribedAt);
    expect(fake.eventsOf("subscribe-refused")).toEqual([]);
    expect(await feedOf(pricing, "CCC")).toMatchObject({ path: "polled" });
    // /alerts asks for several symbols' feeds at once, without a quote.
    const quotesBefore = fake.restCalls.filter((c) => c.path === "/quote" && c.symbol === "ZZZ").length;
    const feeds = await pricing.http.request("/v1/feeds?symbols=aaa,CCC,ZZZ");
    expect(feeds.status).toBe(200);
    expect(FeedsResponseSchema.parse(await feeds.json()).feeds).toEqual({
      AAA: { path: "streamed", maxStalenessSeconds: null, streamCap: 2 },
      CCC: { path: "polled", maxStalenessSeconds: 1, streamCap: 2 },
      ZZZ: { path: "idle", maxStalenessSeconds: 1, streamCap: 2 },
    });
    expect(fake.restCalls.filter((c) => c.path === "/quote" && c.symbol === "ZZZ")).toHaveLength(
      quotesBefore,
    );
    const refused = await pricing.http.request("/v1/feeds?symbols=AAPL,not%20a%20ticker!");
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain("validation_failed");

    const metrics = await scrape(pricing);
    expect(metrics("pricing_feed_symbols", 'path="streamed"')).toBe(2);
    expect(metrics("pricing_feed_symbols", 'path="polled"')).toBe(2);
    expect(metrics("pricing_feed_ticks_total", 'path="streamed"')).toBeGreaterThan(0);
    expect(metrics("pricing_feed_ticks_total", 'path="polled"')).toBeGreaterThan(0);
    expect(metrics("pricing_feed_tick_age_seconds_count", 'path="streamed"')).toBeGreaterThan(0);
    expect(metrics("pricing_feed_tick_age_seconds_count", 'path="polled"')).toBeGreaterThan(0);
    // Two polled symbols at 100 ms apiece: 0.2 s, in whole seconds.
    expect(metrics("pricing_feed_max_staleness_seconds", 'path="polled"')).toBe(1);
    expect(metrics("pricing_stream_rebalances_total", 'outcome="changed"')).toBeGreaterThan(0);
    expect(metrics("pricing_stream_moves_total", 'to="streamed"')).toBeGreaterThan(0);
    expect(metrics("pricing_stream_moves_total", 'to="polled"')).toBeGreaterThan(0);
  });

  it("keeps a symbol near the cut on the stream while the challenger is not clearly more urgent", async () => {
    const { fake, alerts, pricing } = await start();
    const trading = setInterval(() => {
      for (const symbol of fake.subscriptions()) fake.pushTrade(symbol, 100);
    }, 50);
    cleanups.push(async () => clearInterval(trading));
    await fake.waitFor(
      () => fake.subscriptions().sort().join() === "AAA,CCC",
      "AAA and CCC streamed",
      10_000,
    );
    const unsubscribes = fake.eventsOf("unsubscribe").length;
    // BBB comes to 5 alerts 10% away: (1 + log2 5) / 0.1 = 33.2, above CCC's 30 but within the 25% margin.
    alerts.urgency.BBB = { alerts: 5, nearestAbove: 110, nearestBelow: null };
    await pricing.demand.refresh();
    // Several periodic re-balances (one a second) go by without a move.
    const rebalances = async () =>
      (await scrape(pricing))("pricing_stream_rebalances_total", 'outcome="unchanged"');
    const before = await rebalances();
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(await rebalances()).toBeGreaterThanOrEqual(before + 2);
    expect(fake.subscriptions().sort()).toEqual(["AAA", "CCC"]);
    expect(fake.eventsOf("unsubscribe")).toHaveLength(unsubscribes);
  });

  it("the simulated feed streams every watched symbol, and its metrics say so", async () => {
    const bus = new InMemoryBus({ catalog: TOPIC_CATALOG });
    const pricing = await startPricing({
      config: pricingConfig({ SIMULATION_MARKET_HOURS: "always-open" }),
      bus,
      demandSource: new NoDemandSnapshot(),
      log: captureLog().log,
      metrics: createMetricsRegistry(`stream-simulated-${randomUUID()}`),
      tuning: { groupId: `stream-sim-${randomUUID()}` },
    });
    cleanups.push(async () => {
      await pricing.stop();
      await bus.close();
    });
    pricing.service.onAlertChange(alertChange(randomUUID(), "AAPL", "active"));
    expect(await feedOf(pricing, "AAPL")).toEqual({
      path: "streamed",
      maxStalenessSeconds: null,
      streamCap: null,
    });
    expect(await feedOf(pricing, "MSFT")).toEqual({
      path: "idle",
      maxStalenessSeconds: null,
      streamCap: null,
    });
    let metrics = await scrape(pricing);
    for (let i = 0; i < 100 && metrics("pricing_feed_ticks_total", 'path="streamed"') === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      metrics = await scrape(pricing);
    }
    expect(metrics("pricing_feed_ticks_total", 'path="streamed"')).toBeGreaterThan(0);
    expect(metrics("pricing_feed_symbols", 'path="streamed"')).toBe(1);
    expect(metrics("pricing_feed_symbols", 'path="polled"')).toBe(0);
  });
});
