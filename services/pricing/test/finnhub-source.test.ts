import type { PriceTick } from "@tickerbell/contracts";
import { FakeFinnhub, type FakeFinnhubOptions } from "@tickerbell/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { CallBudget } from "../src/finnhub/call-budget.ts";
import { FinnhubSource, type FinnhubSourceOptions } from "../src/finnhub/finnhub-source.ts";
import { FinnhubRestClient } from "../src/finnhub/rest-client.ts";
import { type CapturedLog, captureLog, eventually } from "./helpers.ts";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

interface Harness {
  fake: FakeFinnhub;
  source: FinnhubSource;
  ticks: PriceTick[];
  logs: CapturedLog;
}

async function harness(
  fakeOptions: FakeFinnhubOptions = {},
  sourceOptions: Partial<FinnhubSourceOptions> = {},
  budgetPerMinute = 600,
): Promise<Harness> {
  const fake = await FakeFinnhub.start({ pingIntervalMs: 200, ...fakeOptions });
  cleanups.push(() => fake.close());
  const logs = captureLog();
  const source = startSource(fake, logs, sourceOptions, budgetPerMinute);
  const ticks: PriceTick[] = [];
  await source.start((t) => ticks.push(t));
  cleanups.push(() => source.stop());
  // Subscriptions made before the socket opens would go to REST first; these tests want the socket path.
  await eventually(() => source.isReady(), "socket open");
  return { fake, source, ticks, logs };
}

function startSource(
  fake: FakeFinnhub,
  logs: CapturedLog,
  options: Partial<FinnhubSourceOptions>,
  budgetPerMinute: number,
): FinnhubSource {
  const rest = new FinnhubRestClient({
    baseUrl: fake.restUrl,
    apiKey: fake.apiKey,
    budget: new CallBudget({ callsPerWindow: budgetPerMinute }),
  });
  return new FinnhubSource({
    wsUrl: fake.wsUrl,
    apiKey: fake.apiKey,
    rest,
    symbolCap: 50,
    log: logs.log,
    reconnect: { baseDelayMs: 50, maxDelayMs: 400 },
    pollSpacingMs: 20,
    ...options,
  });
}

const prices = (ticks: PriceTick[], symbol: string) =>
  ticks.filter((t) => t.symbol === symbol).map((t) => t.price);

describe("FinnhubSource against the fake Finnhub", () => {
  it("subscribes to demanded symbols and unsubscribes when demand ends", async () => {
    const { fake, source, ticks } = await harness();
    await eventually(() => source.isReady(), "socket open");
    source.subscribe(["AAPL", "MSFT"]);
    await fake.waitFor(() => fake.subscriptions().join() === "AAPL,MSFT", "both subscribed");
    fake.pushTrade("AAPL", 190.25, { volume: 3 });
    fake.pushTrade("MSFT", 410.5);
    await eventually(() => ticks.length === 2, "two ticks");
    expect(ticks[0]).toMatchObject({ v: 1, symbol: "AAPL", price: 190.25, volume: 3 });

    source.unsubscribe(["MSFT"]);
    await fake.waitFor(() => fake.subscriptions().join() === "AAPL", "MSFT unsubscribed");
    expect(fake.eventsOf("unsubscribe").map((e) => e.symbol)).toEqual(["MSFT"]);
    expect(fake.pushTrade("MSFT", 411)).toBe(0);
  });

  it("streams crypto and forex pairs; a forex trade claims no volume", async () => {
    const { fake, source, ticks } = await harness();
    source.subscribe(["BINANCE:BTCUSDT", "COINBASE:BTC-USD", "OANDA:EUR_USD"]);
    await fake.waitFor(() => fake.subscriptions().length === 3, "three pairs subscribed");
    expect(fake.subscriptions()).toEqual(["BINANCE:BTCUSDT", "COINBASE:BTC-USD", "OANDA:EUR_USD"]);
    // Saturday 5 December 2026: crypto trades.
    const saturday = Date.parse("2026-12-05T17:00:00Z");
    fake.pushTrade("BINANCE:BTCUSDT", 97_250.5, { ts: saturday, volume: 0.0123 });
    fake.pushTrade("COINBASE:BTC-USD", 97_260, { ts: saturday + 1 });
    fake.pushTrade("OANDA:EUR_USD", 1.0851, { ts: Date.parse("2026-12-04T15:00:00Z") });
    await eventually(() => ticks.length === 3, "three ticks");
    expect(ticks[0]).toEqual({
      v: 1,
      symbol: "BINANCE:BTCUSDT",
      price: 97_250.5,
      ts: saturday,
      volume: 0.0123,
    });
    expect(ticks[1]).toMatchObject({ symbol: "COINBASE:BTC-USD", price: 97_260, volume: 1 });
    expect(ticks[2]).toMatchObject({ symbol: "OANDA:EUR_USD", price: 1.0851 });
    expect(ticks[2]).not.toHaveProperty("volume");
  });

  it("reconnects after a dropped socket, resubscribes, and loses no trade sent after that", async () => {
    const { fake, source, ticks, logs } = await harness();
    source.subscribe(["AAPL", "TSLA"]);
    await fake.waitFor(() => fake.subscriptions().length === 2, "subscribed");
    fake.dropSockets();
    await fake.waitFor(() => fake.eventsOf("connect").length === 2, "second connection");
    await fake.waitFor(() => fake.subscriptions().join() === "AAPL,TSLA", "resubscribed");
    const sent = Array.from({ length: 300 }, (_, i) => 200 + (i % 17) - i / 100);
    await Promise.all([
      fake.playPath("AAPL", sent),
      fake.playPath(
        "TSLA",
        sent.map((p) => p + 40),
      ),
    ]);
    await eventually(() => prices(ticks, "AAPL").slice(-300).length === 300, "all scripted AAPL trades");
    expect(prices(ticks, "AAPL").slice(-300)).toEqual(sent);
    expect(prices(ticks, "TSLA").slice(-300)).toEqual(sent.map((p) => p + 40));
    expect(logs.has("finnhub socket closed; reconnecting")).toBe(true);
  });

  it("polls symbols beyond the cap over REST and gives them a socket slot when one frees up", async () => {
    const { fake, source, ticks, logs } = await harness({}, { symbolCap: 2 });
    source.subscribe(["AAPL", "MSFT", "NVDA"]);
    await fake.waitFor(() => fake.subscriptions().join() === "AAPL,MSFT", "cap reached");
    expect(source.allocation.overflow).toEqual(["NVDA"]);
    fake.setQuote("NVDA", { c: 131.75, pc: 120, t: Math.floor(Date.now() / 1000) + 1 });
    await eventually(() => prices(ticks, "NVDA").includes(131.75), "NVDA price over REST");
    expect(ticks.find((t) => t.symbol === "NVDA")).toMatchObject({ previousClose: 120 });
    expect(fake.restCalls.some((c) => c.path === "/quote" && c.symbol === "NVDA")).toBe(true);
    const overflowLog = logs
      .entries()
      .find((e) => e.msg === "symbols beyond the websocket cap are polled over REST");
    expect(overflowLog).toMatchObject({ overflow: 1, cap: 2, symbols: ["NVDA"] });

    source.unsubscribe(["MSFT"]);
    await fake.waitFor(() => fake.subscriptions().join() === "AAPL,NVDA", "NVDA promoted to the socket");
    expect(source.allocation.overflow).toEqual([]);
  });

  it("moves a priced symbol off the socket only after polling it, and gives its slot to the chosen one then", async () => {
    const { fake, source, ticks } = await harness({}, { symbolCap: 2, pollSpacingMs: 200 });
    source.subscribe(["AAPL", "MSFT", "ZNEW"]);
    await fake.waitFor(() => fake.subscriptions().join() === "AAPL,MSFT", "cap reached");
    fake.pushTrade("MSFT", 410);
    await eventually(() => prices(ticks, "MSFT").includes(410), "MSFT priced over the socket");
    fake.setQuote("MSFT", { c: 411, t: Math.floor(Date.now() / 1000) + 1 });
    const choseAt = Date.now();
    source.setStreamed(new Set(["AAPL", "ZNEW"]));
    // Until its poll, MSFT stays on the socket and ZNEW waits: the socket never carries more than the cap.
    expect(fake.subscriptions()).toEqual(["AAPL", "MSFT"]);
    expect(source.feedOf("MSFT")).toMatchObject({ path: "polled" });
    expect(source.feedOf("ZNEW")).toMatchObject({ path: "polled" });
    await fake.waitFor(() => fake.subscriptions().join() === "AAPL,ZNEW", "ZNEW took MSFT's slot");
    const polled = fake.restCalls.find((c) => c.path === "/quote" && c.symbol === "MSFT" && c.at >= choseAt);
    const left = fake.eventsOf("unsubscribe").find((e) => e.symbol === "MSFT");
    expect(polled?.at).toBeLessThanOrEqual(left?.at ?? 0);
    expect(prices(ticks, "MSFT")).toContain(411);
    expect(source.feedOf("ZNEW")).toEqual({ path: "streamed", maxStalenessSeconds: null, streamCap: 2 });
    expect(source.feedOf("MSFT")).toEqual({ path: "polled", maxStalenessSeconds: 1, streamCap: 2 });
    expect(source.feedOf("TSLA")).toEqual({ path: "idle", maxStalenessSeconds: 1, streamCap: 2 });

    // ZNEW never had a price (no trade; the fake does not know it): nothing to keep, it leaves at once.
    source.setStreamed(new Set(["AAPL", "MSFT"]));
    expect(source.allocation.streamed).toEqual(["AAPL", "MSFT"]);
    await fake.waitFor(() => fake.subscriptions().join() === "AAPL,MSFT", "ZNEW off at once, MSFT back");
  });

  it("keeps prices coming over REST while the socket is down", async () => {
    const { fake, source, ticks } = await harness();
    source.subscribe(["AMD"]);
    await fake.waitFor(() => fake.subscriptions().join() === "AMD", "subscribed");
    fake.refuseConnections(true);
    fake.dropSockets();
    await eventually(() => !source.isReady(), "socket down");
    fake.setQuote("AMD", { c: 171.2, t: Math.floor(Date.now() / 1000) + 5 });
    await eventually(() => prices(ticks, "AMD").includes(171.2), "AMD over REST");
    await fake.waitFor(
      () => fake.eventsOf("refused").some((e) => e.reason === "outage"),
      "a refused reconnect",
    );
    expect(source.isReady()).toBe(false);
    fake.refuseConnections(false);
    await fake.waitFor(() => fake.subscriptions().join() === "AMD", "resubscribed after the outage");
  });

  it("backs off after a 429 until Retry-After, then resumes", async () => {
    const { fake, source, logs } = await harness(
      { restCallsPerWindow: 3, restWindowMs: 2_000 },
      { symbolCap: 1, pollSpacingMs: 10 },
    );
    source.subscribe(["AAPL", "MSFT", "AMZN"]);
    await fake.waitFor(
      () => {
        const first429 = fake.restCalls.findIndex((c) => c.status === 429);
        return first429 >= 0 && fake.restCalls.slice(first429).filter((c) => c.status === 200).length >= 2;
      },
      "polling resumed after the 429",
      15_000,
    );
    const calls = [...fake.restCalls];
    for (const [i, call] of calls.entries()) {
      if (call.status !== 429) continue;
      expect(call.retryAt).toBeDefined();
      // Nothing went out before the time the fake named.
      for (const later of calls.slice(i + 1)) expect(later.at).toBeGreaterThanOrEqual(call.retryAt ?? 0);
    }
    expect(calls.filter((c) => c.status === 429)).toHaveLength(1);
    expect(logs.has("finnhub REST rate limited; backing off")).toBe(true);
  });

  it("logs and skips garbage frames and error messages, and keeps the socket", async () => {
    const { fake, source, ticks, logs } = await harness();
    source.subscribe(["AAPL"]);
    await fake.waitFor(() => fake.subscriptions().join() === "AAPL", "subscribed");
    fake.sendGarbage("}{definitely not json");
    fake.sendRaw(JSON.stringify({ type: "trade", data: "nope" }));
    fake.sendRaw(JSON.stringify({ type: "news", data: [] }));
    fake.sendError("Something went wrong upstream");
    fake.pushTrade("AAPL", 191);
    await eventually(() => prices(ticks, "AAPL").includes(191), "the next real trade");
    expect(ticks).toHaveLength(1);
    expect(fake.eventsOf("connect")).toHaveLength(1);
    expect(logs.entries().find((e) => e.msg === "unparseable finnhub frame skipped")).toMatchObject({
      sample: "}{definitely not json",
    });
    expect(logs.has("malformed finnhub trade frame skipped")).toBe(true);
    expect(logs.has("unexpected finnhub frame skipped")).toBe(true);
    expect(logs.entries().find((e) => e.msg === "finnhub sent an error")).toMatchObject({
      msg: "finnhub sent an error",
    });
    expect(logs.text()).toContain("Something went wrong upstream");
  });

  it("moves symbols the server refuses (a lower cap than configured) to REST polling", async () => {
    const { fake, source, ticks } = await harness({ symbolCap: 2 }, { symbolCap: 5 });
    source.subscribe(["AAPL", "MSFT", "GOOGL"]);
    await eventually(() => source.allocation.overflow.join() === "GOOGL", "GOOGL moved to polling");
    expect(fake.eventsOf("subscribe-refused").map((e) => e.symbol)).toEqual(["GOOGL"]);
    fake.setQuote("GOOGL", { c: 170.4, t: Math.floor(Date.now() / 1000) + 1 });
    await eventually(() => prices(ticks, "GOOGL").includes(170.4), "GOOGL over REST");
  });

  it("is refused a second socket for the same key, and never logs the key", async () => {
    const { fake, source, ticks, logs } = await harness();
    source.subscribe(["AAPL"]);
    await fake.waitFor(() => fake.subscriptions().join() === "AAPL", "first socket subscribed");
    const second = startSource(fake, logs, {}, 60);
    await second.start(() => {});
    cleanups.push(() => second.stop());
    await fake.waitFor(
      () => fake.eventsOf("refused").filter((e) => e.reason === "already-connected").length >= 2,
      "second socket refused (and retried)",
    );
    expect(fake.openSockets).toBe(1);
    expect(second.isReady()).toBe(false);
    fake.pushTrade("AAPL", 192.5);
    await eventually(() => prices(ticks, "AAPL").includes(192.5), "first socket still delivers");
    expect(logs.text()).toContain("Unexpected server response: 429");
    expect(logs.text()).not.toContain(fake.apiKey);
  });
});
