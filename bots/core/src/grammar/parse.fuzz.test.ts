import { type AlertCondition, AlertConditionSchema } from "@tickerbell/contracts";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ALERT_EXAMPLES, COMMAND_HELP, type ParseResult } from "./commands.ts";
import { HOSTILE_INPUTS } from "./hostile-inputs.ts";
import { parseCommand } from "./parse.ts";

const now = new Date("2026-11-24T15:00:00Z");
const RUNS = 10_000;

/**
 * What every answer of the parser must be: a command, or a refusal with something to read and an example that
 * itself parses (a user who copies the example must not be refused again).
 */
function expectWellFormed(input: string, result: ParseResult): void {
  if (result.ok) {
    expect(typeof result.command.name).toBe("string");
    return;
  }
  const { message, example } = result.error;
  expect(message.trim().length, `empty message for ${JSON.stringify(input)}`).toBeGreaterThan(0);
  // Some refusals offer alternatives ("A  or  B"); each one must work.
  for (const alternative of example.split("  or  ")) {
    const again = parseCommand(alternative, { now });
    expect(
      again.ok,
      `example ${JSON.stringify(alternative)} for ${JSON.stringify(input)} does not parse`,
    ).toBe(true);
  }
}

/** True when the input parsed to a command. */
function parseChecked(input: string): boolean {
  let result: ParseResult;
  try {
    result = parseCommand(input, { now });
  } catch (error) {
    throw new Error(`parseCommand threw on ${JSON.stringify(input)}: ${String(error)}`);
  }
  expectWellFormed(input, result);
  return result.ok;
}

// The grammar's own vocabulary: command names and aliases, condition words, options, symbols and quotes.
const COMMANDS = [
  ...COMMAND_HELP.map((c) => `/${c.name}`),
  "/a",
  "/list",
  "/del",
  "/rm",
  "/remove",
  "/cancel",
  "/unpause",
  "/wl",
  "/p",
  "/quote",
  "/mute",
  "/re-arm",
  // Typos, answered with the command they are closest to.
  "/alrt",
  "/pasue",
  "/snoze",
  "/alert@TickerbellBot",
  "alert",
  "/",
  "/ALERT",
];
const WORDS = [
  "volume",
  "3x",
  "x",
  "×",
  "usual",
  "sma",
  "ema",
  "ma",
  "sma50",
  "50-day",
  "day",
  "its",
  "rsi",
  "rsi14",
  "hourly",
  "daily",
  "new",
  "high",
  "low",
  "52w",
  "52-week",
  "52",
  "week",
  "session",
  "today",
  "above",
  "below",
  "over",
  "under",
  "cross",
  "crosses",
  "up",
  "down",
  "move",
  "moves",
  "gains",
  "drops",
  "falls",
  "rises",
  "reaches",
  "hits",
  "trail",
  "trailing",
  "stop",
  "within",
  "an",
  "last",
  "5m",
  "15m",
  "1h",
  "24h",
  "1d",
  "2d",
  "hour",
  "minutes",
  "from",
  "the",
  "close",
  "last",
  "open",
  "today",
  "since",
  "yesterday",
  "repeat",
  "repeating",
  "every",
  "once",
  "expires",
  "expire",
  "exp",
  "in",
  "until",
  "for",
  "note",
  "memo",
  "rth",
  "regular",
  "hours",
  "market-hours",
  "percent",
  "amount",
  "id",
  "position",
  "either",
  "AAPL",
  "$aapl",
  "TSLA",
  "BRK.B",
  "NVDA",
  "🚀",
  "ABCDEFGHIJKLMNOP",
  "2026-12-01",
  "2026-02-30",
  "1999-01-01",
];
const SYMBOLS = [
  ">",
  ">=",
  "<",
  "<=",
  "=",
  "==",
  "=>",
  "=<",
  "gt",
  "lt",
  "gte",
  "lte",
  "+",
  "-",
  "±",
  "+-",
  "$",
  "%",
  '"',
  "“",
  "”",
  "'",
  "−",
  "\u00a0",
  ",",
  ".",
  "@",
];
const numberWord = fc.oneof(
  fc.integer({ min: -1_000_000_000, max: 1_000_000_000 }).map(String),
  fc.double({ noNaN: false }).map(String),
  fc
    .tuple(
      fc.constantFrom("", "+", "-", "$", "±"),
      fc.nat(100_000),
      fc.constantFrom("", "%", "h", "m", "d", "w", "s", "y"),
    )
    .map(([sign, n, unit]) => `${sign}${n}${unit}`),
  fc.constantFrom(
    "1e5",
    "NaN",
    "Infinity",
    "-0",
    "0x10",
    "1.2.3",
    "1,250.75",
    "00000000001",
    "9".repeat(40),
    ".5",
    "5.",
  ),
);
const word = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...WORDS) },
  { weight: 3, arbitrary: numberWord },
  { weight: 2, arbitrary: fc.constantFrom(...SYMBOLS) },
  { weight: 1, arbitrary: fc.string({ maxLength: 8 }) },
  { weight: 1, arbitrary: fc.stringMatching(/^[A-Z0-9]{8}$/) },
);
const separator = fc.constantFrom(" ", "  ", "\t", "\n", "", '"', ' "', '" ');
const grammarLike = fc
  .tuple(fc.constantFrom(...COMMANDS), fc.array(fc.tuple(separator, word), { maxLength: 12 }))
  .map(([head, rest]) => head + rest.map(([sep, w]) => (sep === "" ? ` ${w}` : `${sep}${w}`)).join(""));

/** Numbers at the edges: zero, negative, fractional, huge, and digit strings past what a double holds. */
const extremeNumber = fc.oneof(
  fc.constantFrom("0", "-1", "0.0001", "1e3", "9999999999", "99999999999999999999", `1${"0".repeat(320)}`),
  fc.integer({ min: 0, max: 1_000_000_000 }).map(String),
  fc.double({ min: 0, max: 1e30, noNaN: true }).map((n) => String(n)),
  fc.bigInt({ min: 0n, max: 10n ** 400n }).map(String),
);
const durationUnit = fc.constantFrom("s", "m", "min", "h", "d", "w", "days", " days", " weeks", "", "y");
const extremeDuration = fc.tuple(extremeNumber, durationUnit).map(([n, unit]) => `${n}${unit}`);
/** Dates from year 0 to 9999, real and impossible. */
const extremeDate = fc
  .tuple(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 }))
  .map(
    ([y, m, d]) =>
      `${String(y).padStart(4, "0")}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`,
  );

describe("parseCommand under fuzzing", () => {
  it(`answers durations, dates and repeats at their extremes with a command or a reason (${RUNS} cases)`, () => {
    fc.assert(
      fc.property(
        fc.constantFrom("expires", "expires in", "for", "until", "repeat", "repeat every", "every"),
        fc.oneof(extremeDuration, extremeDate),
        fc.constantFrom("", " once", " rth", ' note "x"', " expires 7d", " repeat 1h"),
        (option, value, rest) => {
          const input = `/alert AAPL above 200 ${option} ${value}${rest}`;
          const ok = parseChecked(input);
          if (!ok) return;
          // Whatever is accepted is within the alert service's limits.
          const result = parseCommand(input, { now });
          if (!result.ok || result.command.name !== "alert") throw new Error(`not an alert: ${input}`);
          const { expiresAt, repeat } = result.command;
          if (expiresAt !== null) {
            const at = Date.parse(expiresAt);
            expect(at).toBeGreaterThan(now.getTime());
            expect(at - now.getTime()).toBeLessThanOrEqual(366 * 86_400_000);
          }
          if (repeat !== null) {
            expect(repeat.cooldownSeconds).toBeGreaterThanOrEqual(60);
            expect(repeat.cooldownSeconds).toBeLessThanOrEqual(30 * 86_400);
          }
        },
      ),
      { numRuns: RUNS },
    );
  });

  it(`answers windows at their extremes with a command or a reason, never outside 5m to 1d (${RUNS} cases)`, () => {
    fc.assert(
      fc.property(
        fc.constantFrom("moves 3%", "up 3%", "down 2.5%", "+1%", "-50%", "3%", "rises 0.5%", "above 2%"),
        fc.constantFrom("within", "in", "within the last", "WITHIN"),
        fc.oneof(extremeDuration, extremeNumber, fc.constantFrom("", "an hour", "a day", "1 hour", "soon")),
        fc.constantFrom("", " repeat 1h", " rth", ' note "x"', " expires 7d", " within 1h", " from close"),
        (move, within, window, rest) => {
          const input = `/alert AAPL ${move} ${within} ${window}${rest}`;
          if (!parseChecked(input)) return;
          const result = parseCommand(input, { now });
          if (!result.ok || result.command.name !== "alert") throw new Error(`not an alert: ${input}`);
          const { condition } = result.command;
          if (condition.kind !== "window") throw new Error(`not a window: ${input}`);
          expect(condition.windowSeconds % 60).toBe(0);
          expect(condition.windowSeconds).toBeGreaterThanOrEqual(300);
          expect(condition.windowSeconds).toBeLessThanOrEqual(86_400);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it(`answers new highs and lows with a command naming one or a reason (${RUNS} cases)`, () => {
    fc.assert(
      fc.property(
        fc.constantFrom("new", "", "NEW", "new new"),
        fc.constantFrom("", "52w", "52-week", "52 week", "52", "session", "daily", "week 52"),
        fc.constantFrom("high", "low", "highs", "", "peak", "5%", "high low"),
        fc.constantFrom("", " today", " repeat 1h", " rth", ' note "x"', " within 1h", " 200"),
        fc.constantFrom("AAPL", "BINANCE:BTCUSDT", "OANDA:EUR_USD"),
        (start, span, side, rest, symbol) => {
          const input = `/alert ${symbol} ${[start, span, side].filter((w) => w !== "").join(" ")}${rest}`;
          if (!parseChecked(input)) return;
          const result = parseCommand(input, { now });
          if (!result.ok || result.command.name !== "alert") return;
          const { condition } = result.command;
          if (condition.kind !== "extreme") return;
          // Accepted: what was typed, and never a 52-week range on a pair.
          expect(condition.side).toBe(side.startsWith("high") ? "high" : "low");
          expect(condition.span).toBe(/52/.test(span) ? "52w" : "session");
          if (condition.span === "52w") expect(symbol).toBe("AAPL");
        },
      ),
      { numRuns: RUNS },
    );
  });

  it(`answers volume, moving-average and RSI alerts at their extremes with a condition within limits or a reason (${RUNS} cases)`, () => {
    const forms = [
      "volume {n}",
      "volume {n}x",
      "volume above {n} x",
      "above sma {n}",
      "crosses ema {n}",
      "below the {n}-day sma",
      "cross sma{n}",
      "rsi {n} below 30",
      "rsi below {n}",
      "rsi {n} 1h above {n}",
      "rsi hourly above {n}",
      "rsi({n}) below 50",
    ];
    let accepted = 0;
    fc.assert(
      fc.property(
        fc.constantFrom(...forms),
        // Numbers around the limits (periods 2-200 and 2-50, levels 0-100, multiples 1-100) and far past them.
        fc.oneof(
          { weight: 2, arbitrary: fc.integer({ min: -1, max: 250 }).map(String) },
          { weight: 1, arbitrary: fc.double({ min: 0, max: 120, noNaN: true }).map((n) => n.toFixed(2)) },
          { weight: 1, arbitrary: extremeNumber },
          { weight: 1, arbitrary: numberWord },
        ),
        fc.constantFrom("", " repeat 1h", " 1h", " daily", " within 1h", " x", " rth", " 200"),
        fc.constantFrom("AAPL", "BINANCE:BTCUSDT", "OANDA:EUR_USD"),
        fc.constantFrom("/alert SYMBOL", "/edit 2"),
        (form, n, rest, symbol, head) => {
          const input = `${head.replace("SYMBOL", symbol)} ${form.replaceAll("{n}", n)}${rest}`;
          if (!parseChecked(input)) return;
          const result = parseCommand(input, { now });
          if (!result.ok) return;
          let condition: AlertCondition | null = null;
          if (result.command.name === "alert") condition = result.command.condition;
          if (result.command.name === "edit" && result.command.level?.kind === "condition")
            condition = result.command.level.condition;
          if (result.command.name === "edit" && result.command.level?.kind === "multiple")
            condition = { kind: "volume", multiple: result.command.level.value };
          if (condition === null) return;
          accepted++;
          // Accepted: within the contract's limits (what the alert service takes), and no volume on forex.
          const checked = AlertConditionSchema.safeParse(condition);
          expect(checked.success, `${input} → ${JSON.stringify(condition)}`).toBe(true);
          if (condition.kind === "volume" && head.startsWith("/alert"))
            expect(symbol).not.toBe("OANDA:EUR_USD");
        },
      ),
      { numRuns: RUNS },
    );
    // The numbers must land inside the limits often enough that acceptance is tested, not only refusals.
    expect(accepted).toBeGreaterThan(RUNS / 50);
  });

  it(`answers snooze durations at their extremes with a command or a reason, never past 7 days (${RUNS} cases)`, () => {
    fc.assert(
      fc.property(fc.constantFrom("1", "#2", "3f2a9c1e"), extremeDuration, (ref, duration) => {
        const input = `/snooze ${ref} ${duration}`;
        if (!parseChecked(input)) return;
        const result = parseCommand(input, { now });
        if (!result.ok || result.command.name !== "snooze") throw new Error(`not a snooze: ${input}`);
        expect(result.command.seconds).toBeGreaterThanOrEqual(60);
        expect(result.command.seconds).toBeLessThanOrEqual(7 * 86_400);
      }),
      { numRuns: RUNS },
    );
  });

  it(`never throws on arbitrary Unicode (${RUNS} cases)`, () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 600 }), (input) => {
        parseChecked(input);
      }),
      { numRuns: RUNS },
    );
  });

  it(`never throws on arbitrary text after a command name (${RUNS} cases)`, () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...COMMANDS),
        fc.string({ unit: "grapheme", maxLength: 200 }),
        (head, tail) => {
          parseChecked(`${head} ${tail}`);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it(`answers every sentence made of the grammar's own words, numbers, symbols and quotes (${RUNS} cases)`, () => {
    let accepted = 0;
    fc.assert(
      fc.property(grammarLike, (input) => {
        if (parseChecked(input)) accepted++;
      }),
      { numRuns: RUNS },
    );
    // The generator must reach deep into the grammar, not only bounce off its first word.
    expect(accepted).toBeGreaterThan(RUNS / 50);
  });

  it("gives examples that parse for every hostile input and documented example (the seeds above)", () => {
    for (const [text] of HOSTILE_INPUTS) parseChecked(text);
    for (const text of ALERT_EXAMPLES) expect(parseCommand(text, { now }).ok, text).toBe(true);
    for (const { usage } of COMMAND_HELP) parseChecked(usage);
  });
});
