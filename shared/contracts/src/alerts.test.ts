import { describe, expect, it } from "vitest";
import {
  CreateAlertRequestSchema,
  NoteSchema,
  TriggerIdSchema,
  triggerIdOf,
  UpdateAlertRequestSchema,
} from "./alerts.ts";
import { SymbolSchema } from "./common.ts";

const base = {
  symbol: "aapl",
  market: { last: 190 },
  origin: { platform: "telegram", chatId: "42" },
};

describe("SymbolSchema", () => {
  it.each([
    ["aapl", "AAPL"],
    ["$tsla", "TSLA"],
    [" brk.b ", "BRK.B"],
    ["BINANCE:BTCUSDT", "BINANCE:BTCUSDT"],
    ["COINBASE:BTC-USD", "COINBASE:BTC-USD"],
    ["oanda:eur_usd", "OANDA:EUR_USD"],
    ["KRAKEN:XBTUSD", "KRAKEN:XBTUSD"],
    [" $binance:ethusdt ", "BINANCE:ETHUSDT"],
    // Binance glues long pairs: up to 20 characters after the exchange.
    ["BINANCE:1MBABYDOGEUSDT", "BINANCE:1MBABYDOGEUSDT"],
  ])("normalises %j to %s", (raw, expected) => {
    expect(SymbolSchema.parse(raw)).toBe(expected);
  });

  it.each([
    "",
    "1ABC",
    "AAPL;DROP",
    "ÄPPLE",
    "A".repeat(11),
    "$",
    "AA PL",
    "BINANCE:",
    ":BTCUSDT",
    "OANDA:EUR__USD",
    "OANDA:EUR_USD_",
    "COINBASE:BTC-USD-EUR",
    "BRK.B_C",
    "A:B:C",
    "OANDA:EUR_USD;DROP",
    "BINANCE:BTC USDT",
    `BINANCE:${"B".repeat(30)}`,
  ])("refuses %j", (raw) => {
    expect(SymbolSchema.safeParse(raw).success).toBe(false);
  });

  it("names the accepted shapes when it refuses", () => {
    const result = SymbolSchema.safeParse("OANDA:EUR__USD");
    expect(result.error?.issues[0]?.message).toMatch(
      /AAPL.*BRK\.B.*BINANCE:BTCUSDT.*COINBASE:BTC-USD.*OANDA:EUR_USD/,
    );
  });
});

describe("CreateAlertRequestSchema", () => {
  it("fills option defaults", () => {
    const parsed = CreateAlertRequestSchema.parse({
      ...base,
      condition: { kind: "percent", direction: "up", percent: 5 },
    });
    expect(parsed).toMatchObject({
      symbol: "AAPL",
      repeat: null,
      expiresAt: null,
      note: null,
      regularHoursOnly: false,
      condition: { basis: "last" },
    });
  });

  it.each([
    [{ kind: "price", direction: "above", target: -1 }, "greater than 0"],
    [{ kind: "price", direction: "above", target: Number.POSITIVE_INFINITY }, ""],
    [{ kind: "price", direction: "above", target: 5_000_000 }, "at most"],
    [{ kind: "price", direction: "sideways", target: 5 }, ""],
    [{ kind: "percent", direction: "down", percent: 100 }, "less than 100%"],
    [{ kind: "percent", direction: "up", percent: 0 }, "greater than 0"],
    [{ kind: "trailing", direction: "down", offset: { unit: "percent", value: 100 } }, "below 100"],
    [{ kind: "trailing", direction: "down", offset: { unit: "bananas", value: 1 } }, ""],
  ])("refuses condition %j", (condition, message) => {
    const result = CreateAlertRequestSchema.safeParse({ ...base, condition });
    expect(result.success).toBe(false);
    if (message) expect(JSON.stringify(result.error?.issues)).toContain(message);
  });

  it("refuses unknown fields", () => {
    const result = CreateAlertRequestSchema.safeParse({
      ...base,
      condition: { kind: "price", direction: "above", target: 200 },
      admin: true,
    });
    expect(result.success).toBe(false);
  });
});

describe("notes and updates", () => {
  it("refuses control characters and over-long notes", () => {
    expect(NoteSchema.safeParse("line\nbreak").success).toBe(false);
    expect(NoteSchema.safeParse("sell\u202eyub").success).toBe(false);
    expect(NoteSchema.safeParse("one\u2028two").success).toBe(false);
    expect(NoteSchema.safeParse("x".repeat(201)).success).toBe(false);
    expect(NoteSchema.parse("  earnings 🚀  ")).toBe("earnings 🚀");
    expect(NoteSchema.safeParse("half a pair \ud83d").success).toBe(false);
  });

  it("refuses an empty update", () => {
    expect(UpdateAlertRequestSchema.safeParse({}).success).toBe(false);
  });

  it("builds trigger ids that the schema accepts", () => {
    const id = triggerIdOf("0f8fad5b-d9cb-469f-a165-70867728950e", 3);
    expect(TriggerIdSchema.parse(id)).toBe("0f8fad5b-d9cb-469f-a165-70867728950e:3");
  });
});
