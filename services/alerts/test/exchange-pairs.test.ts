import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { priceAlert, startPostgresHarness } from "./harness.ts";

// Issue 17 item 5: crypto and forex pairs are alerts like any other, but regular-hours-only is for stocks. The
// alert service refuses it itself (400 with the reason), whichever caller skipped the bot's own check.

let h: Awaited<ReturnType<typeof startPostgresHarness>>;
beforeAll(async () => {
  h = await startPostgresHarness();
});
afterAll(async () => {
  await h?.close();
});

const btc = (overrides: Record<string, unknown> = {}) =>
  priceAlert({
    symbol: "binance:btcusdt",
    condition: { kind: "price", direction: "above", target: 100_000 },
    market: { last: 97_000 },
    ...overrides,
  });

describe("exchange pairs on the alert API", () => {
  it.each([
    ["BINANCE:BTCUSDT", 100_000, 97_000],
    ["COINBASE:BTC-USD", 100_000, 97_000],
    ["KRAKEN:XBTUSD", 100_000, 97_000],
    ["OANDA:EUR_USD", 1.2, 1.08],
  ])("creates an alert on %s", async (symbol, target, last) => {
    const res = await h.api("POST", "/v1/alerts", {
      as: `pair-${symbol.replace(":", "-")}`,
      body: priceAlert({
        symbol,
        condition: { kind: "price", direction: "above", target },
        market: { last },
      }),
    });
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({ symbol, regularHoursOnly: false });
  });

  it.each([
    ["BINANCE:BTCUSDT", /BINANCE:BTCUSDT is crypto: crypto trades around the clock/],
    ["OANDA:EUR_USD", /OANDA:EUR_USD is forex: forex trades from Sunday to Friday 17:00 New York/],
  ])("refuses regularHoursOnly on %s with a 400 and the reason", async (symbol, reason) => {
    const user = `rth-${symbol.replace(":", "-")}`;
    const res = await h.api("POST", "/v1/alerts", {
      as: user,
      body: btc({
        symbol,
        regularHoursOnly: true,
        ...(symbol.startsWith("OANDA")
          ? { condition: { kind: "price", direction: "above", target: 1.2 }, market: { last: 1.08 } }
          : {}),
      }),
    });
    expect(res.status, res.text).toBe(400);
    expect(res.body.error).toMatchObject({ code: "regular_hours_not_applicable", details: { symbol } });
    expect(res.body.error.message).toMatch(reason);
    const list = await h.api("GET", "/v1/alerts", { as: user });
    expect(list.body.alerts).toEqual([]);
  });

  it("refuses turning regularHoursOnly on for a pair, and lets it be turned off or other fields change", async () => {
    const user = "rth-edit";
    const created = await h.api("POST", "/v1/alerts", { as: user, body: btc() });
    expect(created.status, created.text).toBe(201);
    const id = created.body.id as string;
    const refused = await h.api("PATCH", `/v1/alerts/${id}`, { as: user, body: { regularHoursOnly: true } });
    expect(refused.status, refused.text).toBe(400);
    expect(refused.body.error.code).toBe("regular_hours_not_applicable");
    expect(refused.body.error.message).toMatch(/crypto.*leave out rth/);
    const noted = await h.api("PATCH", `/v1/alerts/${id}`, {
      as: user,
      body: { regularHoursOnly: false, note: "moon" },
    });
    expect(noted.status, noted.text).toBe(200);
    expect(noted.body).toMatchObject({ regularHoursOnly: false, note: "moon", version: 2 });
  });

  it("still takes regularHoursOnly on a stock", async () => {
    const res = await h.api("POST", "/v1/alerts", {
      as: "rth-stock",
      body: priceAlert({ regularHoursOnly: true }),
    });
    expect(res.status, res.text).toBe(201);
    expect(res.body.regularHoursOnly).toBe(true);
  });

  it("refuses an earnings alert on a pair, on create and as an edit of its condition (400 with the reason)", async () => {
    const user = "earnings-pair";
    const refused = await h.api("POST", "/v1/alerts", {
      as: user,
      body: btc({ condition: { kind: "earnings" } }),
    });
    expect(refused.status, refused.text).toBe(400);
    expect(refused.body.error).toMatchObject({
      code: "earnings_not_applicable",
      details: { symbol: "BINANCE:BTCUSDT" },
    });
    expect(refused.body.error.message).toMatch(/BINANCE:BTCUSDT is crypto: it has no earnings releases/);
    const created = await h.api("POST", "/v1/alerts", { as: user, body: btc() });
    const edit = await h.api("PATCH", `/v1/alerts/${created.body.id}`, {
      as: user,
      body: { condition: { kind: "earnings" }, market: { last: 97_000 } },
    });
    expect(edit.status, edit.text).toBe(400);
    expect(edit.body.error.code).toBe("earnings_not_applicable");
  });
});
