import type { OptionValues } from "@tickerbell/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newUser, type Stack, startStack } from "./harness.ts";

// The hostile-input table of bots/core/src/grammar/parse.test.ts, row by row, as a Discord user would send it
// through slash-command options. `validate: false` marks what Discord's own client would refuse to send (a value
// outside the choices, a missing required option, an unknown command or option): the bot must still answer it.

interface Row {
  typed: string;
  path: string;
  options: OptionValues;
  validate?: false;
  expected: RegExp;
}

const row = (
  typed: string,
  path: string,
  options: OptionValues,
  expected: RegExp,
  validate?: false,
): Row => ({
  typed,
  path,
  options,
  expected,
  ...(validate === false ? { validate } : {}),
});
const price = (value: string, extra: OptionValues = {}) => ({
  ticker: "AAPL",
  condition: "above",
  value,
  ...extra,
});

const table: Row[] = [
  row("/frobnicate", "frobnicate", {}, /don't know the command "\/frobnicate"/, false),
  row("/alert", "alert price", {}, /Which ticker and what condition/, false),
  row("/alert AAPL", "alert price", { ticker: "AAPL" }, /What should I watch AAPL for/, false),
  row("/alert AAPL 200", "alert price", { ticker: "AAPL", value: "200" }, /Above or below 200\?/, false),
  row("/alert AAPL above", "alert price", { ticker: "AAPL", condition: "above" }, /Above what price/, false),
  row("/alert AAPL above -5", "alert price", price("-5"), /can't be negative/),
  row("/alert AAPL above 0", "alert price", price("0"), /greater than 0/),
  row("/alert AAPL above 99999999", "alert price", price("99999999"), /above the highest price/),
  row("/alert AAPL above abc", "alert price", price("abc"), /"abc" is not a price/),
  row("/alert AAPL above 1e5", "alert price", price("1e5"), /"1e5" is not a price/),
  row("/alert AAPL above NaN", "alert price", price("NaN"), /"NaN" is not a price/),
  row("/alert AAPL above Infinity", "alert price", price("Infinity"), /"Infinity" is not a price/),
  row("/alert AAPL above 0x10", "alert price", price("0x10"), /"0x10" is not a price/),
  row("/alert AAPL above 1.2.3", "alert price", price("1.2.3"), /"1.2.3" is not a price/),
  row("/alert AAPL -200", "alert price", { ticker: "AAPL", value: "-200" }, /can't be negative/, false),
  row(
    "/alert 200 AAPL above",
    "alert price",
    { ...price("5"), ticker: "200" },
    /looks like a number, not a ticker/,
  ),
  row("/alert 🚀 above 200", "alert price", { ...price("200"), ticker: "🚀" }, /is not a ticker/),
  row(
    "/alert AAPL;DROP above 200",
    "alert price",
    { ...price("200"), ticker: "AAPL;DROP" },
    /is not a ticker/,
  ),
  row(
    "/alert ' OR 1=1 -- above 5",
    "alert price",
    { ...price("5"), ticker: "' OR 1=1 --" },
    /is not a ticker/,
  ),
  row(
    "/alert <script>alert(1)</script> above 5",
    "alert price",
    { ...price("5"), ticker: "<script>alert(1)</script>" },
    /is not a ticker/,
  ),
  row(
    `/alert ${"A".repeat(30)} above 5`,
    "alert price",
    { ...price("5"), ticker: "A".repeat(30) },
    /too long for a ticker/,
  ),
  row(
    "/alert AAPL sideways 200",
    "alert price",
    price("200", { condition: "sideways" }),
    /don't understand the condition "sideways"/,
    false,
  ),
  row(
    "/alert AAPL +0%",
    "alert percent",
    { ticker: "AAPL", condition: "up", value: "+0%" },
    /greater than 0/,
  ),
  row(
    "/alert AAPL +5000%",
    "alert percent",
    { ticker: "AAPL", condition: "up", value: "5000%" },
    /more than the 1000%/,
  ),
  row(
    "/alert AAPL down 100%",
    "alert percent",
    { ticker: "AAPL", condition: "down", value: "100%" },
    /can't fall 100% or more/,
  ),
  row(
    "/alert AAPL -150%",
    "alert percent",
    { ticker: "AAPL", condition: "down", value: "150" },
    /can't fall 100% or more/,
  ),
  row(
    "/alert AAPL up five%",
    "alert percent",
    { ticker: "AAPL", condition: "up", value: "five%" },
    /is not a percentage/,
  ),
  row("/alert AAPL up", "alert percent", { ticker: "AAPL", condition: "up" }, /Up by how much/, false),
  // On Discord "5" in a percent alert's value is 5%; the mistake it stands for is a value in other units.
  row(
    "/alert AAPL up 5",
    "alert percent",
    { ticker: "AAPL", condition: "up", value: "5 dollars" },
    /"5 dollars" is not a percentage/,
  ),
  row(
    "/alert AAPL up 5% from open",
    "alert percent",
    { ticker: "AAPL", condition: "up", value: "5%", basis: "open" },
    /last price or from the previous close/,
    false,
  ),
  row(
    "/alert AAPL up 5% from yesterday's high",
    "alert percent",
    { ticker: "AAPL", condition: "up", value: "5%", basis: "yesterday's high" },
    /From what\?/,
    false,
  ),
  row(
    "/alert NVDA trail",
    "alert trailing",
    { ticker: "NVDA", condition: "down" },
    /Trail by how much/,
    false,
  ),
  row(
    "/alert NVDA trail 5",
    "alert trailing",
    { ticker: "NVDA", condition: "down", value: "5" },
    /Trail by "5" what\?/,
  ),
  row(
    "/alert NVDA trail 150%",
    "alert trailing",
    { ticker: "NVDA", condition: "down", value: "150%" },
    /below 100%/,
  ),
  row(
    "/alert NVDA trail $-5",
    "alert trailing",
    { ticker: "NVDA", condition: "down", value: "$-5" },
    /not a price/,
  ),
  row(
    "/alert AAPL above 200 repeat 10s",
    "alert price",
    price("200", { repeat: "10s" }),
    /at least 1 minute/,
  ),
  row("/alert AAPL above 200 repeat 90d", "alert price", price("200", { repeat: "90d" }), /at most 30 days/),
  row(
    "/alert AAPL above 200 repeat 5 fortnights",
    "alert price",
    price("200", { repeat: "5 fortnights" }),
    /not a duration/,
  ),
  row("/alert AAPL above 200 expires", "alert price", price("200", { expires: "" }), /Expires when/, false),
  row(
    "/alert AAPL above 200 expires soon",
    "alert price",
    price("200", { expires: "soon" }),
    /"soon" is not a duration or date/,
  ),
  row(
    "/alert AAPL above 200 expires 2020-01-01",
    "alert price",
    price("200", { expires: "2020-01-01" }),
    /in the past/,
  ),
  row(
    "/alert AAPL above 200 expires 2026-02-30",
    "alert price",
    price("200", { expires: "2026-02-30" }),
    /not a real date/,
  ),
  row(
    "/alert AAPL above 200 expires 900d",
    "alert price",
    price("200", { expires: "900d" }),
    /at most 366 days/,
  ),
  row("/alert AAPL above 200 note", "alert price", price("200", { note: "" }), /note is empty/, false),
  row(
    `/alert AAPL above 200 note "${"x".repeat(201)}"`,
    "alert price",
    price("200", { note: "x".repeat(201) }),
    /keep it to 200/,
  ),
  row(
    '/alert AAPL above 200 note "bell\u0007"',
    "alert price",
    price("200", { note: "bell\u0007" }),
    /U\+0007 \(BELL\)/,
  ),
  row(
    "/alert AAPL above 200 please",
    "alert price",
    price("200", { please: "yes" }),
    /don't understand "please"/,
    false,
  ),
  row(
    "/alert AAPL above 200; rm -rf /",
    "alert price",
    price("200; rm -rf /"),
    /"200; rm -rf \/" is not a price/,
  ),
  row(`/alert ${"x ".repeat(400)}`, "alert price", { ...price("200"), ticker: "x ".repeat(400) }, /too long/),
  row("/delete", "alert remove", {}, /Which alert\?/, false),
  row("/delete 0", "alert remove", { alert: "0" }, /no alert number 0/),
  row("/delete 1 2", "alert remove", { alert: "1 2" }, /One alert at a time/),
  row("/pause #x!", "alert pause", { alert: "#x!" }, /not an alert number or id/),
  row("/delete AAPL MSFT", "alert remove", { alert: "AAPL MSFT" }, /One ticker, or all/),
  row("/edit", "alert edit", {}, /Which alert, and what should change/, false),
  row("/edit 2", "alert edit", { alert: "2" }, /What should change\?/),
  row("/edit 0 above 210", "alert edit", { alert: "0", level: "above 210" }, /no alert number 0/),
  row("/edit 2 above", "alert edit", { alert: "2", level: "above" }, /Above what price/),
  row("/edit 2 above 210 220", "alert edit", { alert: "2", level: "above 210 220" }, /One level per edit/),
  row(
    "/edit 2 sideways",
    "alert edit",
    { alert: "2", level: "sideways" },
    /don't understand the condition "sideways"/,
  ),
  row(
    "/edit 2 210 repeat 10s",
    "alert edit",
    { alert: "2", level: "210", repeat: "10s" },
    /at least 1 minute/,
  ),
  row(
    "/edit 2 expires soon",
    "alert edit",
    { alert: "2", expires: "soon" },
    /"soon" is not a duration or date/,
  ),
  row("/watch", "watchlist add", {}, /Which ticker/, false),
  row(
    `/watch ${Array.from({ length: 21 }, (_, i) => `T${i}`).join(" ")}`,
    "watchlist add",
    { tickers: Array.from({ length: 21 }, (_, i) => `T${i}`).join(" ") },
    /At most 20 tickers/,
  ),
  row("/price 123", "price", { ticker: "123" }, /looks like a number/),
  row("/link 123", "link", { code: "123" }, /8 letters and digits/),
  row("/alerts ???", "alert list", { ticker: "???" }, /is not a ticker/),
];

/**
 * Rows of the typed table that cannot arise on Discord: the bot receives no typed messages (no message-content
 * intent), a quote in an option is taken literally, and an option that is not declared cannot be given.
 */
const NOT_ON_DISCORD = [
  "",
  "   ",
  "hello",
  '/alert AAPL above 200 note "unterminated',
  // `/alert edit` has no trading-hours option.
  "/edit 2 rth",
];

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.close();
});

describe("the typed table's malformed input, through slash-command options", () => {
  it(`covers every row of the typed table (${table.length} here + ${NOT_ON_DISCORD.length} that cannot arise)`, () => {
    expect(table.length + NOT_ON_DISCORD.length).toBe(72);
    expect(new Set(table.map((r) => r.typed)).size).toBe(table.length);
  });

  it.each(table)("$typed", async ({ path, options, validate, expected }) => {
    const user = newUser();
    const sent = stack.fake.slashCommand(user, path, options, validate === false ? { validate } : {});
    const reply = await sent.reply();
    expect(reply.flags & 64).toBe(64);
    expect(reply.content).toMatch(expected);
    // Each refusal shows a working example, as a slash command.
    expect(reply.content).toMatch(/\nExample: `\/[a-z]+/);
    // Refused before any service call: answered at once (type 4), and nothing was created.
    expect((await sent.acknowledged()).type).toBe(4);
    expect(await stack.alerts.listAlerts(user.id).catch(() => [])).toEqual([]);
  });

  it("a quote in a note is kept literally rather than refused", async () => {
    const user = newUser();
    const reply = await stack.fake
      .slashCommand(user, "alert price", price("200", { note: '"unterminated' }))
      .reply();
    expect(reply.content).toMatch(/Alert set/);
    expect((await stack.alerts.listAlerts(user.id))[0]?.note).toBe('"unterminated');
  });
});
