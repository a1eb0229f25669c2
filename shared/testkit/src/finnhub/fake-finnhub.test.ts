import { createConnection } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import {
  FakeFinnhub,
  FINNHUB_LIMIT_REACHED_MSG,
  FINNHUB_NO_ACCESS_MSG,
  FINNHUB_TOO_MANY_SYMBOLS_MSG,
} from "./fake-finnhub.ts";

let fake: FakeFinnhub | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function json(url: string): Promise<{ status: number; body: unknown; retryAfter: string | null }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.json(), retryAfter: res.headers.get("retry-after") };
}

/** A websocket client that records every frame it gets. */
async function connect(url: string): Promise<{ ws: WebSocket; frames: unknown[] }> {
  const ws = new WebSocket(url);
  const frames: unknown[] = [];
  ws.on("message", (data) => {
    try {
      frames.push(JSON.parse(String(data)));
    } catch {
      frames.push(String(data));
    }
  });
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  return { ws, frames };
}

async function until(predicate: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !predicate(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(predicate()).toBe(true);
}

describe("fake Finnhub REST", () => {
  it("checks the token, answers quotes like Finnhub (zeros for unknown symbols), search and market status", async () => {
    fake = await FakeFinnhub.start();
    expect((await json(`${fake.restUrl}/quote?symbol=AAPL`)).status).toBe(401);
    expect((await json(`${fake.restUrl}/quote?symbol=AAPL&token=wrong-key`)).body).toEqual({
      error: "Invalid API key",
    });
    fake.setQuote("AAPL", { c: 191, pc: 190 });
    const quote = await json(`${fake.restUrl}/quote?symbol=AAPL&token=${fake.apiKey}`);
    expect(quote.body).toMatchObject({ c: 191, pc: 190, d: 1 });
    expect((await json(`${fake.restUrl}/quote?symbol=ZZZZ&token=${fake.apiKey}`)).body).toEqual({
      c: 0,
      d: null,
      dp: null,
      h: 0,
      l: 0,
      o: 0,
      pc: 0,
      t: 0,
    });
    const search = await json(`${fake.restUrl}/search?q=tesla&token=${fake.apiKey}`);
    expect(search.body).toEqual({
      count: 1,
      result: [{ description: "TESLA INC", displaySymbol: "TSLA", symbol: "TSLA", type: "Common Stock" }],
    });
    const status = await json(`${fake.restUrl}/stock/market-status?exchange=US&token=${fake.apiKey}`);
    expect(status.body).toMatchObject({
      exchange: "US",
      isOpen: true,
      session: "regular",
      timezone: "America/New_York",
    });
    expect(fake.restCalls.map((c) => c.status)).toEqual([401, 401, 200, 200, 200, 200]);
  });

  it("answers /stock/metric with the 52-week range in Finnhub's shape, an empty metric for an unknown symbol", async () => {
    fake = await FakeFinnhub.start({
      symbols: [{ symbol: "AAPL", description: "APPLE INC", price: 190 }],
      yearRanges: { MSFT: { high: 468.35, low: 344.79 } },
    });
    const url = (q: string) => `${fake?.restUrl}/stock/metric?${q}&token=${fake?.apiKey}`;
    const aapl = (await json(url("symbol=AAPL&metric=all"))).body as { metric: Record<string, number> };
    expect(aapl.metric).toMatchObject({ "52WeekHigh": 237.5, "52WeekLow": 152 });
    const msft = (await json(url("symbol=MSFT&metric=all"))).body as { metric: Record<string, number> };
    expect(msft.metric).toMatchObject({ "52WeekHigh": 468.35, "52WeekLow": 344.79 });
    fake.setYearRange("MSFT", null);
    expect((await json(url("symbol=MSFT&metric=all"))).body).toEqual({
      metric: {},
      metricType: "",
      series: {},
      symbol: "MSFT",
    });
    expect((await json(url("symbol=AAPL"))).status).toBe(422);
  });

  it("answers /calendar/earnings in Finnhub's shape, by day range and symbol, and refuses a malformed date", async () => {
    fake = await FakeFinnhub.start({
      earnings: [
        { symbol: "MSFT", date: "2027-01-27", hour: "amc", quarter: 2, year: 2027, epsEstimate: 3.1 },
        { symbol: "AAPL", date: "2027-01-28", hour: "amc", quarter: 1, year: 2027, revenueEstimate: 1.2e11 },
        { symbol: "AAPL", date: "2027-04-30", hour: "bmo", quarter: 2, year: 2027 },
      ],
    });
    const url = (q: string) => `${fake?.restUrl}/calendar/earnings?${q}&token=${fake?.apiKey}`;
    const aapl = await json(url("from=2027-01-01&to=2027-03-01&symbol=AAPL"));
    expect(aapl.body).toEqual({
      earningsCalendar: [
        {
          date: "2027-01-28",
          epsActual: null,
          epsEstimate: null,
          hour: "amc",
          quarter: 1,
          revenueActual: null,
          revenueEstimate: 1.2e11,
          symbol: "AAPL",
          year: 2027,
        },
      ],
    });
    const all = (await json(url("from=2027-01-27&to=2027-12-31"))).body as { earningsCalendar: unknown[] };
    expect(all.earningsCalendar).toHaveLength(3);
    const bad = await json(url("from=tomorrow"));
    expect(bad.status).toBe(422);
    expect(bad.body).toEqual({ error: "Wrong date format. Please use YYYY-MM-DD." });
    expect(fake.restCalls.map((c) => [c.path, c.symbol, c.status])).toEqual([
      ["/calendar/earnings", "AAPL", 200],
      ["/calendar/earnings", undefined, 200],
      ["/calendar/earnings", undefined, 422],
    ]);
  });

  it("answers /stock/candle in Finnhub's shape (arrays, t in seconds, from and to inclusive), no_data, and 403 without access", async () => {
    fake = await FakeFinnhub.start();
    fake.setCandles("AAPL", "1", [
      { t: 1_780_000_120, o: 2, h: 3, l: 1.5, c: 2.5, v: 20 },
      { t: 1_780_000_060, o: 1, h: 2, l: 0.5, c: 1.5, v: 10 },
      { t: 1_780_000_180, o: 9, h: 9, l: 9, c: 9, v: 1 },
    ]);
    const url = (q: string) => `${fake?.restUrl}/stock/candle?${q}&token=${fake?.apiKey}`;
    const ok = await json(url("symbol=AAPL&resolution=1&from=1780000060&to=1780000120"));
    expect(ok.body).toEqual({
      c: [1.5, 2.5],
      h: [2, 3],
      l: [0.5, 1.5],
      o: [1, 2],
      s: "ok",
      t: [1_780_000_060, 1_780_000_120],
      v: [10, 20],
    });
    expect((await json(url("symbol=AAPL&resolution=D&from=0&to=1780000120"))).body).toEqual({ s: "no_data" });
    fake.setCandleAccess(false);
    const refused = await json(url("symbol=AAPL&resolution=1&from=0&to=1780000120"));
    expect(refused.status).toBe(403);
    expect(refused.body).toEqual({ error: FINNHUB_NO_ACCESS_MSG });
    expect(fake.restCalls.map((c) => [c.path, c.status])).toEqual([
      ["/stock/candle", 200],
      ["/stock/candle", 200],
      ["/stock/candle", 403],
    ]);
  });

  it("lists crypto exchanges' and forex brokers' pairs as /crypto/symbol and /forex/symbol do, and quotes them", async () => {
    fake = await FakeFinnhub.start();
    const token = `token=${fake.apiKey}`;
    expect((await json(`${fake.restUrl}/crypto/exchange?${token}`)).body).toEqual([
      "BINANCE",
      "COINBASE",
      "KRAKEN",
    ]);
    expect((await json(`${fake.restUrl}/forex/exchange?${token}`)).body).toEqual(["oanda"]);
    const binance = await json(`${fake.restUrl}/crypto/symbol?exchange=binance&${token}`);
    expect(binance.body).toContainEqual({
      description: "Binance BTCUSDT",
      displaySymbol: "BTC/USDT",
      symbol: "BINANCE:BTCUSDT",
    });
    expect((await json(`${fake.restUrl}/crypto/symbol?exchange=COINBASE&${token}`)).body).toContainEqual({
      description: "Coinbase BTC-USD",
      displaySymbol: "BTC/USD",
      symbol: "COINBASE:BTC-USD",
    });
    expect((await json(`${fake.restUrl}/forex/symbol?exchange=oanda&${token}`)).body).toContainEqual({
      description: "Oanda EUR/USD",
      displaySymbol: "EUR/USD",
      symbol: "OANDA:EUR_USD",
    });
    expect((await json(`${fake.restUrl}/crypto/symbol?exchange=nowhere&${token}`)).body).toEqual([]);
    expect((await json(`${fake.restUrl}/crypto/symbol?${token}`)).status).toBe(422);
    const quote = await json(
      `${fake.restUrl}/quote?symbol=${encodeURIComponent("BINANCE:BTCUSDT")}&${token}`,
    );
    expect(quote.body).toMatchObject({ c: 97_000 });
    expect(fake.restCalls.filter((c) => c.path === "/crypto/symbol").map((c) => c.status)).toEqual([
      200, 200, 200, 422,
    ]);
  });

  it("answers 429 with Retry-After once the window's calls are spent", async () => {
    fake = await FakeFinnhub.start({ restCallsPerWindow: 2, restWindowMs: 5_000 });
    const url = `${fake.restUrl}/quote?symbol=AAPL&token=${fake.apiKey}`;
    expect((await json(url)).status).toBe(200);
    expect((await json(url)).status).toBe(200);
    const limited = await json(url);
    expect(limited).toMatchObject({ status: 429, body: { error: FINNHUB_LIMIT_REACHED_MSG } });
    expect(Number(limited.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(limited.retryAfter)).toBeLessThanOrEqual(5);
    expect(fake.restCalls.at(-1)?.retryAt).toBeGreaterThan(Date.now());
  });
});

describe("fake Finnhub websocket", () => {
  it("delivers trades only for subscribed symbols and records subscriptions", async () => {
    fake = await FakeFinnhub.start({ pingIntervalMs: 0 });
    const { ws, frames } = await connect(`${fake.wsUrl}/?token=${fake.apiKey}`);
    ws.send(JSON.stringify({ type: "subscribe", symbol: "AAPL" }));
    ws.send(JSON.stringify({ type: "subscribe", symbol: "MSFT" }));
    ws.send(JSON.stringify({ type: "unsubscribe", symbol: "MSFT" }));
    await until(() => fake?.eventsOf("unsubscribe").length === 1);
    expect(fake.subscriptions()).toEqual(["AAPL"]);
    expect(
      fake.pushTrades([
        { symbol: "AAPL", price: 190.5, ts: 1_700_000_000_000, volume: 3 },
        { symbol: "MSFT", price: 1 },
      ]),
    ).toBe(1);
    fake.sendPing();
    await until(() => frames.length === 2);
    expect(frames).toEqual([
      { data: [{ s: "AAPL", p: 190.5, t: 1_700_000_000_000, v: 3, c: ["1"] }], type: "trade" },
      { type: "ping" },
    ]);
    ws.close();
  });

  it("streams trades of crypto and forex pairs, forex with volume 0 as Finnhub sends it", async () => {
    fake = await FakeFinnhub.start({ pingIntervalMs: 0 });
    const { ws, frames } = await connect(`${fake.wsUrl}/?token=${fake.apiKey}`);
    ws.send(JSON.stringify({ type: "subscribe", symbol: "BINANCE:BTCUSDT" }));
    ws.send(JSON.stringify({ type: "subscribe", symbol: "OANDA:EUR_USD" }));
    await until(() => fake?.subscriptions().length === 2);
    const saturday = Date.parse("2026-12-05T17:00:00Z");
    expect(
      fake.pushTrades([
        { symbol: "BINANCE:BTCUSDT", price: 97_250.5, ts: saturday, volume: 0.012 },
        { symbol: "OANDA:EUR_USD", price: 1.0851, ts: saturday - 86_400_000 },
      ]),
    ).toBe(2);
    await until(() => frames.length === 1);
    expect(frames).toEqual([
      {
        data: [
          { s: "BINANCE:BTCUSDT", p: 97_250.5, t: saturday, v: 0.012, c: ["1"] },
          { s: "OANDA:EUR_USD", p: 1.0851, t: saturday - 86_400_000, v: 0, c: ["1"] },
        ],
        type: "trade",
      },
    ]);
    ws.close();
  });

  it("survives a client that resets its connection while being refused", async () => {
    fake = await FakeFinnhub.start({ pingIntervalMs: 0 });
    const { ws, frames } = await connect(`${fake.wsUrl}/?token=${fake.apiKey}`);
    const port = new URL(fake.wsUrl).port;
    // A second socket for the key, reset (RST) as soon as its upgrade is sent: the refusal meets a dead socket.
    for (let i = 0; i < 20; i++) {
      const raw = createConnection({ host: "127.0.0.1", port: Number(port) });
      await new Promise<void>((resolve) => raw.once("connect", () => resolve()));
      raw.write(
        `GET /?token=${fake.apiKey} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
      await new Promise((resolve) => setTimeout(resolve, 5));
      raw.resetAndDestroy();
    }
    await until(() => fake?.eventsOf("refused").length === 20);
    expect(fake.eventsOf("refused").every((e) => e.reason === "already-connected")).toBe(true);
    // The fake is still serving: the first socket still gets trades.
    ws.send(JSON.stringify({ type: "subscribe", symbol: "AAPL" }));
    await until(() => fake?.subscriptions().includes("AAPL") === true);
    fake.pushTrades([{ symbol: "AAPL", price: 190, ts: Date.now(), volume: 1 }]);
    await until(() => frames.length === 1);
    ws.close();
  });

  it("refuses a bad key and a second socket for the same key, and enforces the symbol cap", async () => {
    fake = await FakeFinnhub.start({ symbolCap: 1, pingIntervalMs: 0 });
    await expect(connect(`${fake.wsUrl}/?token=nope-nope`)).rejects.toThrow(/401/);
    const { ws, frames } = await connect(`${fake.wsUrl}/?token=${fake.apiKey}`);
    await expect(connect(`${fake.wsUrl}/?token=${fake.apiKey}`)).rejects.toThrow(/429/);
    ws.send(JSON.stringify({ type: "subscribe", symbol: "AAPL" }));
    ws.send(JSON.stringify({ type: "subscribe", symbol: "MSFT" }));
    await until(() => frames.length === 1);
    expect(frames).toEqual([{ msg: FINNHUB_TOO_MANY_SYMBOLS_MSG, type: "error" }]);
    expect(fake.subscriptions()).toEqual(["AAPL"]);
    expect(fake.eventsOf("refused").map((e) => e.reason)).toEqual(["invalid-key", "already-connected"]);
    ws.close();
  });

  it("drops sockets and injects garbage and error frames on request", async () => {
    fake = await FakeFinnhub.start({ pingIntervalMs: 0 });
    const { ws } = await connect(`${fake.wsUrl}/?token=${fake.apiKey}`);
    const raw: string[] = [];
    ws.on("message", (data) => raw.push(String(data)));
    fake.sendGarbage("}{");
    fake.sendError("boom");
    await until(() => raw.length === 2);
    expect(raw).toEqual(["}{", JSON.stringify({ msg: "boom", type: "error" })]);
    const closed = new Promise<number>((resolve) => ws.once("close", (code) => resolve(code)));
    fake.dropSockets();
    expect(await closed).toBe(1006);
    await until(() => fake?.openSockets === 0);
  });
});
