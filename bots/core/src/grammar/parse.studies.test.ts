import { type AlertCondition, DEFAULT_RSI_PERIOD } from "@tickerbell/contracts";
import { describe, expect, it } from "vitest";
import { conditionWords } from "../transfer/export.ts";
import type { Command } from "./commands.ts";
import { parseCommand } from "./parse.ts";

// Volume, moving-average and RSI alerts in the typed grammar: `volume 3x`, `crosses sma 50`, `rsi 7 1h above 80`.

const now = new Date("2026-11-24T15:00:00Z");
const parse = (text: string) => parseCommand(text, { now });
function command(text: string): Command {
  const result = parse(text);
  if (!result.ok) throw new Error(`expected ${JSON.stringify(text)} to parse, got: ${result.error.message}`);
  return result.command;
}
/** The refusal's message, after checking that its example is a command that works. */
function refusal(text: string): string {
  const result = parse(text);
  if (result.ok) throw new Error(`expected ${JSON.stringify(text)} to be refused`);
  for (const example of result.error.example.split("  or  "))
    expect(parse(example).ok, `${example} (the example for ${text})`).toBe(true);
  return result.error.message;
}

const volume = (multiple: number): AlertCondition => ({ kind: "volume", multiple });
const average = (
  direction: "above" | "below" | "cross",
  kind: "sma" | "ema",
  period: number,
): AlertCondition => ({
  kind: "average",
  average: kind,
  period,
  direction,
});
const rsi = (
  direction: "above" | "below",
  level: number,
  period = DEFAULT_RSI_PERIOD,
  interval: "1d" | "1h" = "1d",
): AlertCondition => ({ kind: "rsi", direction, level, period, interval });

describe("volume alerts", () => {
  it.each([
    ["/alert AAPL volume 3x", volume(3)],
    ["/alert AAPL volume 2.5x", volume(2.5)],
    ["/alert AAPL volume 3", volume(3)],
    ["/alert AAPL volume 3X", volume(3)],
    ["/alert AAPL volume 3×", volume(3)],
    ["/alert AAPL volume 3 x", volume(3)],
    ["/alert AAPL VOLUME 4x", volume(4)],
    ["/alert AAPL volume above 3x", volume(3)],
    ["/alert AAPL volume > 3x", volume(3)],
    ["/alert AAPL volume 3x the usual", volume(3)],
    ["/alert AAPL volume 3x normal", volume(3)],
    ["/alert AAPL volume 100x", volume(100)],
    ["/alert AAPL volume 1.01x", volume(1.01)],
    ["/alert BINANCE:BTCUSDT volume 3x", volume(3)],
  ])("%s", (text, condition) => {
    expect(command(text)).toMatchObject({ name: "alert", condition });
  });

  it("takes the usual options after it", () => {
    expect(command('/alert AAPL volume 3x repeat 1h expires 7d note "news?" rth')).toMatchObject({
      condition: volume(3),
      repeat: { cooldownSeconds: 3600 },
      note: "news?",
      regularHoursOnly: true,
    });
  });

  it.each([
    ["/alert AAPL volume", /Volume how many times the usual\? Give a multiple like 3x/],
    ["/alert AAPL volume 1x", /more than 1x: 1x is the usual volume/],
    ["/alert AAPL volume 1", /more than 1x/],
    ["/alert AAPL volume 0.5x", /more than 1x/],
    ["/alert AAPL volume 0x", /more than 1x/],
    ["/alert AAPL volume 101x", /at most 100x/],
    ["/alert AAPL volume 1e3x", /"1e3x" is not a multiple; write it like 3x/],
    ["/alert AAPL volume -3x", /"-3x" is not a multiple/],
    ["/alert AAPL volume 300%", /a multiple of the usual volume, not a percentage: write 3x/],
    ["/alert AAPL volume spike", /"spike" is not a multiple/],
    ["/alert AAPL volume 3x within 1h", /Only a percentage move takes a window/],
    ["/alert OANDA:EUR_USD volume 3x", /OANDA:EUR_USD is forex: currency pairs report no traded volume/],
  ])("%s is refused with the reason", (text, reason) => {
    expect(refusal(text)).toMatch(reason);
  });
});

describe("moving-average alerts", () => {
  it.each([
    ["/alert AAPL crosses sma 50", average("cross", "sma", 50)],
    ["/alert AAPL cross sma 50", average("cross", "sma", 50)],
    ["/alert AAPL above ema 200", average("above", "ema", 200)],
    ["/alert AAPL below sma 20", average("below", "sma", 20)],
    ["/alert AAPL > sma 20", average("above", "sma", 20)],
    ["/alert AAPL below SMA 20", average("below", "sma", 20)],
    ["/alert AAPL below sma20", average("below", "sma", 20)],
    ["/alert AAPL below sma(20)", average("below", "sma", 20)],
    ["/alert AAPL below the sma 20", average("below", "sma", 20)],
    ["/alert AAPL crosses the 50-day sma", average("cross", "sma", 50)],
    ["/alert AAPL crosses its 50 day ema", average("cross", "ema", 50)],
    ["/alert AAPL above 200 sma", average("above", "sma", 200)],
    ["/alert AAPL above sma 2", average("above", "sma", 2)],
    ["/alert BINANCE:BTCUSDT crosses ema 21", average("cross", "ema", 21)],
  ])("%s", (text, condition) => {
    expect(command(text)).toMatchObject({ name: "alert", condition });
  });

  it("takes the usual options after it, and a price after above is still a price", () => {
    expect(command("/alert AAPL crosses sma 50 repeat 1d")).toMatchObject({
      condition: average("cross", "sma", 50),
      repeat: { cooldownSeconds: 86_400 },
    });
    expect(command("/alert AAPL above 200")).toMatchObject({
      condition: { kind: "price", direction: "above", target: 200 },
    });
    expect(command("/alert AAPL above 200 210")).toMatchObject({ name: "alert-levels" });
  });

  it.each([
    ["/alert AAPL above sma", /Which moving average\? Give its sessions, like sma 50 \(2 to 200\)/],
    ["/alert AAPL above sma 1", /A moving average spans at least 2 sessions; 1 is too few/],
    ["/alert AAPL above sma 500", /A moving average spans at most 200 sessions; 500 is too many/],
    ["/alert AAPL above ema 0", /at least 2 sessions/],
    ["/alert AAPL above sma 20.5", /whole number of sessions/],
    ["/alert AAPL above sma abc", /"abc" is not a number of sessions/],
    ["/alert AAPL above ma 50", /A simple \(sma\) or an exponential \(ema\) moving average\?/],
    ["/alert AAPL crosses moving average 50", /A simple \(sma\) or an exponential \(ema\)/],
    ["/alert AAPL sma 50", /Above, below or across its 50-day SMA\? Say which way/],
    ["/alert AAPL ema", /Above, below or across its EMA\? Say which way/],
    ["/alert AAPL crosses sma 50 within 1h", /Only a percentage move takes a window/],
  ])("%s is refused with the reason", (text, reason) => {
    expect(refusal(text)).toMatch(reason);
  });
});

describe("RSI alerts", () => {
  it.each([
    ["/alert AAPL rsi below 30", rsi("below", 30)],
    ["/alert AAPL rsi above 70", rsi("above", 70)],
    ["/alert AAPL RSI < 30", rsi("below", 30)],
    ["/alert AAPL rsi 1h below 30", rsi("below", 30, 14, "1h")],
    ["/alert AAPL rsi hourly below 30", rsi("below", 30, 14, "1h")],
    ["/alert AAPL rsi daily above 70", rsi("above", 70, 14, "1d")],
    ["/alert AAPL rsi 1d above 70", rsi("above", 70, 14, "1d")],
    ["/alert AAPL rsi 7 below 25", rsi("below", 25, 7)],
    ["/alert AAPL rsi 7 1h above 80", rsi("above", 80, 7, "1h")],
    ["/alert AAPL rsi 1h 7 above 80", rsi("above", 80, 7, "1h")],
    ["/alert AAPL rsi7 above 80", rsi("above", 80, 7)],
    ["/alert AAPL rsi(7) above 80", rsi("above", 80, 7)],
    ["/alert AAPL rsi below 30 1h", rsi("below", 30, 14, "1h")],
    ["/alert AAPL rsi falls below 30", rsi("below", 30)],
    ["/alert AAPL rsi rises above 70.5", rsi("above", 70.5)],
    ["/alert AAPL rsi 2 below 10", rsi("below", 10, 2)],
    ["/alert AAPL rsi 50 above 99.9", rsi("above", 99.9, 50)],
    ["/alert BINANCE:BTCUSDT rsi 1h above 70", rsi("above", 70, 14, "1h")],
  ])("%s", (text, condition) => {
    expect(command(text)).toMatchObject({ name: "alert", condition });
  });

  it("takes the usual options after it", () => {
    expect(command("/alert AAPL rsi 1h below 30 repeat 4h expires 30d urgent")).toMatchObject({
      condition: rsi("below", 30, 14, "1h"),
      repeat: { cooldownSeconds: 14_400 },
      urgent: true,
    });
  });

  it.each([
    ["/alert AAPL rsi", /RSI above or below what level\? Say which way, like rsi below 30/],
    ["/alert AAPL rsi 30", /RSI above or below what level\?/],
    ["/alert AAPL rsi below", /Below what RSI level\? Give a number between 0 and 100, like 30/],
    ["/alert AAPL rsi below 0", /An RSI level is between 0 and 100, not 0 or 100 themselves/],
    ["/alert AAPL rsi above 100", /between 0 and 100, not 0 or 100 themselves/],
    ["/alert AAPL rsi above 150", /between 0 and 100/],
    ["/alert AAPL rsi below -5", /between 0 and 100/],
    ["/alert AAPL rsi below 30%", /An RSI level is a plain number between 0 and 100: write 30, not 30%/],
    ["/alert AAPL rsi below abc", /"abc" is not an RSI level/],
    ["/alert AAPL rsi 1 below 30", /An RSI spans at least 2 bars; 1 is too few/],
    ["/alert AAPL rsi 500 below 30", /An RSI spans at most 50 bars; 500 is too many/],
    ["/alert AAPL rsi 7.5 below 30", /whole number of bars/],
    ["/alert AAPL rsi 4h below 30", /An RSI reads daily \(1d\) or hourly \(1h\) bars, not 4h/],
    ["/alert AAPL rsi weekly below 30", /daily \(1d\) or hourly \(1h\) bars, not weekly/],
    ["/alert AAPL rsi 1h 1d below 30", /One interval: daily \(1d\) or hourly \(1h\)/],
    ["/alert AAPL rsi 7 14 below 30", /One period/],
    ["/alert AAPL rsi crosses 50", /An RSI alert fires above or below a level, not on a cross/],
    ["/alert AAPL rsi below 30 within 1h", /Only a percentage move takes a window/],
  ])("%s is refused with the reason", (text, reason) => {
    expect(refusal(text)).toMatch(reason);
  });
});

describe("edits to volume and indicator alerts", () => {
  it.each([
    ["/edit 2 volume 4x", { kind: "condition", condition: volume(4) }],
    ["/edit 2 rsi below 25", { kind: "condition", condition: rsi("below", 25) }],
    ["/edit 2 rsi 7 1h above 80", { kind: "condition", condition: rsi("above", 80, 7, "1h") }],
    ["/edit 2 crosses ema 200", { kind: "condition", condition: average("cross", "ema", 200) }],
    ["/edit 2 above 50-day sma", { kind: "condition", condition: average("above", "sma", 50) }],
    // A bare multiple keeps a volume alert and changes its multiple.
    ["/edit 2 4x", { kind: "multiple", value: 4 }],
    ["/edit 2 2.5×", { kind: "multiple", value: 2.5 }],
  ])("%s", (text, level) => {
    expect(command(text)).toMatchObject({ name: "edit", level });
  });

  it.each([
    ["/edit 2 volume 1x", /more than 1x/, "/edit 2 volume 3x"],
    ["/edit 2 rsi below 100", /between 0 and 100/, "/edit 2 rsi below 30"],
    ["/edit 2 above sma 500", /at most 200 sessions/, "/edit 2 above sma 50"],
    ["/edit 2 0.5x", /more than 1x/, "/edit 2 3x"],
    ["/edit 2 500x", /at most 100x/, "/edit 2 3x"],
  ])("%s is refused with an edit as its example", (text, reason, example) => {
    expect(refusal(text)).toMatch(reason);
    expect(parse(text)).toMatchObject({ ok: false, error: { example } });
  });
});

describe("import reads what export writes", () => {
  it.each([
    volume(3),
    volume(2.5),
    average("cross", "sma", 50),
    average("above", "ema", 200),
    average("below", "sma", 20),
    rsi("below", 30),
    rsi("above", 70),
    rsi("below", 30, 14, "1h"),
    rsi("below", 25, 7),
    rsi("above", 80, 7, "1h"),
  ])("%j", (condition) => {
    const words = conditionWords(condition);
    expect(command(`/alert AAPL ${words}`)).toMatchObject({ name: "alert", condition });
  });
});
