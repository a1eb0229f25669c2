import { describe, expect, it } from "vitest";
import type { Command } from "./commands.ts";
import { HOSTILE_INPUTS } from "./hostile-inputs.ts";
import { commandNameOf, parseCommand } from "./parse.ts";

const now = new Date("2026-11-24T15:00:00Z");
const parse = (text: string) => parseCommand(text, { now });
function command(text: string): Command {
  const result = parse(text);
  if (!result.ok) throw new Error(`expected ${JSON.stringify(text)} to parse, got: ${result.error.message}`);
  return result.command;
}

describe("the forms people type", () => {
  it.each([
    ["/alert AAPL above 200", { kind: "price", direction: "above", target: 200 }],
    ["/alert $aapl > 200.50", { kind: "price", direction: "above", target: 200.5 }],
    ["/alert aapl >200.50", { kind: "price", direction: "above", target: 200.5 }],
    ["/alert MSFT >= $1,250.75", { kind: "price", direction: "above", target: 1250.75 }],
    ["/alert TSLA below 150", { kind: "price", direction: "below", target: 150 }],
    ["/alert TSLA < 150", { kind: "price", direction: "below", target: 150 }],
    ["/alert SPY cross 600", { kind: "price", direction: "cross", target: 600 }],
    ["/alert TSLA +5%", { kind: "percent", direction: "up", percent: 5, basis: "last" }],
    ["/alert TSLA -5%", { kind: "percent", direction: "down", percent: 5, basis: "last" }],
    ["/alert TSLA 5%", { kind: "percent", direction: "move", percent: 5, basis: "last" }],
    ["/alert TSLA ±5%", { kind: "percent", direction: "move", percent: 5, basis: "last" }],
    ["/alert TSLA down 3% from close", { kind: "percent", direction: "down", percent: 3, basis: "close" }],
    [
      "/alert TSLA up 2.5% from the close",
      { kind: "percent", direction: "up", percent: 2.5, basis: "close" },
    ],
    ["/alert TSLA moves 4% today", { kind: "percent", direction: "move", percent: 4, basis: "close" }],
    ["/alert TSLA above 5%", { kind: "percent", direction: "up", percent: 5, basis: "last" }],
    ["/alert TSLA up 5 %", { kind: "percent", direction: "up", percent: 5, basis: "last" }],
    ["/alert NVDA trail 8%", { kind: "trailing", direction: "down", offset: { unit: "percent", value: 8 } }],
    [
      "/alert NVDA trailing stop 8%",
      { kind: "trailing", direction: "down", offset: { unit: "percent", value: 8 } },
    ],
    ["/alert NVDA trail up $5", { kind: "trailing", direction: "up", offset: { unit: "amount", value: 5 } }],
    [
      "/alert NVDA trail down $2.50",
      { kind: "trailing", direction: "down", offset: { unit: "amount", value: 2.5 } },
    ],
    ["/alert@TickerbellBot AAPL above 200", { kind: "price", direction: "above", target: 200 }],
    ["/ALERT ＡＡＰＬ ABOVE 200", { kind: "price", direction: "above", target: 200 }],
    ["/alert TSLA \u22125%", { kind: "percent", direction: "down", percent: 5, basis: "last" }],
    ["/alert BRK.B above 500", { kind: "price", direction: "above", target: 500 }],
    ["/alert AAPL earnings", { kind: "earnings" }],
    ['/alert $msft Earnings note "trim before"', { kind: "earnings" }],
  ])("%s", (text, condition) => {
    expect(command(text)).toMatchObject({ name: "alert", condition });
  });

  it("reads every option", () => {
    expect(command('/alert MSFT cross 400 repeat 30m expires 7d note "earnings week" rth')).toEqual({
      name: "alert",
      symbol: "MSFT",
      condition: { kind: "price", direction: "cross", target: 400 },
      repeat: { cooldownSeconds: 1800 },
      expiresAt: "2026-12-01T15:00:00.000Z",
      note: "earnings week",
      regularHoursOnly: true,
    });
  });

  it("reads options in any order, spelled out, with smart quotes and an unquoted trailing note", () => {
    expect(
      command("/alert AAPL below 180 regular hours expires 2026-12-31 repeat every 2 hours note buy more"),
    ).toMatchObject({
      repeat: { cooldownSeconds: 7200 },
      expiresAt: "2026-12-31T23:59:59.000Z",
      regularHoursOnly: true,
      note: "buy more",
    });
    expect(command("/alert AAPL above 200 note \u201cto the moon 🚀\u201d")).toMatchObject({
      note: "to the moon 🚀",
    });
    expect(command("/alert AAPL above 200 repeat")).toMatchObject({ repeat: { cooldownSeconds: 3600 } });
  });

  it.each<[string, Command]>([
    ["/start", { name: "start" }],
    ["/help", { name: "help", topic: null }],
    ["/help /alert", { name: "help", topic: "alert" }],
    ["/alerts", { name: "alerts", symbol: null }],
    ["/alerts $tsla", { name: "alerts", symbol: "TSLA" }],
    ["/delete 2", { name: "delete", ref: { by: "position", position: 2 } }],
    ["/pause #3", { name: "pause", ref: { by: "position", position: 3 } }],
    ["/resume 0f8fad5b", { name: "resume", ref: { by: "id", id: "0f8fad5b" } }],
    ["/watch AAPL msft, $NVDA", { name: "watch", symbols: ["AAPL", "MSFT", "NVDA"] }],
    ["/watch AAPL AAPL", { name: "watch", symbols: ["AAPL"] }],
    ["/unwatch TSLA", { name: "unwatch", symbols: ["TSLA"] }],
    ["/watchlist", { name: "watchlist" }],
    ["/price aapl", { name: "price", symbols: ["AAPL"] }],
    ["/link", { name: "link", code: null }],
    ["/link k7q2m9xa", { name: "link", code: "K7Q2M9XA" }],
  ])("%s", (text, expected) => {
    expect(command(text)).toEqual(expected);
  });
});

describe("malformed and hostile input gets a specific, helpful reply", () => {
  const table = HOSTILE_INPUTS;

  it(`covers at least 40 cases (${table.length})`, () => {
    expect(table.length).toBeGreaterThanOrEqual(40);
  });

  it.each(table)("%j", (text, expected) => {
    const result = parse(text);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.message).toMatch(expected);
    expect(result.error.example).toMatch(/^\//);
    // The reply must show the example as a command that itself parses (or is /help).
    const example = result.error.example.split("  or  ")[0]!;
    expect(parse(example).ok).toBe(true);
  });
});

describe("snooze, re-arm and typos", () => {
  it.each([
    ["/snooze 2", { name: "snooze", ref: { by: "position", position: 2 }, seconds: 3600 }],
    ["/snooze #3 4h", { name: "snooze", ref: { by: "position", position: 3 }, seconds: 4 * 3600 }],
    ["/mute 3f2a9c1e 30m", { name: "snooze", ref: { by: "id", id: "3f2a9c1e" }, seconds: 1800 }],
    ["/snooze 1 7d", { name: "snooze", ref: { by: "position", position: 1 }, seconds: 7 * 86_400 }],
    ["/rearm 2", { name: "rearm", ref: { by: "position", position: 2 } }],
    ["/re-arm 3F2A9C1E", { name: "rearm", ref: { by: "id", id: "3f2a9c1e" } }],
  ])("%s", (text, expected) => {
    expect(command(text)).toEqual(expected);
  });

  it.each([
    ["/snooze", /Which alert\?/],
    ["/snooze 2 8d", /at most 7 days; pause the alert instead/],
    ["/snooze 2 30s", /at least 1 minute/],
    ["/snooze 2 soon", /"soon" is not a duration/],
    ["/snooze 2 1h more", /One alert and one duration/],
    ["/rearm", /Which alert\?/],
  ])("refuses %s with a reason", (text, reason) => {
    const result = parse(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.message).toMatch(reason);
  });

  it.each([
    ["/alrt AAPL above 200", "alert", "/alert AAPL above 200"],
    ["/alret AAPL above 200", "alert", "/alert AAPL above 200"],
    ["/pasue 2", "pause", "/pause 2"],
    ["/snoze 2", "snooze", "/snooze 2"],
    ["/watchlsit", "watchlist", "/watchlist"],
    ["/hlep", "help", "/help"],
  ])("suggests the command a typo meant: %s", (text, meant, example) => {
    const result = parse(text);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.message).toContain(`Did you mean /${meant}?`);
    expect(result.error.example).toBe(example);
  });

  it("suggests nothing for a word that is no command's typo", () => {
    const result = parse("/frobnicate");
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.message).toBe('I don\'t know the command "/frobnicate".');
    expect(result.error.example).toBe("/help");
  });
});

describe("new highs and lows", () => {
  const x = (side: string, span: string) => ({ kind: "extreme", side, span });
  it.each([
    ["/alert AAPL new high", x("high", "session")],
    ["/alert AAPL new low", x("low", "session")],
    ["/alert AAPL new high today", x("high", "session")],
    ["/alert AAPL new session low", x("low", "session")],
    ["/alert AAPL new daily high", x("high", "session")],
    ["/alert AAPL NEW HIGH", x("high", "session")],
    ["/alert AAPL 52w high", x("high", "52w")],
    ["/alert AAPL 52w low", x("low", "52w")],
    ["/alert AAPL 52-week high", x("high", "52w")],
    ["/alert AAPL 52 week low", x("low", "52w")],
    ["/alert AAPL new 52-week high", x("high", "52w")],
    ["/alert AAPL new 52w lows", x("low", "52w")],
    ["/alert BINANCE:BTCUSDT new high", x("high", "session")],
  ])("%s", (text, condition) => {
    expect(command(text)).toMatchObject({ name: "alert", condition });
  });

  it("takes the usual options after it", () => {
    expect(command('/alert AAPL new high repeat 1h expires 7d note "breakout" rth')).toMatchObject({
      condition: x("high", "session"),
      repeat: { cooldownSeconds: 3600 },
      note: "breakout",
      regularHoursOnly: true,
    });
  });

  it("an edit changes an alert to another of them", () => {
    expect(command("/edit 2 52w low")).toMatchObject({
      name: "edit",
      level: { kind: "condition", condition: x("low", "52w") },
    });
  });
});

describe("moves within a window", () => {
  const w = (direction: string, percent: number, windowSeconds: number) => ({
    kind: "window",
    direction,
    percent,
    windowSeconds,
  });
  it.each([
    ["/alert AAPL moves 3% within 1h", w("move", 3, 3600)],
    ["/alert AAPL up 3% within 1h", w("up", 3, 3600)],
    ["/alert AAPL down 3% within 1h", w("down", 3, 3600)],
    ["/alert AAPL rises 2.5% within 15m", w("up", 2.5, 900)],
    ["/alert AAPL falls 4% within 30m", w("down", 4, 1800)],
    ["/alert AAPL drops 4% within 4h", w("down", 4, 14_400)],
    ["/alert AAPL +3% within 5m", w("up", 3, 300)],
    ["/alert AAPL -3% within 1d", w("down", 3, 86_400)],
    ["/alert AAPL 3% within 24h", w("move", 3, 86_400)],
    ["/alert AAPL ±3% in 90m", w("move", 3, 5400)],
    ["/alert AAPL above 3% within 2h", w("up", 3, 7200)],
    ["/alert AAPL moves 3% within 1 hour", w("move", 3, 3600)],
    ["/alert AAPL moves 3% within an hour", w("move", 3, 3600)],
    ["/alert AAPL moves 3% within the last 45 minutes", w("move", 3, 2700)],
    ["/alert AAPL moves 3% within the last hour", w("move", 3, 3600)],
    ["/alert AAPL drops 5% within a day", w("down", 5, 86_400)],
    ["/alert AAPL moves 3% WITHIN 1H", w("move", 3, 3600)],
    ["/alert AAPL up 500% within 1d", w("up", 500, 86_400)],
  ])("%s", (text, condition) => {
    expect(command(text)).toMatchObject({ name: "alert", condition });
  });

  it("takes every option after the window, as every other kind does", () => {
    expect(command('/alert AAPL up 3% within 1h repeat 1h expires 7d note "breakout" rth urgent')).toEqual({
      name: "alert",
      symbol: "AAPL",
      condition: w("up", 3, 3600),
      repeat: { cooldownSeconds: 3600 },
      expiresAt: "2026-12-01T15:00:00.000Z",
      note: "breakout",
      regularHoursOnly: true,
      urgent: true,
    });
  });

  it.each([
    ["/alert AAPL moves 3% within 4m", /at least 5 minutes \(5m\); 4m is shorter/],
    ["/alert AAPL moves 3% within 300s", null],
    ["/alert AAPL moves 3% within 2d", /at most 1 day \(1d or 24h\); 2d is longer/],
    ["/alert AAPL moves 3% within 25h", /at most 1 day/],
    ["/alert AAPL moves 3% within 90.5m", /whole number of minutes/],
    ["/alert AAPL moves 3% within", /Within how long\? Give a window from 5m to 1d/],
    ["/alert AAPL moves 3% within rth", /Within how long\?/],
    ["/alert AAPL moves 3% within soon", /"soon" is not a window; write it like 15m, 1h or 1d/],
    ["/alert AAPL moves 3% within the minute", /at least 5 minutes \(5m\); 1 minute is shorter/],
    ["/alert AAPL moves 3% within a week", /at most 1 day/],
    ["/alert AAPL within 1h", /A window needs a move first/],
    ["/alert AAPL moves within 1h", /Moves by how much within the window\?/],
    ["/alert AAPL above 200 within 1h", /Only a percentage move takes a window/],
    ["/alert AAPL trail 8% within 1h", /Only a percentage move takes a window/],
    ["/alert AAPL earnings within 1h", /Only a percentage move takes a window/],
    ["/alert AAPL up 3% from close within 1h", /measured from the window's own low/],
    ["/alert AAPL up 3% within 1h from close", /measured from the window's own low/],
    ["/alert AAPL down 100% within 1h", /can't fall 100% or more/],
    ["/alert AAPL moves 150% within 1h", /can't fall 100% or more/],
    ["/alert AAPL up 1001% within 1h", /more than the 1000%/],
    ["/alert AAPL up 0% within 1h", /greater than 0/],
  ])("%s is refused with a reason and a working example", (text, reason) => {
    const result = parse(text);
    if (reason === null) {
      // 300 seconds is 5 minutes: the shortest window.
      expect(result).toMatchObject({ ok: true, command: { condition: w("move", 3, 300) } });
      return;
    }
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.message).toMatch(reason);
    expect(parse(result.error.example).ok, result.error.example).toBe(true);
  });

  it("shows an example in the user's direction", () => {
    const result = parse("/alert AAPL down 3% within 3m");
    expect(result).toMatchObject({ ok: false, error: { example: "/alert AAPL down 3% within 1h" } });
  });
});

describe("earnings alerts", () => {
  it("take a note, an expiry and urgent, and refuse repeat and rth with the reason", () => {
    expect(command('/alert AAPL earnings expires 90d urgent note "sell half"')).toMatchObject({
      name: "alert",
      condition: { kind: "earnings" },
      note: "sell half",
      urgent: true,
      repeat: null,
    });
    for (const text of ["/alert AAPL earnings repeat 1h", "/alert AAPL earnings rth"]) {
      const result = parse(text);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.error.message).toMatch(/already comes back every quarter/);
    }
  });
});

describe("several levels in one command", () => {
  it("sets one alert per level with the same options, each level once", () => {
    const parsed = command('/alert AAPL above 200 $210 220.5 210 repeat 1h note "ladder"');
    expect(parsed.name).toBe("alert-levels");
    if (parsed.name !== "alert-levels") return;
    expect(parsed.alerts.map((a) => a.condition)).toEqual([
      { kind: "price", direction: "above", target: 200 },
      { kind: "price", direction: "above", target: 210 },
      { kind: "price", direction: "above", target: 220.5 },
    ]);
    for (const alert of parsed.alerts) {
      expect(alert).toMatchObject({ symbol: "AAPL", repeat: { cooldownSeconds: 3600 }, note: "ladder" });
    }
  });

  it("takes commas between the levels, after the first one too", () => {
    const parsed = command("/alert AAPL below 180, 170, 160");
    expect(parsed.name).toBe("alert-levels");
    if (parsed.name !== "alert-levels") return;
    expect(parsed.alerts.map((a) => a.condition.kind === "price" && a.condition.target)).toEqual([
      180, 170, 160,
    ]);
    // A lone level with a comma is still no price.
    expect(parse("/alert AAPL below 180,").ok).toBe(false);
  });

  it("keeps a single level a plain alert, and a number before a duration unit an option", () => {
    expect(command("/alert AAPL below 150").name).toBe("alert");
    const withExpiry = command("/alert AAPL below 150 expires 7 days");
    expect(withExpiry.name).toBe("alert");
  });

  it("refuses more than ten levels", () => {
    const result = parse(`/alert AAPL above ${Array.from({ length: 11 }, (_, i) => 200 + i).join(" ")}`);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.message).toMatch(/At most 10 levels/);
  });
});

describe("pointing at an alert", () => {
  it.each([
    ["/pause 3", { by: "position", position: 3 }],
    ["/pause #10000", { by: "position", position: 10_000 }],
    ["/pause 12345678", { by: "id", id: "12345678" }],
    ["/delete 0042a1b2", { by: "id", id: "0042a1b2" }],
  ])("%s", (text, ref) => {
    expect(command(text)).toMatchObject({ ref });
  });
});

describe("commandNameOf", () => {
  it("names the command a message starts with, through aliases and a bot's name, whether or not the rest parses", () => {
    expect(commandNameOf("/alert@TickerbellBot AAPL above")).toBe("alert");
    expect(commandNameOf("  /RM 2")).toBe("delete");
    expect(commandNameOf("/pause all")).toBe("pause");
    expect(commandNameOf("/prefs tz Europe/Paris")).toBe("settings");
    expect(commandNameOf("/constructor")).toBeNull();
    expect(commandNameOf("/__proto__")).toBeNull();
    expect(commandNameOf("/frobnicate")).toBeNull();
    expect(commandNameOf("alert AAPL above 200")).toBeNull();
    expect(commandNameOf("")).toBeNull();
  });
});
