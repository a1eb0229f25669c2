import {
  ErrorBodySchema,
  MarketStatusSchema,
  QuoteSchema,
  SymbolSearchResponseSchema,
} from "@tickerbell/contracts";
import { describe, expect, it } from "vitest";
import { eventually, pricingHttpHarness } from "./helpers.ts";

const { pricingOn, get, withFake } = pricingHttpHarness("pricing-http-test");

describe("HTTP API on Finnhub", () => {
  it("quotes a symbol, normalising how users type it, and caches the answer briefly", async () => {
    const fake = await withFake();
    fake.setQuote("AAPL", { c: 191.5, pc: 190, h: 192, l: 189.5, o: 190.2 });
    const { pricing } = await pricingOn(fake);
    const first = await get(pricing, "/v1/quote/%24aapl");
    expect(first.status).toBe(200);
    const quote = QuoteSchema.parse(first.body);
    expect(quote).toMatchObject({ symbol: "AAPL", price: 191.5, previousClose: 190, change: 1.5, high: 192 });
    expect(quote.changePercent).toBeCloseTo(0.7895, 3);
    expect((await get(pricing, "/v1/quote/AAPL")).status).toBe(200);
    expect(fake.restCalls.filter((c) => c.path === "/quote" && c.symbol === "AAPL")).toHaveLength(1);
  });

  it("answers an unknown symbol (Finnhub's 200 with zeros) with a clear 404", async () => {
    const fake = await withFake();
    const { pricing } = await pricingOn(fake);
    const res = await get(pricing, "/v1/quote/ZZZZ");
    expect(res.status).toBe(404);
    expect(ErrorBodySchema.parse(res.body).error).toMatchObject({
      code: "unknown_symbol",
      message: "no quote for ZZZZ: the market does not know this symbol",
    });
  });

  it("refuses something that is not a ticker with a 400 naming the problem", async () => {
    const { pricing } = await pricingOn(await withFake());
    const res = await get(pricing, "/v1/quote/1%3B%20DROP");
    expect(res.status).toBe(400);
    expect(ErrorBodySchema.parse(res.body).error.code).toBe("validation_failed");
    expect((await get(pricing, "/v1/search")).status).toBe(400);
  });

  it("searches symbols and reports the market status", async () => {
    const fake = await withFake();
    fake.setMarketStatus({ isOpen: false, session: "pre-market", holiday: null });
    const { pricing } = await pricingOn(fake);
    const search = await get(pricing, "/v1/search?q=micro");
    expect(search.status).toBe(200);
    expect(SymbolSearchResponseSchema.parse(search.body).results.map((r) => r.symbol)).toEqual([
      "MSFT",
      "AMD",
    ]);
    const status = await get(pricing, "/v1/market-status");
    expect(MarketStatusSchema.parse(status.body)).toMatchObject({
      exchange: "US",
      isOpen: false,
      session: "pre-market",
    });
  });

  it("answers 503 with Retry-After when Finnhub rate limits, without revealing the key", async () => {
    const fake = await withFake({ restCallsPerWindow: 2 });
    const { pricing, logs } = await pricingOn(fake);
    expect((await get(pricing, "/v1/quote/AAPL")).status).toBe(200);
    expect((await get(pricing, "/v1/quote/MSFT")).status).toBe(200);
    const limited = await pricing.http.request("/v1/quote/TSLA");
    expect(limited.status).toBe(503);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    const text = await limited.text();
    expect(ErrorBodySchema.parse(JSON.parse(text)).error.code).toBe("upstream_busy");
    expect(text + logs.text()).not.toContain(fake.apiKey);
    // The budget is paused now: the next request is refused without asking Finnhub.
    const callsBefore = fake.restCalls.length;
    expect((await get(pricing, "/v1/quote/NVDA")).status).toBe(503);
    expect(fake.restCalls.length).toBe(callsBefore);
  });

  it("answers a symbol's earnings calendar from today (US/Eastern) on, one background call cached for hours", async () => {
    const fake = await withFake({
      earnings: [
        { symbol: "AAPL", date: "2027-01-12", hour: "bmo", quarter: 4, year: 2026 },
        { symbol: "AAPL", date: "2027-01-28", hour: "amc", quarter: 1, year: 2027, epsEstimate: 2.35 },
        { symbol: "AAPL", date: "2027-04-29", hour: "", quarter: 2, year: 2027 },
        { symbol: "AAPL", date: "2027-08-01", hour: "amc", quarter: 3, year: 2027 },
        { symbol: "MSFT", date: "2027-01-27", hour: "amc", quarter: 2, year: 2027 },
      ],
    });
    // 02:00 UTC on 13 January is still the 12th in New York: the release of that morning is today's.
    const { pricing } = await pricingOn(fake, { now: () => Date.parse("2027-01-13T02:00:00Z") });
    const first = await get(pricing, "/v1/earnings/aapl");
    expect(first.status).toBe(200);
    expect(first.body).toEqual({
      symbol: "AAPL",
      from: "2027-01-12",
      to: "2027-04-22",
      events: [
        {
          symbol: "AAPL",
          date: "2027-01-12",
          hour: "bmo",
          quarter: 4,
          year: 2026,
          epsEstimate: null,
          revenueEstimate: null,
        },
        {
          symbol: "AAPL",
          date: "2027-01-28",
          hour: "amc",
          quarter: 1,
          year: 2027,
          epsEstimate: 2.35,
          revenueEstimate: null,
        },
      ],
    });
    expect((await get(pricing, "/v1/earnings/AAPL")).body).toEqual(first.body);
    const calls = fake.restCalls.filter((c) => c.path === "/calendar/earnings");
    expect(calls.map((c) => [c.symbol, c.status])).toEqual([["AAPL", 200]]);
    expect((await get(pricing, "/v1/earnings/not%20a%20ticker")).status).toBe(400);
  });

  it("answers 502 with a clear message when Finnhub's earnings calendar cannot be read", async () => {
    const fake = await withFake();
    // In the day range the fake filters by, but not a day.
    fake.setEarnings([{ symbol: "AAPL", date: "2026-12-31T00", hour: "amc", quarter: 1, year: 2027 }]);
    const { pricing } = await pricingOn(fake, { now: () => Date.parse("2026-12-10T15:00:00Z") });
    const res = await get(pricing, "/v1/earnings/AAPL");
    expect(res.status).toBe(502);
    expect(res.body).toMatchObject({ error: { code: "upstream_unavailable" } });
  });

  it("answers an earnings calendar Finnhub rate limits with 503 and Retry-After, and caches no failure", async () => {
    const fake = await withFake({ restCallsPerWindow: 0 });
    const { pricing } = await pricingOn(fake);
    const limited = await get(pricing, "/v1/earnings/AAPL");
    expect(limited.status).toBe(503);
    expect(limited.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(limited.body).toMatchObject({ error: { code: "upstream_busy" } });
  });

  it("serves health, readiness, metrics and the OpenAPI document", async () => {
    const fake = await withFake();
    const { pricing } = await pricingOn(fake);
    expect((await get(pricing, "/healthz")).status).toBe(200);
    await eventually(() => pricing.service.isReady(), "ready");
    expect((await get(pricing, "/readyz")).status).toBe(200);
    const metrics = await (await pricing.http.request("/metrics")).text();
    expect(metrics).toContain("pricing_overflow_symbols");
    expect(metrics).toContain("pricing_finnhub_socket_connected 1");
    const doc = (await get(pricing, "/openapi.json")).body as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(["/v1/quote/{symbol}", "/v1/search", "/v1/market-status"]),
    );
    const notFound = await get(pricing, "/v1/nope");
    expect(notFound.status).toBe(404);
    expect(ErrorBodySchema.parse(notFound.body).error.code).toBe("not_found");
  });
});

describe("HTTP API in simulated mode", () => {
  it("answers a simulated earnings calendar: stocks report each quarter, ETPs never", async () => {
    const { pricing } = await pricingOn(undefined, { now: () => Date.parse("2027-01-02T15:00:00Z") });
    const aapl = (await get(pricing, "/v1/earnings/AAPL")).body as {
      events: Array<{ date: string; hour: string; quarter: number; year: number }>;
    };
    // 100 days from 2 January reach into April, before its second half: January's release alone.
    expect(aapl.events).toEqual([expect.objectContaining({ quarter: 4, year: 2026 })]);
    expect(aapl.events[0]?.date).toMatch(/^2027-01-(1[5-9]|2\d|3[01])$/);
    expect(["bmo", "amc"]).toContain(aapl.events[0]?.hour);
    expect((await get(pricing, "/v1/earnings/SPY")).body).toMatchObject({ events: [] });
  });

  it("answers from the simulated universe", async () => {
    const { pricing } = await pricingOn(undefined);
    const quote = await get(pricing, "/v1/quote/MSFT");
    expect(quote.status).toBe(200);
    // Listed at $415; the previous close is its made-up past's (the day before the last one in that past).
    const msft = QuoteSchema.parse(quote.body);
    expect(msft.symbol).toBe("MSFT");
    expect(msft.previousClose).toBeGreaterThan(415 * 0.8);
    expect(msft.previousClose).toBeLessThan(415 * 1.2);
    expect((await get(pricing, "/v1/quote/ZZZZ")).status).toBe(404);
    const search = SymbolSearchResponseSchema.parse((await get(pricing, "/v1/search?q=tesla")).body);
    expect(search.results).toEqual([{ symbol: "TSLA", description: "TESLA INC", type: "Common Stock" }]);
    expect((await get(pricing, "/readyz")).status).toBe(200);
  });
});
