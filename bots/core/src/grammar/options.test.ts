import { describe, expect, it } from "vitest";
import { type AlertOptionsInput, alertCommandFromOptions, commandFromArguments } from "./options.ts";
import { parseCommand } from "./parse.ts";

const now = new Date("2026-11-24T15:00:00Z");
const build = (input: AlertOptionsInput) => alertCommandFromOptions(input, { now });

describe("alertCommandFromOptions", () => {
  it("builds the same command as the typed grammar for every kind and option", () => {
    const cases: Array<[AlertOptionsInput, string]> = [
      [
        { kind: "price", symbol: "$aapl", direction: "above", value: "$1,250.50" },
        "/alert AAPL above 1250.50",
      ],
      [{ kind: "price", symbol: "TSLA", direction: "cross", value: "150" }, "/alert TSLA cross 150"],
      [
        { kind: "percent", symbol: "TSLA", direction: "down", value: "3", basis: "close" },
        "/alert TSLA down 3% from close",
      ],
      [{ kind: "percent", symbol: "TSLA", direction: "move", value: "4%" }, "/alert TSLA moves 4%"],
      [{ kind: "trailing", symbol: "NVDA", direction: "down", value: "8%" }, "/alert NVDA trail 8%"],
      [
        { kind: "trailing", symbol: "NVDA", direction: "up", value: "5", unit: "amount" },
        "/alert NVDA trail up $5",
      ],
      [
        {
          kind: "price",
          symbol: "MSFT",
          direction: "cross",
          value: "400",
          repeat: "30m",
          expires: "7d",
          note: "earnings week",
          regularHoursOnly: true,
        },
        '/alert MSFT cross 400 repeat 30m expires 7d note "earnings week" rth',
      ],
      [
        {
          kind: "price",
          symbol: "AAPL",
          direction: "below",
          value: "180",
          expires: "2026-12-31",
          repeat: "2 hours",
        },
        "/alert AAPL below 180 expires 2026-12-31 repeat 2h",
      ],
      [{ kind: "window", symbol: "AAPL", value: "3", window: "1h" }, "/alert AAPL moves 3% within 1h"],
      [
        { kind: "window", symbol: "AAPL", direction: "either", value: "3%", window: "24h" },
        "/alert AAPL moves 3% within 1d",
      ],
      [
        {
          kind: "window",
          symbol: "AMD",
          direction: "down",
          value: "2.5",
          window: "15m",
          repeat: "1h",
          note: "dip",
        },
        '/alert AMD down 2.5% within 15m repeat 1h note "dip"',
      ],
      [
        {
          kind: "window",
          symbol: "AMD",
          direction: "up",
          value: "+4",
          window: "90 minutes",
          regularHoursOnly: true,
        },
        "/alert AMD up 4% within 90m rth",
      ],
    ];
    for (const [input, text] of cases) {
      const typed = parseCommand(text, { now });
      expect(typed.ok).toBe(true);
      expect(build(input)).toEqual(typed);
    }
  });

  // The same mistake through options and typed: the same message.
  it.each<[AlertOptionsInput, string]>([
    [{ kind: "price", symbol: "AAPL", direction: "above", value: "-5" }, "/alert AAPL above -5"],
    [{ kind: "price", symbol: "AAPL", direction: "above", value: "0" }, "/alert AAPL above 0"],
    [{ kind: "price", symbol: "AAPL", direction: "above", value: "99999999" }, "/alert AAPL above 99999999"],
    [{ kind: "price", symbol: "AAPL", direction: "above", value: "1e5" }, "/alert AAPL above 1e5"],
    [{ kind: "price", symbol: "AAPL", direction: "above" }, "/alert AAPL above"],
    [{ kind: "price", symbol: "AAPL", value: "200" }, "/alert AAPL 200"],
    [{ kind: "price", symbol: "AAPL" }, "/alert AAPL"],
    [{ kind: "price", symbol: "AAPL", value: "-200" }, "/alert AAPL -200"],
    [{ kind: "price" }, "/alert"],
    [{ kind: "price", symbol: "200", direction: "above", value: "1" }, "/alert 200 above 1"],
    [{ kind: "price", symbol: "🚀", direction: "above", value: "1" }, "/alert 🚀 above 1"],
    [
      { kind: "price", symbol: "A".repeat(30), direction: "above", value: "1" },
      `/alert ${"A".repeat(30)} above 1`,
    ],
    [{ kind: "percent", symbol: "AAPL", direction: "up", value: "+0%" }, "/alert AAPL up +0%"],
    [{ kind: "percent", symbol: "AAPL", direction: "up", value: "5000%" }, "/alert AAPL up 5000%"],
    [{ kind: "percent", symbol: "AAPL", direction: "down", value: "100" }, "/alert AAPL down 100%"],
    [{ kind: "percent", symbol: "AAPL", direction: "up", value: "five%" }, "/alert AAPL up five%"],
    [{ kind: "percent", symbol: "AAPL", direction: "up" }, "/alert AAPL up"],
    [
      { kind: "percent", symbol: "AAPL", direction: "up", value: "5%", basis: "open" },
      "/alert AAPL up 5% from open",
    ],
    [
      { kind: "window", symbol: "AAPL", direction: "up", value: "3", window: "4m" },
      "/alert AAPL up 3% within 4m",
    ],
    [
      { kind: "window", symbol: "AAPL", direction: "up", value: "3", window: "2d" },
      "/alert AAPL up 3% within 2d",
    ],
    [
      { kind: "window", symbol: "AAPL", direction: "up", value: "3", window: "soon" },
      "/alert AAPL up 3% within soon",
    ],
    [
      { kind: "window", symbol: "AAPL", direction: "down", value: "100", window: "1h" },
      "/alert AAPL down 100% within 1h",
    ],
    [
      { kind: "window", symbol: "AAPL", direction: "up", value: "5000", window: "1h" },
      "/alert AAPL up 5000% within 1h",
    ],
    [
      { kind: "window", symbol: "AAPL", direction: "up", value: "-3", window: "1h" },
      "/alert AAPL up -3% within 1h",
    ],
    [{ kind: "trailing", symbol: "NVDA", direction: "down" }, "/alert NVDA trail"],
    [{ kind: "trailing", symbol: "NVDA", direction: "down", value: "5" }, "/alert NVDA trail 5"],
    [{ kind: "trailing", symbol: "NVDA", direction: "down", value: "150%" }, "/alert NVDA trail 150%"],
    [{ kind: "trailing", symbol: "NVDA", direction: "down", value: "$-5" }, "/alert NVDA trail $-5"],
    [
      { kind: "price", symbol: "AAPL", direction: "above", value: "200", repeat: "10s" },
      "/alert AAPL above 200 repeat 10s",
    ],
    [
      { kind: "price", symbol: "AAPL", direction: "above", value: "200", repeat: "90d" },
      "/alert AAPL above 200 repeat 90d",
    ],
    [
      { kind: "price", symbol: "AAPL", direction: "above", value: "200", expires: "soon" },
      "/alert AAPL above 200 expires soon",
    ],
    [
      { kind: "price", symbol: "AAPL", direction: "above", value: "200", expires: "2020-01-01" },
      "/alert AAPL above 200 expires 2020-01-01",
    ],
    [
      { kind: "price", symbol: "AAPL", direction: "above", value: "200", expires: "2026-02-30" },
      "/alert AAPL above 200 expires 2026-02-30",
    ],
    [
      { kind: "price", symbol: "AAPL", direction: "above", value: "200", expires: "900d" },
      "/alert AAPL above 200 expires 900d",
    ],
    [
      { kind: "price", symbol: "AAPL", direction: "above", value: "200", note: "x".repeat(201) },
      `/alert AAPL above 200 note "${"x".repeat(201)}"`,
    ],
    [
      { kind: "price", symbol: "AAPL", direction: "above", value: "200", note: "bell\u0007" },
      '/alert AAPL above 200 note "bell\u0007"',
    ],
    [
      { kind: "price", symbol: "AAPL", direction: "above", value: "200", note: "  " },
      "/alert AAPL above 200 note",
    ],
  ])("%j gets the typed grammar's message", (input, text) => {
    const typed = parseCommand(text, { now });
    const built = build(input);
    expect(typed.ok).toBe(false);
    expect(built.ok).toBe(false);
    if (typed.ok || built.ok) return;
    expect(built.error.message).toBe(typed.error.message);
  });

  it("refuses what only structured options can get wrong, with an example that parses", () => {
    const wrongDirection = build({ kind: "percent", symbol: "AAPL", direction: "above", value: "5" });
    expect(wrongDirection).toMatchObject({
      ok: false,
      error: { message: /For a percent alert use up, down, move/ },
    });
    const badUnit = build({
      kind: "trailing",
      symbol: "AAPL",
      direction: "down",
      value: "5",
      unit: "shares",
    });
    expect(badUnit).toMatchObject({ ok: false, error: { message: /Pick percent or amount/ } });
    const badRepeat = build({
      kind: "price",
      symbol: "AAPL",
      direction: "above",
      value: "200",
      repeat: "5 fortnights",
    });
    expect(badRepeat).toMatchObject({ ok: false, error: { message: /"5 fortnights" is not a duration/ } });
    const tooLong = build({
      kind: "price",
      symbol: "AAPL",
      direction: "above",
      value: "200",
      note: "x ".repeat(300),
    });
    expect(tooLong).toMatchObject({ ok: false, error: { message: /too long/ } });
    for (const result of [wrongDirection, badUnit, badRepeat]) {
      if (result.ok) throw new Error("expected a refusal");
      expect(parseCommand(result.error.example.split("  or  ")[0]!, { now }).ok).toBe(true);
    }
  });

  it("refuses a window alert without its percentage or its window, or with a basis, with an example that parses", () => {
    const cases: Array<[AlertOptionsInput, RegExp]> = [
      [{ kind: "window", symbol: "AAPL", window: "1h" }, /By how much within the window\?/],
      [{ kind: "window", symbol: "AAPL", value: "3" }, /Within how long\? Give a window from 5m to 1d/],
      [
        { kind: "window", symbol: "AAPL", value: "3", window: "1h", direction: "sideways" },
        /up, down or either/,
      ],
      [{ kind: "window", symbol: "AAPL", value: "3", window: "1h", basis: "close" }, /window's own low/],
      [{ kind: "window", symbol: "AAPL", value: "three", window: "1h" }, /"three" is not a percentage/],
    ];
    for (const [input, message] of cases) {
      const result = build(input);
      expect(result, JSON.stringify(input)).toMatchObject({ ok: false, error: { message } });
      if (!result.ok) expect(parseCommand(result.error.example, { now }).ok, result.error.example).toBe(true);
    }
  });

  it("builds volume, moving-average and RSI alerts as the typed grammar does", () => {
    const cases: Array<[AlertOptionsInput, string]> = [
      [{ kind: "volume", symbol: "aapl", multiple: "3" }, "/alert AAPL volume 3x"],
      [
        { kind: "volume", symbol: "AAPL", multiple: "2.5x", repeat: "1h" },
        "/alert AAPL volume 2.5x repeat 1h",
      ],
      [
        { kind: "average", symbol: "AAPL", average: "sma", period: "50", direction: "crosses" },
        "/alert AAPL crosses sma 50",
      ],
      [
        { kind: "average", symbol: "AAPL", average: "ema", period: "200", direction: "above" },
        "/alert AAPL above ema 200",
      ],
      [
        { kind: "rsi", symbol: "AAPL", direction: "below", level: "30", interval: "daily" },
        "/alert AAPL rsi below 30",
      ],
      [
        { kind: "rsi", symbol: "AAPL", direction: "above", level: "80", interval: "hourly", period: "7" },
        "/alert AAPL rsi 7 1h above 80",
      ],
    ];
    for (const [input, typed] of cases) {
      const built = build(input);
      const parsed = parseCommand(typed, { now });
      expect(built, typed).toEqual(parsed);
    }
  });

  it("refuses volume, moving-average and RSI options out of range with the typed grammar's reason", () => {
    const cases: Array<[AlertOptionsInput, RegExp]> = [
      [{ kind: "volume", symbol: "AAPL" }, /Volume how many times the usual\?/],
      [{ kind: "volume", symbol: "AAPL", multiple: "1" }, /more than 1x/],
      [{ kind: "volume", symbol: "AAPL", multiple: "0.5" }, /more than 1x/],
      [
        { kind: "volume", symbol: "AAPL", multiple: "3x repeat 1h" },
        /I don't understand "repeat" in the multiple/,
      ],
      [{ kind: "volume", symbol: "OANDA:EUR_USD", multiple: "3" }, /currency pairs report no traded volume/],
      [
        { kind: "average", symbol: "AAPL", average: "sma", period: "1", direction: "above" },
        /at least 2 sessions/,
      ],
      [{ kind: "average", symbol: "AAPL", average: "sma", period: "500", direction: "above" }, /at most 200/],
      [
        { kind: "average", symbol: "AAPL", average: "wma", period: "50", direction: "above" },
        /sma or ema, not "wma"/,
      ],
      [{ kind: "average", symbol: "AAPL", average: "sma", direction: "above" }, /Which moving average\?/],
      [
        { kind: "average", symbol: "AAPL", average: "sma", period: "50" },
        /Above, below or across its 50-day SMA\?/,
      ],
      [
        { kind: "rsi", symbol: "AAPL", direction: "below", level: "0", interval: "daily" },
        /between 0 and 100/,
      ],
      [
        { kind: "rsi", symbol: "AAPL", direction: "above", level: "100", interval: "daily" },
        /between 0 and 100/,
      ],
      [{ kind: "rsi", symbol: "AAPL", direction: "below", interval: "daily" }, /Below what RSI level\?/],
      [
        { kind: "rsi", symbol: "AAPL", direction: "below", level: "30", interval: "daily", period: "1" },
        /at least 2 bars/,
      ],
      [
        { kind: "rsi", symbol: "AAPL", direction: "crosses", level: "30", interval: "daily" },
        /above or below a level, not on a cross/,
      ],
      [
        { kind: "rsi", symbol: "AAPL", direction: "below", level: "30", interval: "weekly" },
        /daily \(1d\) or hourly \(1h\) bars, not weekly/,
      ],
    ];
    for (const [input, message] of cases) {
      const result = build(input);
      expect(result, JSON.stringify(input)).toMatchObject({ ok: false, error: { message } });
      if (!result.ok) expect(parseCommand(result.error.example, { now }).ok, result.error.example).toBe(true);
    }
  });

  it("reads a blank repeat as the default cooldown and a blank expiry as a question, like the typed words alone", () => {
    expect(build({ kind: "price", symbol: "AAPL", direction: "above", value: "200", repeat: " " })).toEqual(
      parseCommand("/alert AAPL above 200 repeat", { now }),
    );
    const blankExpiry = build({
      kind: "price",
      symbol: "AAPL",
      direction: "above",
      value: "200",
      expires: "",
    });
    const typed = parseCommand("/alert AAPL above 200 expires", { now });
    expect(blankExpiry.ok || typed.ok).toBe(false);
    if (!blankExpiry.ok && !typed.ok) expect(blankExpiry.error.message).toBe(typed.error.message);
  });

  it("refuses expiries and cooldowns at any extreme with the typed grammar's message, never an invalid date", () => {
    const extremes: Array<[keyof AlertOptionsInput, string, RegExp]> = [
      ["expires", "9999999999d", /far too long/],
      ["expires", `1${"0".repeat(400)}d`, /far too long/],
      ["expires", "0099-01-01", /in the past/],
      ["expires", "9999-12-31", /at most 366 days/],
      ["repeat", "9999999999w", /far too long/],
      ["repeat", "0m", /longer than 0/],
    ];
    for (const [option, value, reason] of extremes) {
      const result = build({
        kind: "price",
        symbol: "AAPL",
        direction: "above",
        value: "200",
        [option]: value,
      });
      const typed = parseCommand(`/alert AAPL above 200 ${option} ${value}`, { now });
      expect(result.ok, `${option} ${value}`).toBe(false);
      if (result.ok || typed.ok) continue;
      expect(result.error.message).toMatch(reason);
      expect(result.error.message).toBe(typed.error.message);
    }
  });

  it("refuses a percentage whose sign says the other way, with the typed grammar's message; an agreeing sign is fine", () => {
    const cases: Array<[string, string, RegExp | null]> = [
      ["up", "-5", /"-5%" does not go up/],
      ["up", "-5%", /"-5%" does not go up/],
      ["down", "+3", /"\+3%" does not go down/],
      ["move", "-2", /either way/],
      ["up", "+5", null],
      ["down", "-3%", null],
    ];
    for (const [condition, value, reason] of cases) {
      const result = build({ kind: "percent", symbol: "AAPL", direction: condition, value });
      const typed = parseCommand(`/alert AAPL ${condition} ${value.endsWith("%") ? value : `${value}%`}`, {
        now,
      });
      expect(result, `${condition} ${value}`).toEqual(typed);
      if (reason === null) expect(result.ok, `${condition} ${value}`).toBe(true);
      else if (!result.ok) expect(result.error.message).toMatch(reason);
      else throw new Error(`${condition} ${value} was accepted`);
    }
  });

  it("reads several levels in one value as the typed grammar does: one alert each, same options", () => {
    const many = build({
      kind: "price",
      symbol: "AAPL",
      direction: "above",
      value: "200 210, $1,220.50 210",
      repeat: "1h",
    });
    expect(many).toEqual(parseCommand("/alert AAPL above 200 210, $1,220.50 210 repeat 1h", { now }));
    expect(many).toMatchObject({
      ok: true,
      command: {
        name: "alert-levels",
        alerts: [
          { condition: { target: 200 } },
          { condition: { target: 210 } },
          { condition: { target: 1220.5 } },
        ],
      },
    });
    const tooMany = build({
      kind: "price",
      symbol: "AAPL",
      direction: "above",
      value: "1 2 3 4 5 6 7 8 9 10 11",
    });
    expect(tooMany).toMatchObject({
      ok: false,
      error: { message: "At most 10 levels in one alert command." },
    });
    expect(build({ kind: "price", symbol: "AAPL", direction: "above", value: "200 soon" }).ok).toBe(false);
  });

  it("keeps quotes in a note literally, as the option carries them", () => {
    expect(
      build({ kind: "price", symbol: "AAPL", direction: "above", value: "200", note: 'say "hi"' }),
    ).toMatchObject({
      ok: true,
      command: { note: 'say "hi"' },
    });
  });
});

describe("commandFromArguments", () => {
  it("reads arguments with the typed grammar after a fixed command word", () => {
    expect(commandFromArguments("delete", "2", { now })).toEqual({
      ok: true,
      command: { name: "delete", ref: { by: "position", position: 2 } },
    });
    expect(commandFromArguments("watch", "aapl, msft", { now })).toEqual({
      ok: true,
      command: { name: "watch", symbols: ["AAPL", "MSFT"] },
    });
    expect(commandFromArguments("pause", undefined, { now })).toMatchObject({
      ok: false,
      error: { message: /Which alert/ },
    });
    // Whatever the value holds, it stays an argument of the fixed command.
    expect(commandFromArguments("price", "/link ABCDEFGH", { now })).toMatchObject({ ok: false });
  });
});
