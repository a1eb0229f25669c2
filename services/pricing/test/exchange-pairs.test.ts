// Crypto and forex pairs are found by search and quoted, against the fake Finnhub (its /crypto/symbol and
// /forex/symbol lists, read once a day and matched locally) and in the simulated market.
import { MarketStatusSchema, QuoteSchema, SymbolSearchResponseSchema } from "@tickerbell/contracts";
import type { FakeFinnhub } from "@tickerbell/testkit";
import { describe, expect, it } from "vitest";
import { pricingHttpHarness } from "./helpers.ts";

const { pricingOn, get, withFake } = pricingHttpHarness("pricing-pairs-test");

const symbolsOf = (body: unknown) => SymbolSearchResponseSchema.parse(body).results.map((r) => r.symbol);
const listCalls = (fake: FakeFinnhub) =>
  fake.restCalls.filter((c) => c.path === "/crypto/symbol" || c.path === "/forex/symbol");

describe("exchange pairs on Finnhub", () => {
  it("finds crypto and forex pairs by base, pair, exchange prefix or name, beside stocks", async () => {
    const fake = await withFake();
    const { pricing } = await pricingOn(fake);
    const btc = SymbolSearchResponseSchema.parse((await get(pricing, "/v1/search?q=btc")).body).results;
    expect(btc).toEqual(
      expect.arrayContaining([
        { symbol: "BINANCE:BTCUSDT", description: "Binance BTCUSDT", type: "Crypto" },
        { symbol: "COINBASE:BTC-USD", description: "Coinbase BTC-USD", type: "Crypto" },
      ]),
    );
    expect(symbolsOf((await get(pricing, "/v1/search?q=eur")).body)).toContain("OANDA:EUR_USD");
    expect(symbolsOf((await get(pricing, "/v1/search?q=EUR%2FUSD")).body)).toEqual(["OANDA:EUR_USD"]);
    expect(symbolsOf((await get(pricing, "/v1/search?q=binance%3Aeth")).body)).toEqual(["BINANCE:ETHUSDT"]);
    expect(symbolsOf((await get(pricing, "/v1/search?q=BTCUSDT")).body)[0]).toBe("BINANCE:BTCUSDT");
    // Stocks are still found the way they were.
    expect(symbolsOf((await get(pricing, "/v1/search?q=micro")).body)).toEqual(["MSFT", "AMD"]);
  });

  it("reads each exchange's list once, not per search (Finnhub's REST budget)", async () => {
    const fake = await withFake();
    const { pricing } = await pricingOn(fake);
    for (const q of ["btc", "eth", "eur", "usd", "sol", "xbt"]) {
      expect((await get(pricing, `/v1/search?q=${q}`)).status).toBe(200);
    }
    const calls = listCalls(fake);
    expect(calls.map((c) => c.path).sort()).toEqual([
      "/crypto/symbol",
      "/crypto/symbol",
      "/crypto/symbol",
      "/forex/symbol",
    ]);
  });

  it("still answers stocks when Finnhub refuses the pair lists", async () => {
    const fake = await withFake({ restCallsPerWindow: 1 });
    const { pricing } = await pricingOn(fake);
    const res = await get(pricing, "/v1/search?q=tesla");
    expect(res.status).toBe(200);
    expect(symbolsOf(res.body)).toEqual(["TSLA"]);
  });

  it("quotes a pair", async () => {
    const fake = await withFake();
    fake.setQuote("BINANCE:BTCUSDT", { c: 97_250.5, pc: 96_000 });
    const { pricing } = await pricingOn(fake);
    const res = await get(pricing, "/v1/quote/binance%3Abtcusdt");
    expect(res.status).toBe(200);
    expect(QuoteSchema.parse(res.body)).toMatchObject({ symbol: "BINANCE:BTCUSDT", price: 97_250.5 });
  });

  it("tells a symbol's market status by its class: crypto trades on a Saturday, forex and stocks do not", async () => {
    const fake = await withFake();
    const saturday = Date.parse("2026-12-05T17:00:00Z");
    const { pricing } = await pricingOn(fake, { now: () => saturday });
    const btc = MarketStatusSchema.parse(
      (await get(pricing, "/v1/market-status?symbol=BINANCE%3ABTCUSDT")).body,
    );
    expect(btc).toMatchObject({ exchange: "BINANCE", isOpen: true, session: "regular", timezone: "UTC" });
    const eur = MarketStatusSchema.parse(
      (await get(pricing, "/v1/market-status?symbol=OANDA%3AEUR_USD")).body,
    );
    expect(eur).toMatchObject({
      exchange: "OANDA",
      isOpen: false,
      session: null,
      timezone: "America/New_York",
    });
    // A stock's, and no symbol at all, is Finnhub's US market status as before.
    expect((await get(pricing, "/v1/market-status?symbol=AAPL")).body).toMatchObject({ exchange: "US" });
    expect(fake.restCalls.filter((c) => c.path === "/stock/market-status")).toHaveLength(1);
  });
});

describe("exchange pairs in the simulated market", () => {
  it("knows a few crypto and forex pairs to try: searched and quoted", async () => {
    const { pricing } = await pricingOn(undefined);
    expect(symbolsOf((await get(pricing, "/v1/search?q=btc")).body)).toEqual(
      expect.arrayContaining(["BINANCE:BTCUSDT", "COINBASE:BTC-USD"]),
    );
    expect(symbolsOf((await get(pricing, "/v1/search?q=eur")).body)).toContain("OANDA:EUR_USD");
    const quote = await get(pricing, "/v1/quote/OANDA%3AEUR_USD");
    expect(quote.status).toBe(200);
    expect(QuoteSchema.parse(quote.body).price).toBeLessThan(5);
  });
});
