import type { Alert, AlertCondition } from "@tickerbell/contracts";
import { describe, expect, it } from "vitest";
import {
  describeAlert,
  describeCondition,
  fileNameOf,
  formatChange,
  formatDuration,
  formatPercent,
  formatPrice,
  formatRelative,
  formatVolume,
} from "./format.ts";
import { UTC_DISPLAY } from "./time.ts";

describe("formatting", () => {
  it.each([
    [200, "$200.00"],
    [1250.5, "$1,250.50"],
    [0.5, "$0.5000"],
    [0.001234, "$0.001234"],
  ])("price %d → %s", (price, text) => {
    expect(formatPrice(price, "AAPL")).toBe(text);
  });

  it("writes a currency pair's rate bare, to the pip and its tenth (two and three places for yen)", () => {
    expect(formatPrice(1.0842, "OANDA:EUR_USD")).toBe("1.0842");
    expect(formatPrice(1.08423, "OANDA:EUR_USD")).toBe("1.08423");
    expect(formatPrice(1.1, "OANDA:EUR_USD")).toBe("1.1000");
    expect(formatPrice(150.2, "OANDA:USD_JPY")).toBe("150.20");
    expect(formatPrice(150.234, "OANDA:USD_JPY")).toBe("150.234");
    expect(formatChange(-0.0021, "OANDA:GBP_USD", 1.27)).toBe("-0.0021");
    expect(describeCondition({ kind: "price", direction: "above", target: 1.085 }, "OANDA:EUR_USD")).toBe(
      "above 1.0850",
    );
    // Crypto pairs are in dollars (or dollar coins), as stocks.
    expect(formatPrice(97_250.5, "BINANCE:BTCUSDT")).toBe("$97,250.50");
    // Dollars that are no symbol's price (an earnings estimate).
    expect(formatPrice(2.35, null)).toBe("$2.35");
  });

  it("writes a change with the precision of the price that moved", () => {
    expect(formatChange(-0.6133, "AAPL", 189.39)).toBe("-$0.61");
    expect(formatChange(-0.0312, "AAPL", 0.41)).toBe("-$0.0312");
    expect(formatChange(12.4, "AAPL")).toBe("+$12.40");
  });

  it("signs percentages", () => {
    expect(formatPercent(5.2)).toBe("+5.20%");
    expect(formatPercent(-0.345)).toBe("-0.34%");
    expect(formatPercent(0)).toBe("±0.00%");
    // No change is shown in cents, not to six places.
    expect(formatChange(0, "AAPL")).toBe("±$0.00");
    expect(formatChange(-0.0312, "AAPL")).toBe("-$0.0312");
  });

  it("writes volumes compactly, to three figures", () => {
    expect([4_200_000, 1_350_000, 950_000, 12_345, 800, 999_999, 2_500_000_000, 0].map(formatVolume)).toEqual(
      ["4.2M", "1.35M", "950K", "12.3K", "800", "1M", "2.5B", "0"],
    );
  });

  it("writes relative times both ways", () => {
    const now = new Date("2026-11-24T12:00:00Z");
    expect(formatRelative("2026-11-27T12:00:00Z", now)).toBe("in 3 days");
    expect(formatRelative(new Date("2026-11-24T10:00:00Z"), now)).toBe("2 hours ago");
    expect(formatRelative(now, now)).toBe("just now");
    expect(formatRelative("2026-11-24T12:01:00Z", now)).toBe("in 1 minute");
  });

  it("rounds a relative time to its unit instead of cutting it down", () => {
    const now = new Date("2026-11-24T12:00:00Z");
    const from = (seconds: number) => formatRelative(new Date(now.getTime() + seconds * 1000), now);
    // `expires 7d`, listed a minute after it was set: not "in 6 days".
    expect(from(7 * 86400 - 60)).toBe("in 1 week");
    expect(from(7 * 86400 - 3 * 3600)).toBe("in 1 week");
    expect(from(6 * 86400 + 10 * 3600)).toBe("in 6 days");
    expect(from(2 * 86400 + 13 * 3600)).toBe("in 3 days");
    expect(from(59 * 60 + 30)).toBe("in 1 hour");
    expect(from(50 * 60)).toBe("in 50 minutes");
    expect(from(-(2 * 3600 + 40 * 60))).toBe("3 hours ago");
    expect(from(27 * 86400)).toBe("in 4 weeks");
    expect(from(29 * 86400)).toBe("in 1 month");
    expect(from(40)).toBe("in 40 seconds");
  });

  it("names files after a symbol with what every platform and file system keeps", () => {
    expect(["AAPL", "BRK.B", "BINANCE:BTCUSDT", "COINBASE:BTC-USD", "OANDA:EUR_USD"].map(fileNameOf)).toEqual(
      ["AAPL", "BRK.B", "BINANCE_BTCUSDT", "COINBASE_BTC-USD", "OANDA_EUR_USD"],
    );
  });

  it("writes durations compactly", () => {
    expect([formatDuration(3600), formatDuration(1800), formatDuration(172800), formatDuration(90)]).toEqual([
      "1h",
      "30m",
      "2d",
      "90s",
    ]);
  });

  it("describes each kind of condition", () => {
    expect(describeCondition({ kind: "price", direction: "above", target: 200 }, "AAPL")).toBe(
      "above $200.00",
    );
    expect(describeCondition({ kind: "price", direction: "cross", target: 5 }, "AAPL")).toBe("crosses $5.00");
    expect(
      describeCondition({ kind: "percent", direction: "down", percent: 3, basis: "close" }, "AAPL"),
    ).toBe("down 3% from the previous close");
    expect(
      describeCondition({ kind: "trailing", direction: "up", offset: { unit: "amount", value: 5 } }, "AAPL"),
    ).toBe("rises $5.00 above its low (trailing)");
    expect(
      describeCondition({ kind: "window", direction: "move", percent: 3, windowSeconds: 3600 }, "AAPL"),
    ).toBe("moves 3% within 1h");
    expect(
      describeCondition({ kind: "window", direction: "up", percent: 2.5, windowSeconds: 900 }, "AAPL"),
    ).toBe("up 2.5% within 15m");
    expect(
      describeCondition({ kind: "window", direction: "down", percent: 4, windowSeconds: 86_400 }, "AAPL"),
    ).toBe("down 4% within 1d");
    expect(
      describeCondition({ kind: "window", direction: "down", percent: 4, windowSeconds: 5400 }, "AAPL"),
    ).toBe("down 4% within 90m");
    expect(describeCondition({ kind: "volume", multiple: 2.5 }, "AAPL")).toBe(
      "volume 2.5× the usual by this time of day",
    );
    expect(
      describeCondition({ kind: "average", average: "ema", period: 200, direction: "above" }, "AAPL"),
    ).toBe("above its 200-day EMA");
    expect(
      describeCondition({ kind: "average", average: "sma", period: 20, direction: "below" }, "AAPL"),
    ).toBe("below its 20-day SMA");
    expect(
      describeCondition({ kind: "rsi", direction: "above", level: 80, period: 7, interval: "1h" }, "AAPL"),
    ).toBe("hourly RSI(7) above 80");
  });
});

describe("describeAlert", () => {
  const now = new Date("2026-12-03T14:05:00Z");
  const alert: Alert = {
    id: "0f8fad5b-d9cb-469f-a165-70867728950e",
    userId: "7c9e6679-7425-40de-944b-e07fc1f90ae7",
    symbol: "AAPL",
    condition: { kind: "price", direction: "above", target: 200 },
    referencePrice: 190,
    thresholds: { upper: 200, lower: null },
    extreme: null,
    status: "active",
    generation: 0,
    version: 1,
    resumeAt: null,
    repeat: null,
    expiresAt: null,
    note: null,
    regularHoursOnly: false,
    origin: { platform: "telegram", chatId: "1" },
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    lastTriggeredAt: null,
    lastTriggerPrice: null,
    phase: "armed",
    stateAsOfTick: null,
  };

  it("says a move within a window as it was typed, with its options", () => {
    const window = describeAlert(
      {
        ...alert,
        condition: { kind: "window", direction: "move", percent: 3, windowSeconds: 3600 },
        thresholds: { upper: null, lower: null },
        repeat: { cooldownSeconds: 3600 },
        note: "momentum",
      },
      now,
    );
    expect(window).toBe("AAPL moves 3% within 1h · repeats every 1h · “momentum”");
  });

  it("says a new high or low with the running high (low) it fires beyond", () => {
    const extreme = (side: "high" | "low", span: "session" | "52w", level: number) =>
      describeAlert(
        {
          ...alert,
          condition: { kind: "extreme", side, span },
          thresholds: { upper: null, lower: null },
          referencePrice: level,
          extreme: level,
          repeat: { cooldownSeconds: 3600 },
        },
        now,
      );
    expect(extreme("high", "session", 192.5)).toBe(
      "AAPL new session high (above $192.50 today) · repeats every 1h",
    );
    expect(extreme("low", "52w", 164.08)).toBe("AAPL new 52-week low (below $164.08) · repeats every 1h");
  });

  it("says a volume, moving-average or RSI alert as a sentence, and in a confirmation the study now", () => {
    const studied = (condition: AlertCondition) => ({
      ...alert,
      condition,
      thresholds: { upper: null, lower: null },
      referencePrice: 190.1,
    });
    const sma: AlertCondition = { kind: "average", average: "sma", period: 50, direction: "cross" };
    const rsi: AlertCondition = { kind: "rsi", direction: "below", level: 30, period: 14, interval: "1d" };
    const volume: AlertCondition = { kind: "volume", multiple: 3 };
    // Lists: the condition alone.
    expect(describeAlert(studied(sma), now)).toBe("AAPL crosses its 50-day SMA");
    // A list says which way a cross fires next (price above the average: a fall through it).
    expect(describeAlert({ ...studied(sma), watch: "lower" }, now)).toBe(
      "AAPL crosses its 50-day SMA · next on a fall through it",
    );
    expect(describeAlert({ ...studied(sma), watch: "upper" }, now)).toBe(
      "AAPL crosses its 50-day SMA · next on a rise through it",
    );
    expect(describeAlert(studied(rsi), now)).toBe("AAPL daily RSI(14) below 30");
    expect(describeAlert(studied(volume), now)).toBe("AAPL volume 3× the usual by this time of day");
    // Confirmations: with the study the bot read from the pricing service when it set the alert.
    const market = {
      last: 190.1,
      studies: {
        values: { sma50: 187.2, "rsi14:1d": 41.23 },
        // 1.4× = 1,890,000 / 1,350,000
        volume: { today: 1_890_000, typical: 1_350_000, sessions: 20 },
      },
    };
    expect(describeAlert({ ...studied(sma), watch: "lower" }, now, UTC_DISPLAY, market)).toBe(
      "AAPL crosses its 50-day SMA (now $187.20, price $190.10 above it)",
    );
    expect(describeAlert(studied(rsi), now, UTC_DISPLAY, market)).toBe(
      "AAPL daily RSI(14) below 30 (now 41.2)",
    );
    expect(
      describeAlert({ ...studied(volume), repeat: { cooldownSeconds: 3600 } }, now, UTC_DISPLAY, market),
    ).toBe("AAPL volume 3× the usual by this time of day (now 1.4×, over 20 sessions) · repeats every 1h");
    // Below the average, and a study the market does not hold: nothing is made up.
    expect(
      describeAlert(studied({ ...sma, direction: "above" }), now, UTC_DISPLAY, { ...market, last: 180 }),
    ).toBe("AAPL above its 50-day SMA (now $187.20, price $180.00 below it)");
    expect(describeAlert(studied({ ...rsi, interval: "1h" }), now, UTC_DISPLAY, market)).toBe(
      "AAPL hourly RSI(14) below 30",
    );
  });

  it("labels each level of a two-sided move once", () => {
    const move = describeAlert(
      {
        ...alert,
        condition: { kind: "percent", direction: "move", percent: 5, basis: "last" },
        thresholds: { upper: 199.5, lower: 180.5 },
      },
      now,
    );
    expect(move).toBe("AAPL moves 5% from the price when set · fires at $199.50 (up) or $180.50 (down)");
  });

  it("says a trailing alert's peak and the level it fires at now", () => {
    const trailing = describeAlert(
      {
        ...alert,
        condition: { kind: "trailing", direction: "down", offset: { unit: "percent", value: 8 } },
        thresholds: { upper: null, lower: null },
        extreme: 220,
      },
      now,
    );
    expect(trailing).toBe("AAPL falls 8% below its peak (trailing) · peak $220.00, fires at $202.40");
    const fromLow = describeAlert(
      {
        ...alert,
        condition: { kind: "trailing", direction: "up", offset: { unit: "amount", value: 2.5 } },
        thresholds: { upper: null, lower: null },
        extreme: 180,
      },
      now,
    );
    expect(fromLow).toBe("AAPL rises $2.50 above its low (trailing) · low $180.00, fires at $182.50");
  });

  it("says an expiry both relative and absolute, in the reader's zone", () => {
    const expiring = { ...alert, expiresAt: "2026-12-09T14:05:00.000Z" };
    expect(describeAlert(expiring, now)).toBe(
      "AAPL above $200.00 · expires in 6 days (2026-12-09 14:05 UTC)",
    );
    expect(describeAlert(expiring, now, { kind: "zone", timeZone: "America/New_York" })).toBe(
      "AAPL above $200.00 · expires in 6 days (2026-12-09 09:05 EST)",
    );
  });
});
