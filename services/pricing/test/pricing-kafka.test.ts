import { randomUUID } from "node:crypto";
import { type IncomingMessage, KafkaBus, type Subscription } from "@tickerbell/bus";
import { createMetricsRegistry } from "@tickerbell/config";
import { type PriceTick, TOPIC_ALERT_CHANGES, TOPIC_CATALOG, TOPIC_PRICE_TICKS } from "@tickerbell/contracts";
import { FakeFinnhub, kafkaBrokersFromEnv } from "@tickerbell/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AlertsDemandClient } from "../src/adapters/alerts-demand-client.ts";
import { type RunningPricing, startPricing } from "../src/pricing.ts";
import { alertChange, FakeAlertsDemand, INTERNAL_TOKEN, pricingConfig } from "./fixtures.ts";
import { type CapturedLog, captureLog, eventually } from "./helpers.ts";

// The publishing path end to end: fake Finnhub -> pricing service -> a real Kafka broker, with demand from a
// stand-in for the alert service plus alerts.changes on the same broker.

const run = randomUUID().slice(0, 8);
let fake: FakeFinnhub;
let alerts: FakeAlertsDemand;
let serviceBus: KafkaBus<typeof TOPIC_CATALOG>;
let testBus: KafkaBus<typeof TOPIC_CATALOG>;
let pricing: RunningPricing;
let ticksSub: Subscription;
let logs: CapturedLog;
const consumed: Array<{ key: string | null; tick: PriceTick }> = [];
const startedAt = Date.now();

beforeAll(async () => {
  const brokers = kafkaBrokersFromEnv();
  fake = await FakeFinnhub.start({ pingIntervalMs: 500 });
  alerts = await FakeAlertsDemand.start();
  alerts.symbols = ["ZSNAP1"];
  logs = captureLog();
  serviceBus = new KafkaBus({ catalog: TOPIC_CATALOG, brokers, clientId: `pricing-test-${run}` });
  testBus = new KafkaBus({ catalog: TOPIC_CATALOG, brokers, clientId: `pricing-test-probe-${run}` });
  await testBus.start();
  // Other suites share the broker: only this run's symbols and ticks count.
  ticksSub = await testBus.subscribe({
    groupId: `pricing-test-ticks-${run}`,
    topics: [TOPIC_PRICE_TICKS],
    fromBeginning: true,
    handler: async (m: IncomingMessage<typeof TOPIC_PRICE_TICKS, PriceTick>) => {
      if (m.value.symbol.startsWith("Z") && m.value.ts >= startedAt)
        consumed.push({ key: m.key, tick: m.value });
    },
  });
  pricing = await startPricing({
    config: pricingConfig({
      FINNHUB_API_KEY: fake.apiKey,
      FINNHUB_WS_URL: fake.wsUrl,
      FINNHUB_REST_URL: fake.restUrl,
    }),
    bus: serviceBus,
    demandSource: new AlertsDemandClient({ alertsUrl: alerts.url, internalToken: INTERNAL_TOKEN }),
    log: logs.log,
    metrics: createMetricsRegistry("pricing-test"),
    tuning: {
      groupId: `pricing-test-${run}`,
      alertChangesFromBeginning: true,
      reconnect: { baseDelayMs: 50, maxDelayMs: 500 },
      demandRecheckDelayMs: 50,
    },
  });
});

afterAll(async () => {
  await pricing?.stop();
  await ticksSub?.stop();
  await serviceBus?.close();
  await testBus?.close();
  await fake?.close();
  await alerts?.close();
});

const ticksOf = (symbol: string) => consumed.filter((c) => c.tick.symbol === symbol).map((c) => c.tick);

describe("pricing service on Kafka", () => {
  it("subscribes to the snapshot, follows alerts.changes both ways, and publishes trades keyed by symbol", async () => {
    await fake.waitFor(() => fake.subscriptions().includes("ZSNAP1"), "snapshot symbol subscribed", 60_000);

    await testBus.publish(TOPIC_ALERT_CHANGES, [{ value: alertChange(randomUUID(), "ZEVT1", "active") }]);
    await fake.waitFor(() => fake.subscriptions().includes("ZEVT1"), "event symbol subscribed", 60_000);

    fake.pushTrades([
      { symbol: "ZEVT1", price: 10.5, volume: 7 },
      { symbol: "ZSNAP1", price: 20.25 },
    ]);
    await eventually(
      () => ticksOf("ZEVT1").length > 0 && ticksOf("ZSNAP1").length > 0,
      "ticks on Kafka",
      30_000,
    );
    expect(ticksOf("ZEVT1")[0]).toMatchObject({ v: 1, symbol: "ZEVT1", price: 10.5, volume: 7 });
    expect(consumed.filter((c) => c.tick.symbol === "ZEVT1").every((c) => c.key === "ZEVT1")).toBe(true);

    // The only alert on ZEVT1 is cancelled and the alert service no longer lists it.
    const alertId = randomUUID();
    await testBus.publish(TOPIC_ALERT_CHANGES, [{ value: alertChange(alertId, "ZEVT2", "active") }]);
    await fake.waitFor(
      () => fake.subscriptions().includes("ZEVT2"),
      "second event symbol subscribed",
      60_000,
    );
    await testBus.publish(TOPIC_ALERT_CHANGES, [{ value: alertChange(alertId, "ZEVT2", "cancelled") }]);
    await fake.waitFor(() => !fake.subscriptions().includes("ZEVT2"), "ZEVT2 unsubscribed", 60_000);

    // ZSNAP1 came from the snapshot: its last alert pauses, and the alert service's answer decides.
    alerts.symbols = [];
    await testBus.publish(TOPIC_ALERT_CHANGES, [{ value: alertChange(randomUUID(), "ZSNAP1", "paused") }]);
    await fake.waitFor(() => !fake.subscriptions().includes("ZSNAP1"), "ZSNAP1 unsubscribed", 60_000);
    expect(fake.eventsOf("unsubscribe").map((e) => e.symbol)).toEqual(
      expect.arrayContaining(["ZEVT2", "ZSNAP1"]),
    );
    expect(fake.subscriptions()).toContain("ZEVT1");
  });

  it("loses no trade sent after a dropped socket reconnected", async () => {
    await testBus.publish(TOPIC_ALERT_CHANGES, [{ value: alertChange(randomUUID(), "ZDROP1", "active") }]);
    await fake.waitFor(() => fake.subscriptions().includes("ZDROP1"), "ZDROP1 subscribed", 60_000);
    const connects = fake.eventsOf("connect").length;
    fake.dropSockets();
    await fake.waitFor(() => fake.eventsOf("connect").length > connects, "reconnected");
    await fake.waitFor(() => fake.subscriptions().includes("ZDROP1"), "ZDROP1 resubscribed");

    const sent: number[] = [];
    for (let i = 0; i < 2_000; i++) sent.push(Math.round((500 + 50 * Math.sin(i / 7) + i / 100) * 100) / 100);
    for (let i = 0; i < sent.length; i += 50) {
      fake.pushTrades(sent.slice(i, i + 50).map((price) => ({ symbol: "ZDROP1", price, volume: 1 })));
    }
    const trades = () => ticksOf("ZDROP1").reduce((n, t) => n + (t.count ?? 1), 0);
    await eventually(() => trades() >= sent.length, "every trade accounted for on Kafka", 30_000);
    const ticks = ticksOf("ZDROP1");
    expect(trades()).toBe(sent.length);
    expect(ticks.at(-1)?.price).toBe(sent.at(-1));
    expect(Math.max(...ticks.map((t) => t.high ?? t.price))).toBe(Math.max(...sent));
    expect(Math.min(...ticks.map((t) => t.low ?? t.price))).toBe(Math.min(...sent));
    expect(ticks.reduce((v, t) => v + (t.volume ?? 0), 0)).toBe(sent.length);
    expect(pricing.service.isReady()).toBe(true);
  });
});
