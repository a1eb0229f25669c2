// Benchmark: how many trades per second the pricing service takes from the (fake) Finnhub feed onto Kafka.
// The fake Finnhub pushes trade frames for 50 symbols as fast as the event loop allows for a fixed time; the
// service receives them over its real websocket client, conflates under back-pressure and publishes to Kafka
// (KAFKA_BROKERS, or a broker this script starts; without Kafka the bench fails, it measures nothing else).
// Fake and service share this process, so the figures are a lower bound for the service alone.
// "Offered" is what the fake pushed; "taken" is what reached prices.ticks. After the measured phases every
// published tick is read back and checked against the trades sent: each stands for the next `count` trades of
// its symbol, with their last price, their highest and their lowest. A window that does not is a crossing the
// matcher could miss, and the bench fails.

import { randomBytes } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { cpus } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Bus, KafkaBus } from "@tickerbell/bus";
import { createLogger, createMetricsRegistry } from "@tickerbell/config";
import { type Demand, TOPIC_CATALOG } from "@tickerbell/contracts";
import { FakeFinnhub, type KafkaBroker, startKafkaBroker } from "@tickerbell/testkit";
import type { DemandSnapshotSource } from "../src/domain/ports.ts";
import { startPricing } from "../src/pricing.ts";

// This run's own symbols, so ticks an earlier run left on a long-lived broker are not read back as this run's.
const RUN = Array.from(randomBytes(2), (b) => String.fromCharCode(65 + (b % 26))).join("");
const SYMBOLS = Array.from({ length: 50 }, (_, i) => `B${RUN}${String(i).padStart(2, "0")}`);
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 10_000);
const TRADES_PER_FRAME = 100;
const PACED_MS = Number(process.env.BENCH_PACED_MS ?? 3_000);
const RESULTS = join(dirname(fileURLToPath(import.meta.url)), "../../../bench-results/pricing.json");

class FixedDemand implements DemandSnapshotSource {
  async fetchDemand(): Promise<Demand> {
    return {
      symbols: SYMBOLS,
      bySymbol: SYMBOLS.map((symbol) => ({ symbol, alerts: 1, nearestAbove: null, nearestBelow: null })),
    };
  }
}

async function openBus(): Promise<{ bus: Bus<typeof TOPIC_CATALOG>; broker?: KafkaBroker }> {
  let brokers = (process.env.KAFKA_BROKERS ?? "").split(",").filter(Boolean);
  let broker: KafkaBroker | undefined;
  if (brokers.length === 0) {
    console.error("bench: starting a Kafka broker...");
    broker = await startKafkaBroker();
    brokers = broker.brokers;
  }
  const bus = new KafkaBus({ catalog: TOPIC_CATALOG, brokers, clientId: "pricing-bench" });
  return broker ? { bus, broker } : { bus };
}

const counterValue = async (c: { get(): Promise<{ values: Array<{ value: number }> }> }) =>
  (await c.get()).values.reduce((n, v) => n + v.value, 0);

/** Every trade the fake pushed, per symbol, in order: what the published windows are checked against. */
const sentPrices = new Map<string, number[]>(SYMBOLS.map((symbol) => [symbol, []]));
function push(trades: { symbol: string; price: number; volume: number }[]): void {
  for (const trade of trades) sentPrices.get(trade.symbol)!.push(trade.price);
  fake.pushTrades(trades);
}

const fake = await FakeFinnhub.start({ pingIntervalMs: 5_000 });
const { bus, broker } = await openBus();
const pricing = await startPricing({
  config: {
    FINNHUB_API_KEY: fake.apiKey,
    FINNHUB_WS_URL: fake.wsUrl,
    FINNHUB_REST_URL: fake.restUrl,
    FINNHUB_SYMBOL_CAP: 50,
    FINNHUB_REST_CALLS_PER_MINUTE: 60,
    SIMULATION_SEED: 1,
    SIMULATION_MARKET_HOURS: "real",
    SIMULATION_SPEED: 1,
    DEMAND_REFRESH_SECONDS: 300,
  },
  bus,
  demandSource: new FixedDemand(),
  log: createLogger({ service: "pricing-bench", level: "warn" }),
  metrics: createMetricsRegistry("pricing-bench"),
  tuning: { groupId: `pricing-bench-${Date.now()}` },
});
await fake.waitFor(() => fake.subscriptions().length === SYMBOLS.length, "all symbols subscribed", 60_000);

// Warm-up: the producer's first sends fetch metadata and open connections.
const m = pricing.metrics;
push(SYMBOLS.map((symbol) => ({ symbol, price: 100, volume: 1 })));
while ((await counterValue(m.tradesPublished)) < SYMBOLS.length) await new Promise((r) => setTimeout(r, 20));
const published0 = await counterValue(m.ticksPublished);
const trades0 = await counterValue(m.tradesPublished);
let sent = 0;
let price = 100;
const started = performance.now();
while (performance.now() - started < DURATION_MS) {
  const frame = [];
  for (let i = 0; i < TRADES_PER_FRAME; i++) {
    price = price > 150 ? 100 : price + 0.01;
    frame.push({ symbol: SYMBOLS[(sent + i) % SYMBOLS.length] as string, price, volume: 1 });
  }
  push(frame);
  sent += TRADES_PER_FRAME;
  await new Promise((r) => setImmediate(r));
}
const sendMs = performance.now() - started;
const publishedDuring = (await counterValue(m.ticksPublished)) - published0;
// Let the service catch up: every trade the fake sent is on the bus once trades published reach `sent`.
while ((await counterValue(m.tradesPublished)) - trades0 < sent) await new Promise((r) => setTimeout(r, 20));
const totalMs = performance.now() - started;
const messages = (await counterValue(m.ticksPublished)) - published0;
const trades = (await counterValue(m.tradesPublished)) - trades0;

// Paced runs: at which offered rate does the service stop publishing every trade as its own tick?
const paced: Array<{
  offeredTradesPerSecond: number;
  ticksPublishedPerSecond: number;
  tradesPerMessage: number;
}> = [];
for (const rate of [2_000, 10_000, 40_000, 80_000, 120_000]) {
  const p0 = await counterValue(m.ticksPublished);
  const t0 = await counterValue(m.tradesPublished);
  const begin = performance.now();
  let offered = 0;
  while (performance.now() - begin < PACED_MS) {
    const due = Math.floor(((performance.now() - begin) / 1000) * rate);
    if (due > offered) {
      const frame = [];
      for (let i = offered; i < due; i++) {
        price = price > 150 ? 100 : price + 0.01;
        frame.push({ symbol: SYMBOLS[i % SYMBOLS.length] as string, price, volume: 1 });
      }
      push(frame);
      offered = due;
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  while ((await counterValue(m.tradesPublished)) - t0 < offered) await new Promise((r) => setTimeout(r, 20));
  const secs = (performance.now() - begin) / 1000;
  const msgs = (await counterValue(m.ticksPublished)) - p0;
  paced.push({
    offeredTradesPerSecond: rate,
    ticksPublishedPerSecond: Math.round(msgs / secs),
    tradesPerMessage: Math.round((offered / msgs) * 100) / 100,
  });
}

// ---- every published window, read back and checked against the trades sent ----
const totalSent = [...sentPrices.values()].reduce((n, prices) => n + prices.length, 0);
const cursor = new Map<string, number>(SYMBOLS.map((symbol) => [symbol, 0]));
const wrongWindows: string[] = [];
let windows = 0;
let covered = 0;
const checker = await bus.subscribe({
  groupId: `pricing-bench-check-${RUN}-${Date.now()}`,
  topics: ["prices.ticks"],
  fromBeginning: true,
  handler: async ({ value: tick }) => {
    const prices = sentPrices.get(tick.symbol);
    if (prices === undefined) return; // another run's or another bench's symbol
    const from = cursor.get(tick.symbol)!;
    const count = tick.count ?? 1;
    const window = prices.slice(from, from + count);
    cursor.set(tick.symbol, from + count);
    windows += 1;
    covered += count;
    let high = -Infinity;
    let low = Infinity;
    for (const price of window) {
      high = Math.max(high, price);
      low = Math.min(low, price);
    }
    const expected = { price: window.at(-1), high, low };
    const got = { price: tick.price, high: tick.high ?? tick.price, low: tick.low ?? tick.price };
    if (
      window.length !== count ||
      got.price !== expected.price ||
      got.high !== expected.high ||
      got.low !== expected.low
    ) {
      if (wrongWindows.length < 5)
        wrongWindows.push(
          `${tick.symbol} trades ${from}-${from + count - 1}: published ${JSON.stringify(got)}, sent ${JSON.stringify(expected)}`,
        );
      else wrongWindows.push("");
    }
  },
});
const checkDeadline = Date.now() + 120_000;
while (covered < totalSent && Date.now() < checkDeadline) await new Promise((r) => setTimeout(r, 100));
await checker.stop();
const windowCheck = {
  tradesSent: totalSent,
  tradesCovered: covered,
  windowsChecked: windows,
  windowsWrong: wrongWindows.length,
};
console.error(`bench: window check ${JSON.stringify(windowCheck)}`);

const result = {
  benchmark: "pricing: fake Finnhub websocket -> pricing service -> prices.ticks",
  date: new Date().toISOString(),
  bus: "kafka",
  machine: { cpus: cpus().length, node: process.version },
  symbols: SYMBOLS.length,
  tradesPerFrame: TRADES_PER_FRAME,
  sendSeconds: Math.round(sendMs) / 1000,
  tradesSent: sent,
  tradesOfferedPerSecond: Math.round(sent / (sendMs / 1000)),
  messagesPublishedWhileSending: publishedDuring,
  ticksPublishedPerSecond: Math.round(publishedDuring / (sendMs / 1000)),
  drainedAfterSeconds: Math.round(totalMs - sendMs) / 1000,
  tradesAccountedFor: trades,
  messagesPublished: messages,
  tradesPerMessage: Math.round((trades / messages) * 100) / 100,
  tradesTakenPerSecond: Math.round(trades / (totalMs / 1000)),
  paced,
  windowCheck,
  note: "fake and service share one process (lower bound); offered = what the fake pushed, taken = trades that reached prices.ticks (drain included); tradesPerMessage > 1 means the bus was the bottleneck and ticks were conflated; windowCheck = every published tick read back against the trades it stands for (last, high, low)",
};
await mkdir(dirname(RESULTS), { recursive: true });
await writeFile(RESULTS, `${JSON.stringify(result, null, 2)}\n`);
console.log(JSON.stringify(result, null, 2));

await pricing.stop();
await bus.close();
await fake.close();
await broker?.stop();
if (covered !== totalSent || wrongWindows.length > 0) {
  console.error(
    `bench: FAILED: ${covered} of ${totalSent} trades read back in published windows; ${wrongWindows.length} windows wrong${wrongWindows.length ? `, e.g.\n  ${wrongWindows.filter(Boolean).join("\n  ")}` : ""}`,
  );
  process.exit(1);
}
