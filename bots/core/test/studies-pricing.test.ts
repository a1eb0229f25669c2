import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { InMemoryBus } from "@tickerbell/bus";
import { createLogger, createMetricsRegistry } from "@tickerbell/config";
import { TOPIC_CATALOG } from "@tickerbell/contracts";
import {
  type BarPart,
  NoDemandSnapshot,
  openPricingDb,
  type RunningPricing,
  SqlBarStore,
  startPricing,
} from "@tickerbell/pricing";
import { createTestDatabase, FakeFinnhub, type TestDatabase } from "@tickerbell/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PricingClient } from "../src/clients/pricing-client.ts";
import { type BotWorld, startBotWorld } from "./harness.ts";

// The bot's pricing client against the real pricing service (GET /v1/studies over its PostgreSQL bar store, quotes
// from the fake Finnhub), behind the command handler and the real alert service: what the bot reads of a study is
// what the pricing service computed from the recorded bars, and a study without enough of them is refused in the
// pricing service's words.

const logger = createLogger({ service: "bot-core-studies-pricing", level: "silent" });
/** Wednesday 3 June 2026, 11:00 in New York. */
const NOW = Date.UTC(2026, 5, 3, 15, 0);
/** 09:30 New York (13:30 UTC) of a day of June 2026 (month 5) or May (4). */
const open0930 = (month: number, date: number) => Date.UTC(2026, month, date, 13, 30);

/**
 * One minute bar at 09:30 New York for each of the five sessions before today, closing at 9, 10, 11, 13 and 12
 * (each rolls up into its day), and today's, closing at 11.
 */
function history(symbol: string): BarPart[] {
  const minute = (t: number, c: number, v: number): BarPart => ({
    symbol,
    resolution: "1m",
    t,
    o: c,
    h: c,
    l: c,
    c,
    v,
    n: 1,
    openTs: t,
    closeTs: t + 59_000,
  });
  const sessions: Array<[number, number]> = [
    [open0930(4, 27), 9],
    [open0930(4, 28), 10],
    [open0930(4, 29), 11],
    [open0930(5, 1), 13],
    [open0930(5, 2), 12],
  ];
  return [...sessions.map(([t, c], i) => minute(t, c, 100 * (i + 1))), minute(open0930(5, 3), 11, 600)];
}

let barsDb: TestDatabase;
let store: SqlBarStore;
let finnhub: FakeFinnhub;
let bus: InMemoryBus<typeof TOPIC_CATALOG>;
let pricing: RunningPricing;
let server: ReturnType<typeof serve>;
let client: PricingClient;
let world: BotWorld;

beforeAll(async () => {
  barsDb = await createTestDatabase("tb_botcore_studies_bars");
  store = new SqlBarStore(await openPricingDb({ kind: "postgres", url: barsDb.url }));
  await store.writeHistory(history("STU"));
  finnhub = await FakeFinnhub.start({ symbols: [{ symbol: "STU", description: "STUDIES", price: 10 }] });
  bus = new InMemoryBus({ catalog: TOPIC_CATALOG });
  pricing = await startPricing({
    config: {
      FINNHUB_API_KEY: finnhub.apiKey,
      FINNHUB_WS_URL: finnhub.wsUrl,
      FINNHUB_REST_URL: finnhub.restUrl,
      FINNHUB_SYMBOL_CAP: 50,
      FINNHUB_REST_CALLS_PER_MINUTE: 600,
      SIMULATION_SEED: 42,
      SIMULATION_MARKET_HOURS: "real",
      SIMULATION_SPEED: 1,
      DEMAND_REFRESH_SECONDS: 300,
      PRICE_HISTORY_MINUTE_DAYS: 100_000,
    },
    bus,
    demandSource: new NoDemandSnapshot(),
    log: logger,
    metrics: createMetricsRegistry("bot-core-studies-pricing"),
    barStore: store,
    tuning: {
      groupId: "bot-core-studies-pricing",
      now: () => NOW,
      history: { name: "none", minutes: async () => [], days: async () => [] },
    },
  });
  server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const started = serve({ fetch: pricing.http.fetch, port: 0, hostname: "127.0.0.1" }, () =>
      resolve(started),
    );
  });
  client = new PricingClient({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
  world = await startBotWorld({
    database: "tb_botcore_studies_pricing",
    prices: client,
    startAt: new Date(NOW).toISOString(),
  });
}, 60_000);
afterAll(async () => {
  await world?.close();
  if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  await pricing?.stop();
  await bus?.close();
  await finnhub?.close();
  await store?.close();
  await barsDb?.drop();
});

describe("the pricing client's studies", () => {
  it("reads the values the pricing service computed and the gaps it reports, for the keys asked", async () => {
    // At the price 10, on the closes 9, 10, 11, 13, 12 and today's forming bar closing at 10:
    // sma3 = (13 + 12 + 10) / 3 = 11.666...; ema3 (k = 0.5, seeded with (9 + 10 + 11) / 3 = 10) = 11.75 after
    // 13 and 12, live 11.75 + 0.5 * (10 - 11.75) = 10.875; volume: (100 + 200 + 300 + 400 + 500) / 5 = 300 typical
    // by 11:00, 600 today.
    const answer = await client.studies("STU", ["sma3", "ema3", "volume", "sma50"]);
    expect(answer).toEqual({
      symbol: "STU",
      studies: {
        values: { sma3: expect.closeTo(35 / 3, 9), ema3: expect.closeTo(10.875, 9) },
        volume: { today: 600, typical: 300, sessions: 5 },
      },
      missing: [expect.objectContaining({ key: "sma50", reason: "history_too_short", need: 50 })],
    });
    expect(await client.studies("NOPEQ", ["sma3"])).toBeNull();
  });

  it("behind the bot: an alert already met is refused with the study's value, a short history in the pricing service's words", async () => {
    const user = "studies-pricing-a";
    // 10 is below the EMA(3) of 10.875 already.
    expect((await world.say(user, "/alert STU below ema 3")).text).toMatch(
      /^That would fire right away: price is already at or below its EMA 3 \(EMA 3 \$?10\.88, price \$?10\.00\)/,
    );
    expect((await world.say(user, "/alert STU below sma 50")).text).toMatch(
      /^I can't watch STU's 50-day SMA yet: a 50-day simple average needs 50 daily bars; \d+ recorded\.$/,
    );
    expect(await world.direct.listAlerts(user, { status: "open" })).toEqual([]);
  });

  it("behind the bot: the confirmation says the study the pricing service computed", async () => {
    const user = "studies-pricing-b";
    // sma3 = 35 / 3 = 11.67 with price 10 below it; rsi3:1d at 10 (Wilder, changes +1 +1 +2 -1 then -2 live):
    // gain 16/27, loss 24/27, RSI = 100 * 16 / 40 = 40.
    expect((await world.say(user, "/alert STU crosses sma 3")).text.split("\n")[0]).toBe(
      "✅ Alert set: STU crosses its 3-day SMA (now $11.67, price $10.00 below it)",
    );
    expect((await world.say(user, "/alert STU rsi 3 below 30")).text.split("\n")[0]).toBe(
      "✅ Alert set: STU daily RSI(3) below 30 (now 40.0)",
    );
    const alerts = await world.direct.listAlerts(user, { status: "open" });
    expect(alerts.find((a) => a.condition.kind === "average")).toMatchObject({ watch: "upper" });
  });
});
