import { describe, expect, it } from "vitest";
import type { Command } from "./commands.ts";
import { alertCommandFromOptions } from "./options.ts";
import { parseCommand } from "./parse.ts";

// Crypto and forex pairs as Finnhub writes them, through the typed grammar and the structured options alike.

const now = new Date("2026-12-05T17:00:00Z");
const parse = (text: string) => parseCommand(text, { now });
function command(text: string): Command {
  const result = parse(text);
  if (!result.ok) throw new Error(`expected ${JSON.stringify(text)} to parse, got: ${result.error.message}`);
  return result.command;
}

describe("exchange pairs on /alert, /price and /watch", () => {
  it.each([
    [
      "/alert BINANCE:BTCUSDT above 100000",
      "BINANCE:BTCUSDT",
      { kind: "price", direction: "above", target: 100000 },
    ],
    [
      "/alert coinbase:btc-usd below 90,000",
      "COINBASE:BTC-USD",
      { kind: "price", direction: "below", target: 90000 },
    ],
    ["/alert $OANDA:EUR_USD cross 1.1", "OANDA:EUR_USD", { kind: "price", direction: "cross", target: 1.1 }],
    ["/alert KRAKEN:XBTUSD trail 8%", "KRAKEN:XBTUSD", { kind: "trailing", direction: "down" }],
    [
      "/alert oanda:usd_jpy up 1% repeat 1h",
      "OANDA:USD_JPY",
      { kind: "percent", direction: "up", percent: 1 },
    ],
  ])("%s", (text, symbol, condition) => {
    expect(command(text)).toMatchObject({ name: "alert", symbol, condition });
  });

  it("prices and watches them", () => {
    expect(command("/price BINANCE:BTCUSDT oanda:eur_usd")).toEqual({
      name: "price",
      symbols: ["BINANCE:BTCUSDT", "OANDA:EUR_USD"],
    });
    expect(command("/watch COINBASE:BTC-USD AAPL OANDA:EUR_USD")).toEqual({
      name: "watch",
      symbols: ["COINBASE:BTC-USD", "AAPL", "OANDA:EUR_USD"],
    });
  });

  it("says what an exchange pair looks like when one is mistyped", () => {
    const result = parse("/price OANDA:EUR__USD");
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.error.message).toMatch(/BINANCE:BTCUSDT, COINBASE:BTC-USD or OANDA:EUR_USD/);
  });
});

describe("rth is refused for crypto and forex", () => {
  it.each([
    ["/alert BINANCE:BTCUSDT above 100000 rth", /BINANCE:BTCUSDT is crypto.*around the clock/],
    ["/alert COINBASE:BTC-USD down 5% regular-hours", /COINBASE:BTC-USD is crypto/],
    ['/alert OANDA:EUR_USD above 1.2 note "ecb" rth', /OANDA:EUR_USD is forex.*Sunday to Friday/],
    ["/alert BINANCE:ETHUSDT above 4000 4100 rth", /BINANCE:ETHUSDT is crypto/],
  ])("%s", (text, message) => {
    const result = parse(text);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.message).toMatch(message);
    expect(result.error.message).toMatch(/leave out rth/);
    expect(result.error.example).not.toMatch(/\brth\b/);
  });

  it("still takes rth on a stock, and every other option on a pair", () => {
    expect(command("/alert AAPL above 200 rth")).toMatchObject({ regularHoursOnly: true });
    expect(command('/alert BINANCE:BTCUSDT above 100000 repeat 1h expires 7d note "moon"')).toMatchObject({
      symbol: "BINANCE:BTCUSDT",
      regularHoursOnly: false,
      note: "moon",
    });
  });

  it("is refused the same through structured options (Discord's regular-hours-only)", () => {
    const result = alertCommandFromOptions(
      { kind: "price", symbol: "oanda:eur_usd", direction: "above", value: "1.2", regularHoursOnly: true },
      { now },
    );
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.message).toMatch(/OANDA:EUR_USD is forex.*leave out rth/);
    const ok = alertCommandFromOptions(
      { kind: "price", symbol: "binance:btcusdt", direction: "above", value: "100000" },
      { now },
    );
    expect(ok).toMatchObject({ ok: true, command: { symbol: "BINANCE:BTCUSDT", regularHoursOnly: false } });
  });
});

describe("earnings are refused for crypto and forex", () => {
  it.each([
    ["/alert BINANCE:BTCUSDT earnings", /BINANCE:BTCUSDT is crypto: it has no earnings releases/],
    ["/alert OANDA:EUR_USD earnings", /OANDA:EUR_USD is forex: it has no earnings releases/],
  ])("%s", (text, message) => {
    const result = parse(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.message).toMatch(message);
  });

  it("through structured options too (Discord's /alert earnings)", () => {
    const result = alertCommandFromOptions({ kind: "earnings", symbol: "coinbase:btc-usd" }, { now });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.message).toMatch(/COINBASE:BTC-USD is crypto: it has no earnings/);
    expect(command("/alert AAPL earnings")).toMatchObject({ condition: { kind: "earnings" } });
  });
});
