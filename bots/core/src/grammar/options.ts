import type { AlertCondition } from "@tickerbell/contracts";
import { regularHoursRefusal } from "@tickerbell/rules";
import type { AlertCommand, AlertLevelsCommand, ParseResult } from "./commands.ts";
import {
  DEFAULT_REPEAT_COOLDOWN_SECONDS,
  MAX_COMMAND_LENGTH,
  MAX_LEVELS_PER_COMMAND,
  parseCommand,
  parseCondition,
  refuseEarnings,
  refuseRegularHours,
  splitAlertWords,
  Words,
} from "./parse.ts";
import { answerOrRefusal, capitalize, refuse, valueOrRefuse } from "./refusal.ts";
import { normalizeInput, tokenize } from "./tokens.ts";
import {
  looksLikePercent,
  readCooldown,
  readDirectedPercent,
  readExpiry,
  readNote,
  readPrice,
  readSymbol,
  readWindow,
} from "./values.ts";

/**
 * An alert as structured options (Discord slash-command options, a form): each field is the raw text the user
 * typed, or a choice. Missing fields are `undefined`. Checked with the same readers and limits as the typed
 * grammar, so the same mistake gets the same message on every platform.
 */
export interface AlertOptionsInput {
  kind: "price" | "percent" | "trailing" | "earnings" | "window" | "extreme" | "volume" | "average" | "rsi";
  symbol?: string | undefined;
  /** price: above | below | cross; percent: up | down | move; trailing: down | up; window: up | down | move (either, the default). */
  direction?: string | undefined;
  /** `200`, `$1,250.50`, `5%`, `5` (a percentage when the kind or unit says so), `$5`. */
  value?: string | undefined;
  /** window: how long, `1h`, `15m`, `1d` (5m to 1d, whole minutes), read as after `within`. */
  window?: string | undefined;
  /** extreme: high | low. */
  side?: string | undefined;
  /** extreme: today (the default) | 52w. */
  range?: string | undefined;
  /** volume: how many times the usual volume, `3` or `3x` (more than 1, at most 100). */
  multiple?: string | undefined;
  /** average: sma | ema. */
  average?: string | undefined;
  /** average: the sessions it spans (2 to 200); rsi: the bars (2 to 50, 14 when missing). */
  period?: string | undefined;
  /** rsi: the level it fires at, between 0 and 100. */
  level?: string | undefined;
  /** rsi: daily | hourly (also 1d | 1h). */
  interval?: string | undefined;
  /** percent: last (default) | close. */
  basis?: string | undefined;
  /** trailing: percent | amount; when missing, `8%` or `$5` in the value decides. */
  unit?: string | undefined;
  /** A cooldown like `1h`: the alert repeats. */
  repeat?: string | undefined;
  /** `7d` or `2026-12-31`. */
  expires?: string | undefined;
  note?: string | undefined;
  regularHoursOnly?: boolean | undefined;
  /** Notifies even during the user's quiet hours. */
  urgent?: boolean | undefined;
}

const DIRECTIONS = {
  price: ["above", "below", "cross"],
  percent: ["up", "down", "move"],
  trailing: ["down", "up"],
  window: ["up", "down", "move"],
} as const;

function present(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const normalized = normalizeInput(text);
  return normalized.length === 0 ? undefined : normalized;
}

/**
 * Builds and checks an alert command from structured options. Never throws: a mistake becomes a message with a
 * working example written in the typed grammar (adapters may render it in their own syntax).
 */
export function alertCommandFromOptions(input: AlertOptionsInput, options: { now: Date }): ParseResult {
  return answerOrRefusal(() => buildAlertOrLevels(input, options.now));
}

function buildAlertOrLevels(input: AlertOptionsInput, now: Date): AlertCommand | AlertLevelsCommand {
  const levels = input.kind === "price" ? priceLevels(input.value) : [];
  // Anything but a list of prices is read whole, so a refusal quotes what was typed.
  if (levels.length <= 1 || !levels.every((level) => readPrice(level).ok)) return build(input, now);
  if (levels.length > MAX_LEVELS_PER_COMMAND)
    refuse(`At most ${MAX_LEVELS_PER_COMMAND} levels in one alert command.`, "/alert AAPL above 200 210 220");
  // `value:200 210 220`: one alert per level, each with the same options, as `/alert AAPL above 200 210 220`.
  const alert = build({ ...input, value: levels[0] }, now);
  const condition = alert.condition;
  if (condition.kind !== "price") return alert;
  const targets = [
    ...new Set(
      levels.map((level) => valueOrRefuse(readPrice(level), `/alert ${alert.symbol} above 200 210 220`)),
    ),
  ];
  return {
    name: "alert-levels",
    alerts: targets.map((target) => ({ ...alert, condition: { ...condition, target } })),
  };
}

/** The prices of a price alert's value: several when it holds several (`200 210 220`), read as typed ones are. */
function priceLevels(value: string | undefined): string[] {
  // Separated by spaces, a comma after a level allowed (`200, 210`); a comma inside one is a thousands separator.
  const levels =
    present(value)
      ?.split(/\s+/)
      .map((word) => word.replace(/,$/, ""))
      .filter((word) => word !== "") ?? [];
  return levels;
}

function build(input: AlertOptionsInput, now: Date): AlertCommand {
  const total = [
    input.symbol,
    input.value,
    input.window,
    input.multiple,
    input.period,
    input.level,
    input.repeat,
    input.expires,
    input.note,
  ].reduce((sum, text) => sum + (text?.length ?? 0), 0);
  if (total > MAX_COMMAND_LENGTH) {
    refuse(`That message is too long (${total} characters; commands fit in ${MAX_COMMAND_LENGTH}).`, "/help");
  }
  const symbolText = present(input.symbol);
  if (symbolText === undefined) refuse("Which ticker and what condition?", "/alert AAPL above 200");
  const symbol = valueOrRefuse(readSymbol(symbolText), "/alert AAPL above 200");
  const condition = buildCondition(input, symbol);
  if (input.regularHoursOnly === true) refuseRegularHours(symbol);
  const example = `/alert ${symbol} above 200 repeat 1h expires 7d note "why"${regularHoursRefusal(symbol) === null ? " rth" : ""}`;
  return {
    name: "alert",
    symbol,
    condition,
    repeat: buildRepeat(input.repeat, example),
    expiresAt: buildExpiry(input.expires, now, example),
    note: input.note === undefined ? null : valueOrRefuse(readNote(input.note), example),
    regularHoursOnly: input.regularHoursOnly ?? false,
    ...(input.urgent === true ? { urgent: true } : {}),
  };
}

function buildCondition(input: AlertOptionsInput, symbol: string): AlertCondition {
  if (input.kind === "earnings") {
    refuseEarnings(symbol);
    if (present(input.repeat) !== undefined || input.regularHoursOnly === true)
      refuse(
        "An earnings alert already comes back every quarter, at set times: leave out repeat and rth.",
        `/alert ${symbol} earnings`,
      );
    return { kind: "earnings" };
  }
  if (input.kind === "window") return buildWindow(input, symbol);
  if (input.kind === "extreme") return buildExtreme(input, symbol);
  if (input.kind === "volume" || input.kind === "average" || input.kind === "rsi")
    return buildStudied(input, symbol);
  const direction = present(input.direction)?.toLowerCase();
  const value = present(input.value);
  const priceExample = `/alert ${symbol} above 200`;
  if (direction === undefined) {
    if (value === undefined) {
      refuse(
        `What should I watch ${symbol} for? Give a condition after the ticker.`,
        `/alert ${symbol} above 200`,
      );
    }
    if (readPrice(value).ok)
      refuse(`Above or below ${value}? Say which way.`, `/alert ${symbol} above ${value}`);
    if (value.startsWith("-") && readPrice(value.slice(1)).ok)
      refuse("Prices can't be negative.", priceExample);
    refuse(`Which way should ${symbol} move? Pick a condition.`, priceExample);
  }
  const allowed: readonly string[] = DIRECTIONS[input.kind];
  if (!allowed.includes(direction)) {
    refuse(
      `I don't understand the condition "${direction.slice(0, 40)}". For a ${input.kind} alert use ${allowed.join(", ")}.`,
      input.kind === "price"
        ? priceExample
        : input.kind === "percent"
          ? `/alert ${symbol} up 5%`
          : `/alert ${symbol} trail 8%`,
    );
  }
  switch (input.kind) {
    case "price": {
      if (value === undefined) refuse(`${capitalize(direction)} what price?`, priceExample);
      return {
        kind: "price",
        direction: direction as "above" | "below" | "cross",
        target: valueOrRefuse(readPrice(value), priceExample),
      };
    }
    case "percent": {
      const example = `/alert ${symbol} ${direction} 5%`;
      if (value === undefined) refuse(`${capitalize(direction)} by how much?`, example);
      if (!looksLikePercent(asPercent(value)))
        refuse(`"${value}" is not a percentage; write it like 5%.`, example);
      const percent = valueOrRefuse(
        readDirectedPercent(asPercent(value), direction as "up" | "down" | "move"),
        example,
      );
      if (direction !== "up" && percent >= 100) {
        refuse("A stock can't fall 100% or more; pick a smaller percentage.", `/alert ${symbol} down 20%`);
      }
      return {
        kind: "percent",
        direction: direction as "up" | "down" | "move",
        percent,
        basis: readBasis(present(input.basis), symbol),
      };
    }
    case "trailing": {
      const example = `/alert ${symbol} trail 8%  or  /alert ${symbol} trail up $5`;
      if (value === undefined) refuse("Trail by how much? Give a percentage or a dollar amount.", example);
      const unit = present(input.unit)?.toLowerCase();
      if (unit !== undefined && unit !== "percent" && unit !== "amount") {
        refuse(`Trail by "${unit.slice(0, 40)}"? Pick percent or amount.`, example);
      }
      const isPercent = unit === "percent" || (unit === undefined && value.endsWith("%"));
      const isAmount = unit === "amount" || (unit === undefined && value.startsWith("$"));
      const trailDirection = direction as "down" | "up";
      if (isPercent) {
        const percent = valueOrRefuse(
          readDirectedPercent(asPercent(value), direction as "up" | "down" | "move"),
          example,
        );
        if (percent >= 100) refuse("A trailing percentage must be below 100%.", example);
        return { kind: "trailing", direction: trailDirection, offset: { unit: "percent", value: percent } };
      }
      if (!isAmount) {
        refuse(
          `Trail by "${value.slice(0, 40)}" what? Write 8% for a percentage or $5 for dollars.`,
          example,
        );
      }
      return {
        kind: "trailing",
        direction: trailDirection,
        offset: { unit: "amount", value: valueOrRefuse(readPrice(value), example) },
      };
    }
  }
}

/** `/alert new ticker:AAPL side:high range:today`: a new session (or 52-week) high or low, read as typed. */
function buildExtreme(input: AlertOptionsInput, symbol: string): AlertCondition {
  const side = present(input.side)?.toLowerCase();
  const example = `/alert ${symbol} new high`;
  if (side !== "high" && side !== "low")
    refuse(
      `A new high or a new low${side === undefined ? "" : `, not "${side.slice(0, 20)}"`}? Pick the side.`,
      example,
    );
  const range = present(input.range)?.toLowerCase() ?? "today";
  const typed = range === "today" || range === "session" ? `new ${side}` : `new ${range} ${side}`;
  const words = new Words(splitAlertWords(tokenize(typed).tokens));
  const condition = parseCondition(symbol, words);
  if (!words.done() || condition.kind !== "extreme")
    refuse(`A new ${side} of today or of the 52 weeks, not "${range.slice(0, 20)}".`, example);
  return condition;
}

/**
 * `/alert volume ticker:AAPL multiple:3`, `/alert average … average:sma period:50 direction:crosses`, `/alert rsi …
 * direction:below level:30 interval:daily period:7`: written as the typed words and read by the typed grammar, so
 * each number is checked and refused the same way everywhere.
 */
function buildStudied(input: AlertOptionsInput, symbol: string): AlertCondition {
  const word = (text: string | undefined) => present(text)?.toLowerCase();
  let typed: string;
  let what: string;
  let example: string;
  if (input.kind === "volume") {
    typed = `volume ${word(input.multiple) ?? ""}`;
    what = "the multiple";
    example = `/alert ${symbol} volume 3x`;
  } else if (input.kind === "average") {
    const average = word(input.average) ?? "sma";
    example = `/alert ${symbol} crosses sma 50`;
    if (average !== "sma" && average !== "ema")
      refuse(`A moving average is sma or ema, not "${average.slice(0, 20)}".`, example);
    const direction = word(input.direction);
    if (direction !== undefined && !["above", "below", "cross", "crosses"].includes(direction))
      refuse(`Above, below or crosses its moving average, not "${direction.slice(0, 20)}"?`, example);
    typed = `${direction ?? ""} ${average} ${word(input.period) ?? ""}`;
    what = "the period";
  } else {
    const interval = word(input.interval) ?? "daily";
    typed = `rsi ${word(input.period) ?? ""} ${interval} ${word(input.direction) ?? ""} ${word(input.level) ?? ""}`;
    what = "the level";
    example = `/alert ${symbol} rsi below 30`;
  }
  const words = new Words(splitAlertWords(tokenize(typed).tokens));
  const condition = parseCondition(symbol, words);
  if (!words.done()) refuse(`I don't understand "${(words.peek() ?? "").slice(0, 40)}" in ${what}.`, example);
  return condition;
}

/** `/alert move ticker:AAPL percent:3 within:1h direction:up`: a move of a percentage within a window. */
function buildWindow(input: AlertOptionsInput, symbol: string): AlertCondition {
  const typed = present(input.direction)?.toLowerCase() ?? "move";
  const direction = typed === "either" ? "move" : typed;
  const example = `/alert ${symbol} ${direction === "move" ? "moves" : direction === "down" ? "down" : "up"} 3% within 1h`;
  if (direction !== "up" && direction !== "down" && direction !== "move")
    refuse(`I don't understand the direction "${typed.slice(0, 40)}". Use up, down or either.`, example);
  const value = present(input.value);
  if (value === undefined) refuse("By how much within the window? Give a percentage, like 3.", example);
  if (!looksLikePercent(asPercent(value)))
    refuse(`"${value.slice(0, 40)}" is not a percentage; write it like 3.`, example);
  const percent = valueOrRefuse(readDirectedPercent(asPercent(value), direction), example);
  if (direction !== "up" && percent >= 100)
    refuse(
      "A stock can't fall 100% or more; pick a smaller percentage.",
      `/alert ${symbol} down 20% within 1h`,
    );
  const window = present(input.window);
  if (window === undefined) refuse("Within how long? Give a window from 5m to 1d, like 1h.", example);
  const windowSeconds = valueOrRefuse(
    readWindow(window.replace(/^within\s+/i, "").replace(/\s+/g, "")),
    example,
  );
  if (present(input.basis) !== undefined)
    refuse(
      "A move within a window is measured from the window's own low (a rise) or high (a fall), not from the close or the price when set: leave out the basis.",
      example,
    );
  return { kind: "window", direction, percent, windowSeconds };
}

/** A bare number where the option already says "percent" is a percentage: `5` reads as `5%`. */
function asPercent(value: string): string {
  return /^[-+±]?\d+(\.\d+)?$/.test(value) ? `${value}%` : value;
}

function readBasis(basis: string | undefined, symbol: string): "last" | "close" {
  const what = basis?.toLowerCase();
  if (what === undefined || what === "last" || what === "now" || what === "here") return "last";
  if (what === "close" || what === "yesterday") return "close";
  if (what === "open") {
    refuse(
      "I can measure from the last price or from the previous close.",
      `/alert ${symbol} up 3% from close`,
    );
  }
  return refuse(`From what? Say "from close" for today's move.`, `/alert ${symbol} down 3% from close`);
}

/** Given but blank means "repeat" on its own: the default cooldown, as in the typed grammar. */
function buildRepeat(raw: string | undefined, example: string): { cooldownSeconds: number } | null {
  if (raw === undefined) return null;
  const text = present(raw);
  if (text === undefined) return { cooldownSeconds: DEFAULT_REPEAT_COOLDOWN_SECONDS };
  return { cooldownSeconds: valueOrRefuse(readCooldown(text), example) };
}

function buildExpiry(raw: string | undefined, now: Date, example: string): string | null {
  if (raw === undefined) return null;
  const text = present(raw);
  if (text === undefined) refuse("Expires when? Give a duration like 7d or a date like 2026-12-31.", example);
  return valueOrRefuse(readExpiry(text, now), example);
}

/**
 * Reads the other commands from one structured value by running it through the typed grammar after a fixed
 * command word, so `/delete 0`, `/watch` with 21 tickers or a bad link code get the same message everywhere.
 * The value can only ever fill the command's arguments: the command word is not the user's.
 */
export function commandFromArguments(
  name:
    | "delete"
    | "pause"
    | "resume"
    | "watch"
    | "unwatch"
    | "price"
    | "chart"
    | "link"
    | "alerts"
    | "history"
    | "settings"
    | "export"
    | "webhook",
  args: string | undefined,
  options: { now: Date },
): ParseResult {
  return parseCommand(`/${name} ${args ?? ""}`.trimEnd(), options);
}
