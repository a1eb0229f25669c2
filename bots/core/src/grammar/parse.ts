import { ChartWindowSchema } from "@tickerbell/charts";
import {
  type AlertCondition,
  MAX_SNOOZE_SECONDS,
  MAX_WATCHLIST_BATCH,
  MAX_WEBHOOK_URL_LENGTH,
} from "@tickerbell/contracts";
import {
  DEFAULT_REPEAT_COOLDOWN_SECONDS,
  earningsRefusal,
  regularHoursRefusal,
  yearRangeRefusal,
} from "@tickerbell/rules";
import { parseManyOrOne } from "./bulk.ts";
import {
  type AlertCommand,
  type AlertLevelsCommand,
  type AlertRef,
  COMMAND_HELP,
  type Command,
  type CommandError,
  type ParseResult,
} from "./commands.ts";
import { ABOVE, BELOW, CROSS } from "./condition-words.ts";
import { parseEdit } from "./edit.ts";
import { answerOrRefusal, capitalize, refuse, valueOrRefuse } from "./refusal.ts";
import { parseSettingsArgs } from "./settings.ts";
import { readAverageAfter, readRsi, readVolume, refuseAverageWithoutDirection } from "./studies.ts";
import { normalizeInput, type Token, tokenize } from "./tokens.ts";
import {
  isDurationUnit,
  looksLikePercent,
  readCooldown,
  readDirectedPercent,
  readDuration,
  readExpiry,
  readNote,
  readPercent,
  readPrice,
  readSymbol,
  readWindow,
  wordTable,
} from "./values.ts";

/** `repeat` without a duration: the rule book's default, which its dry run also counts one-shot alerts with. */
export { DEFAULT_REPEAT_COOLDOWN_SECONDS };
/** `/snooze 2` without a duration, the same hour as the Snooze button. */
export const DEFAULT_SNOOZE_SECONDS = 3600;
/** The most price levels one `/alert` may set at once. */
export const MAX_LEVELS_PER_COMMAND = 10;
/** Longer input is refused before any parsing: no command needs it. */
export const MAX_COMMAND_LENGTH = 500;

export interface ParseOptions {
  /** Used to turn `expires 7d` into a date. */
  now: Date;
}

const ALIASES = wordTable<Command["name"]>({
  start: "start",
  help: "help",
  alert: "alert",
  a: "alert",
  alerts: "alerts",
  list: "alerts",
  history: "history",
  fired: "history",
  delete: "delete",
  del: "delete",
  remove: "delete",
  rm: "delete",
  cancel: "delete",
  pause: "pause",
  resume: "resume",
  unpause: "resume",
  snooze: "snooze",
  mute: "snooze",
  rearm: "rearm",
  "re-arm": "rearm",
  watch: "watch",
  unwatch: "unwatch",
  watchlist: "watchlist",
  wl: "watchlist",
  price: "price",
  p: "price",
  quote: "price",
  chart: "chart",
  graph: "chart",
  link: "link",
  edit: "edit",
  change: "edit",
  modify: "edit",
  settings: "settings",
  setting: "settings",
  prefs: "settings",
  // A setting's own word as the command: `/tz Europe/Berlin` is `/settings tz Europe/Berlin` (SETTING_SHORTCUTS).
  tz: "settings",
  timezone: "settings",
  quiet: "settings",
  dnd: "settings",
  export: "export",
  import: "import",
  webhook: "webhook",
  webhooks: "webhook",
  hook: "webhook",
});

/** Aliases of /settings that are the name of the setting they change, which then comes first in its words. */
const SETTING_SHORTCUTS = new Set(["tz", "timezone", "quiet", "dnd"]);

/**
 * The command a message names (`/alert@TickerbellBot …` → "alert", an alias → its command), whether or not the
 * rest of it parses; null for plain talk or an unknown command. Lets an adapter decide who may send it (a group
 * administrator, anyone) before handling it.
 */
export function commandNameOf(raw: string): Command["name"] | null {
  const head = normalizeInput(raw).split(/\s/, 1)[0] ?? "";
  if (!head.startsWith("/")) return null;
  return ALIASES[head.slice(1).replace(/@\w+$/, "").toLowerCase()] ?? null;
}

/**
 * Parses one chat message into a command. Never throws: anything it cannot read becomes a specific message
 * with an example that works.
 */
export function parseCommand(raw: string, options: ParseOptions): ParseResult {
  return answerOrRefusal(() => parseOrRefuse(raw, options));
}

function parseOrRefuse(raw: string, { now }: ParseOptions): Command {
  if (raw.length > MAX_COMMAND_LENGTH) {
    refuse(
      `That message is too long (${raw.length} characters; commands fit in ${MAX_COMMAND_LENGTH}).`,
      "/help",
    );
  }
  const text = normalizeInput(raw);
  if (text.length === 0) refuse("Send a command to get started.", "/help");
  const { tokens, unterminatedQuote } = tokenize(text);
  if (unterminatedQuote)
    refuse("A quote was opened but never closed.", '/alert AAPL above 200 note "take profit"');
  const [head = "", ...args] = tokens.map((t) => t.text);
  // Telegram appends the bot's name in groups: /alert@TickerbellBot.
  const name = head.replace(/^\//, "").replace(/@\w+$/, "").toLowerCase();
  const command = ALIASES[name];
  if (!head.startsWith("/") && command === undefined) {
    refuse("Commands start with a slash.", "/alert AAPL above 200");
  }
  switch (command) {
    case "start":
    case "watchlist":
      return { name: command };
    case "help":
      return { name: "help", topic: args[0]?.replace(/^\//, "").toLowerCase() ?? null };
    case "alert":
      return parseAlert(tokens.slice(1), now);
    case "alerts":
    case "history":
      if (args.length > 1) refuse("One ticker at most.", `/${command} AAPL`);
      return {
        name: command,
        symbol: args[0] ? valueOrRefuse(readSymbol(args[0]), `/${command} AAPL`) : null,
      };
    case "delete":
    case "pause":
    case "resume":
      // One alert, or several at once: `/pause all`, `/delete AAPL` (see bulk.ts).
      return parseManyOrOne(command, args);
    case "rearm":
      return { name: command, ref: parseAlertRef(command, args) };
    case "edit":
      return parseEdit(tokens.slice(1), now);
    case "snooze":
      return parseSnooze(args);
    case "watch":
    case "unwatch":
      return { name: command, symbols: parseSymbols(args, `/${command} AAPL MSFT`) };
    case "price":
      return { name: "price", symbols: parseSymbols(args, "/price AAPL") };
    case "chart":
      return parseChart(args);
    case "link":
      return { name: "link", code: parseLinkCode(args) };
    case "settings": {
      const settings = parseSettingsArgs(SETTING_SHORTCUTS.has(name) ? [name, ...args] : args);
      if (!settings.ok) refuse(settings.message, settings.example);
      return { name: "settings", change: settings.change };
    }
    case "export": {
      const format = args[0]?.toLowerCase() ?? "csv";
      if (args.length > 1 || (format !== "csv" && format !== "json"))
        refuse("Export as csv or json.", "/export json");
      return { name: "export", format };
    }
    case "import":
      return { name: "import", path: args.length > 0 ? args.join(" ") : null };
    case "webhook":
      return parseWebhook(args);
    default:
      return refuseUnknown(head, name);
  }
}

/** `/chart AAPL`, `/chart AAPL 5d`: one ticker, then at most a window. */
function parseChart(args: readonly string[]): Command {
  const example = "/chart AAPL 5d";
  const [ticker, window, ...rest] = args;
  if (ticker === undefined) refuse("Chart which ticker?", example);
  const symbol = valueOrRefuse(readSymbol(ticker), example);
  if (window === undefined) return { name: "chart", symbol, window: "1d" };
  if (rest.length > 0) refuse("One ticker and one window at a time.", example);
  const parsed = ChartWindowSchema.safeParse(window.toLowerCase());
  if (!parsed.success) {
    refuse(
      `A chart spans 1d, 5d, 1m (a month), 6m or 1y, not "${window.slice(0, 20)}".`,
      `/chart ${symbol} 1m`,
    );
  }
  return { name: "chart", symbol, window: parsed.data };
}

const WEBHOOK_ACTIONS = wordTable<"add" | "list" | "remove" | "test">({
  add: "add",
  new: "add",
  list: "list",
  show: "list",
  ls: "list",
  remove: "remove",
  delete: "remove",
  del: "remove",
  rm: "remove",
  test: "test",
  ping: "test",
});

/** `/webhook`, `/webhook add URL`, `/webhook list`, `/webhook remove 1`, `/webhook test 1`. */
function parseWebhook(args: readonly string[]): Command {
  const [word, ...rest] = args;
  if (word === undefined) return { name: "webhook", action: "list" };
  // `/webhook https://…` is an add: the URL says what is meant.
  if (/^https?:\/\//i.test(word)) return parseWebhook(["add", ...args]);
  const action = WEBHOOK_ACTIONS[word.toLowerCase()];
  if (action === undefined) {
    refuse(
      `I can add, list, remove or test webhooks, not "${word.slice(0, 40)}".`,
      "/webhook add https://example.com/tickerbell",
    );
  }
  if (action === "list") {
    if (rest.length > 0) refuse("/webhook list takes nothing after it.", "/webhook list");
    return { name: "webhook", action };
  }
  if (action === "add") {
    const example = "/webhook add https://example.com/tickerbell";
    if (rest.length === 0) refuse("Add which URL? Give the address to POST to.", example);
    if (rest.length > 1) refuse("One URL at a time (spaces are not allowed in it).", example);
    const url = rest[0]!;
    if (!/^https?:\/\//i.test(url)) refuse("A webhook URL starts with https:// (or http://).", example);
    if (url.length > MAX_WEBHOOK_URL_LENGTH)
      refuse(`That URL is too long (at most ${MAX_WEBHOOK_URL_LENGTH} characters).`, example);
    return { name: "webhook", action, url };
  }
  const example = `/webhook ${action} 1`;
  if (rest.length !== 1) refuse(`Which webhook? Give its number from /webhook list.`, example);
  const ref = rest[0]!;
  if (/^\d{1,3}$/.test(ref) && Number(ref) >= 1)
    return { name: "webhook", action, ref: { by: "position", position: Number(ref) } };
  if (/^[0-9a-f-]{4,36}$/i.test(ref))
    return { name: "webhook", action, ref: { by: "id", id: ref.toLowerCase() } };
  return refuse(`"${ref.slice(0, 40)}" is not a webhook number from /webhook list.`, example);
}

/** An unknown command, with the command the user most likely meant when one is a typo away. */
function refuseUnknown(head: string, name: string): never {
  const meant = closestCommand(name);
  const shown = `I don't know the command "${head.slice(0, 32)}".`;
  if (meant === null) return refuse(shown, "/help");
  // The usage without its optional parts is a command that works as it is.
  const usage = COMMAND_HELP.find((c) => c.name === meant)?.usage ?? `/${meant}`;
  return refuse(`${shown} Did you mean /${meant}?`, usage.replace(/\s*\[[^\]]*\]/g, ""));
}

/** The command whose name or alias is within two edits of `typed` (the closest; none when it is a tie). */
function closestCommand(typed: string): Command["name"] | null {
  if (typed.length < 2 || typed.length > 20) return null;
  let best: { name: Command["name"]; distance: number } | null = null;
  let tie = false;
  for (const [alias, name] of Object.entries(ALIASES)) {
    if (name === undefined || alias.length < 3) continue;
    const distance = editDistance(typed, alias);
    if (distance > 2 || distance >= typed.length) continue;
    if (best === null || distance < best.distance) {
      best = { name, distance };
      tie = false;
    } else if (distance === best.distance && name !== best.name) tie = true;
  }
  return best === null || tie ? null : best.name;
}

/** Levenshtein distance, with a swap of two neighbours counting as one edit ("alret" is one from "alert"). */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        value = Math.min(value, d[i - 2]![j - 2]! + 1);
      d[i]![j] = value;
    }
  }
  return d[a.length]![b.length]!;
}

/** `/snooze 2 [4h]`: an hour unless a duration says otherwise, at most MAX_SNOOZE_SECONDS. */
function parseSnooze(args: string[]): Command {
  const example = "/snooze 2 4h";
  const [refWord, durationWord, extra] = args;
  if (extra !== undefined) refuse("One alert and one duration, please.", example);
  const ref = parseAlertRef("snooze", refWord === undefined ? [] : [refWord]);
  if (durationWord === undefined) return { name: "snooze", ref, seconds: DEFAULT_SNOOZE_SECONDS };
  const seconds = valueOrRefuse(readDuration(durationWord), example);
  if (seconds < 60) refuse("A snooze lasts at least 1 minute.", example);
  if (seconds > MAX_SNOOZE_SECONDS)
    refuse(
      `A snooze lasts at most ${MAX_SNOOZE_SECONDS / 86_400} days; pause the alert instead.`,
      "/pause 2",
    );
  return { name: "snooze", ref, seconds };
}

function parseSymbols(args: string[], example: string): string[] {
  const words = args.flatMap((a) => a.split(",")).filter((w) => w.length > 0);
  if (words.length === 0) refuse("Which ticker?", example);
  if (words.length > MAX_WATCHLIST_BATCH) refuse(`At most ${MAX_WATCHLIST_BATCH} tickers at once.`, example);
  const symbols = words.map((w) => valueOrRefuse(readSymbol(w), example));
  return [...new Set(symbols)];
}

export function parseAlertRef(command: string, args: string[]): AlertRef {
  const example = `/${command} 2`;
  const [word, extra] = args;
  if (word === undefined) refuse("Which alert? Send /alerts to see them numbered.", example);
  if (extra !== undefined) refuse("One alert at a time, please.", example);
  const cleaned = word.replace(/^#/, "");
  // Up to five digits is a number in the list; longer is an id prefix that happens to be all digits (a list
  // shows 8 characters of the id, and 2% of those are digits only).
  if (/^\d{1,5}$/.test(cleaned)) {
    const position = Number(cleaned);
    if (position < 1 || position > 10_000) refuse(`There is no alert number ${cleaned}.`, example);
    return { by: "position", position };
  }
  if (/^[0-9a-f-]{4,36}$/i.test(cleaned)) return { by: "id", id: cleaned.toLowerCase() };
  return refuse(`"${word.slice(0, 40)}" is not an alert number or id.`, example);
}

function parseLinkCode(args: string[]): string | null {
  const [word] = args;
  if (word === undefined) return null;
  const code = word.toUpperCase();
  if (!/^[A-Z0-9]{8}$/.test(code)) refuse("A link code is 8 letters and digits.", "/link K7Q2M9XA");
  return code;
}

// ---- /alert ---------------------------------------------------------------------------------------------------

const UP = new Set(["up", "rises", "rise", "gains", "gain", "jumps"]);
const DOWN = new Set(["down", "falls", "fall", "drops", "drop", "loses"]);
const MOVE = new Set(["move", "moves", "moving", "either"]);
const TRAIL = new Set(["trail", "trailing", "ts"]);
const EARNINGS = new Set(["earnings", "earning", "results"]);
/** The words that put a window on a percentage move: `up 3% within 1h`, `moves 2% in 15m`. */
const WITHIN = new Set(["within", "in"]);

/** A cursor over the words after the ticker. */
export class Words {
  readonly #tokens: Token[];
  #index = 0;
  constructor(tokens: Token[]) {
    this.#tokens = tokens;
  }
  peek(offset = 0): string | undefined {
    return this.#tokens[this.#index + offset]?.text;
  }
  /** The next word if it was typed in quotes. */
  peekQuoted(): string | undefined {
    const token = this.#tokens[this.#index];
    return token?.quoted ? token.text : undefined;
  }
  peekLower(offset = 0): string | undefined {
    return this.peek(offset)?.toLowerCase();
  }
  next(): string | undefined {
    return this.#tokens[this.#index++]?.text;
  }
  rest(): string[] {
    const rest = this.#tokens.slice(this.#index).map((t) => t.text);
    this.#index = this.#tokens.length;
    return rest;
  }
  done(): boolean {
    return this.#index >= this.#tokens.length;
  }
}

/** Splits `>200`, `>=$5`, `<150` into operator and value; joins `5 %` into `5%`. */
export function splitAlertWords(args: Token[]): Token[] {
  const out: Token[] = [];
  for (const token of args) {
    const op = token.quoted ? null : /^(>=|<=|=>|=<|==|>|<|=)([$\d.,-].*)$/.exec(token.text);
    const last = out[out.length - 1];
    if (op?.[1] && op[2]) {
      out.push({ text: op[1], quoted: false }, { text: op[2], quoted: false });
    } else if (token.text === "%" && !token.quoted && last && !last.quoted) {
      last.text += "%";
    } else {
      out.push(token);
    }
  }
  return out;
}

/**
 * The words after `/alert` as tokens (an imported line: its note is one quoted token, so no quoting is needed),
 * read by the same grammar as a typed command.
 */
export function parseAlertTokens(
  args: Token[],
  now: Date,
): { ok: true; command: AlertCommand | AlertLevelsCommand } | { ok: false; error: CommandError } {
  return answerOrRefusal(() => parseAlert(args, now));
}

function parseAlert(args: Token[], now: Date): AlertCommand | AlertLevelsCommand {
  const [symbolToken, ...rest] = args;
  const symbolWord = symbolToken?.text;
  if (symbolWord === undefined) {
    refuse("Which ticker and what condition?", "/alert AAPL above 200");
  }
  const symbol = valueOrRefuse(readSymbol(symbolWord), "/alert AAPL above 200");
  const words = new Words(splitAlertWords(rest));
  if (words.done()) {
    refuse(
      `What should I watch ${symbol} for? Give a condition after the ticker.`,
      `/alert ${symbol} above 200`,
    );
  }
  const condition = parseCondition(symbol, words);
  const levels = condition.kind === "price" ? [condition.target, ...moreLevels(symbol, words)] : [];
  const alert: AlertCommand = {
    name: "alert",
    symbol,
    condition,
    repeat: null,
    expiresAt: null,
    note: null,
    regularHoursOnly: false,
  };
  parseAlertOptions(alert, words, now);
  if (condition.kind === "earnings" && (alert.repeat !== null || alert.regularHoursOnly)) {
    refuse(
      "An earnings alert already comes back every quarter, at set times: leave out repeat and rth.",
      `/alert ${symbol} earnings`,
    );
  }
  if (condition.kind === "earnings") refuseEarnings(symbol);
  if (alert.regularHoursOnly) refuseRegularHours(symbol);
  if (condition.kind !== "price" || levels.length === 1) return alert;
  const targets = [...new Set(levels)];
  return {
    name: "alert-levels",
    alerts: targets.map((target) => ({ ...alert, condition: { ...condition, target } })),
  };
}

/** The prices typed after a price condition's first one (`above 200 210 220`), up to MAX_LEVELS_PER_COMMAND. */
function moreLevels(symbol: string, words: Words): number[] {
  const levels: number[] = [];
  for (let word = words.peek(); word !== undefined && /^\$?\d/.test(word); word = words.peek()) {
    if (words.peek(1) !== undefined && isDurationUnit(words.peek(1)!)) break;
    const price = readPrice(word.replace(/,$/, ""));
    if (!price.ok) break;
    words.next();
    levels.push(price.value);
    if (levels.length >= MAX_LEVELS_PER_COMMAND)
      refuse(
        `At most ${MAX_LEVELS_PER_COMMAND} levels in one alert command.`,
        `/alert ${symbol} above 200 210 220`,
      );
  }
  return levels;
}

export function parseCondition(symbol: string, words: Words): AlertCondition {
  const first = words.peekLower() ?? "";
  const priceExample = `/alert ${symbol} above 200`;

  const priceDirection = ABOVE.has(first)
    ? "above"
    : BELOW.has(first)
      ? "below"
      : CROSS.has(first)
        ? "cross"
        : null;
  if (priceDirection) {
    words.next();
    // `crosses sma 50`, `above the 200-day ema`: a moving average where a price would be.
    const average = readAverageAfter(symbol, priceDirection, words);
    if (average !== null) return average;
    const value = words.next();
    if (value === undefined) refuse(`${capitalize(first)} what price?`, priceExample);
    if (looksLikePercent(value)) {
      const percentDirection =
        priceDirection === "above" ? "up" : priceDirection === "below" ? "down" : "move";
      return percentCondition(
        symbol,
        percentDirection,
        valueOrRefuse(
          readDirectedPercent(value, percentDirection),
          `/alert ${symbol} ${percentDirection} 5%`,
        ),
        words,
      );
    }
    // `above 200, 210`: a comma after the first of several levels, as after the others.
    const listed = value.endsWith(",") && words.peek() !== undefined ? value.slice(0, -1) : value;
    return {
      kind: "price",
      direction: priceDirection,
      target: valueOrRefuse(readPrice(listed), priceExample),
    };
  }

  const study = readVolume(symbol, words) ?? readRsi(symbol, words);
  if (study !== null) return study;
  refuseAverageWithoutDirection(symbol, words);

  if (EARNINGS.has(first)) {
    words.next();
    return { kind: "earnings" };
  }

  const extreme = readExtreme(symbol, words);
  if (extreme !== null) return extreme;

  if (first === "within") {
    refuse(
      `A window needs a move first: by what percentage should ${symbol} move within it?`,
      windowExample(symbol, "move"),
    );
  }

  if (TRAIL.has(first)) {
    words.next();
    if (words.peekLower() === "stop") words.next();
    let direction: "down" | "up" = "down";
    const maybeDirection = words.peekLower();
    if (maybeDirection && (UP.has(maybeDirection) || DOWN.has(maybeDirection))) {
      direction = UP.has(maybeDirection) ? "up" : "down";
      words.next();
    }
    const example = `/alert ${symbol} trail 8%  or  /alert ${symbol} trail up $5`;
    const value = words.next();
    if (value === undefined) refuse("Trail by how much? Give a percentage or a dollar amount.", example);
    if (looksLikePercent(value)) {
      const percent = valueOrRefuse(readPercent(value.replace(/^[-+]/, "")), example).value;
      if (percent >= 100) refuse("A trailing percentage must be below 100%.", example);
      return { kind: "trailing", direction, offset: { unit: "percent", value: percent } };
    }
    if (!value.startsWith("$")) {
      refuse(`Trail by "${value}" what? Write 8% for a percentage or $5 for dollars.`, example);
    }
    return {
      kind: "trailing",
      direction,
      offset: { unit: "amount", value: valueOrRefuse(readPrice(value), example) },
    };
  }

  if (UP.has(first) || DOWN.has(first) || MOVE.has(first)) {
    words.next();
    const direction = UP.has(first) ? "up" : DOWN.has(first) ? "down" : "move";
    const value = words.next();
    const example = `/alert ${symbol} ${direction} 5%`;
    if (value === undefined) refuse(`${capitalize(first)} by how much?`, example);
    if (WITHIN.has(value.toLowerCase()))
      refuse(
        `${capitalize(first)} by how much within the window? Give the percentage before it.`,
        windowExample(symbol, direction),
      );
    if (!looksLikePercent(value)) refuse(`"${value}" is not a percentage; write it like 5%.`, example);
    return percentCondition(
      symbol,
      direction,
      valueOrRefuse(readDirectedPercent(value, direction), example),
      words,
    );
  }

  if (looksLikePercent(first)) {
    words.next();
    const { value, sign } = valueOrRefuse(readPercent(first), `/alert ${symbol} +5%`);
    const direction = sign === "+" ? "up" : sign === "-" ? "down" : "move";
    return percentCondition(symbol, direction, value, words);
  }

  if (readPrice(first).ok) {
    refuse(`Above or below ${first}? Say which way.`, `/alert ${symbol} above ${first}`);
  }
  if (first.startsWith("-") && readPrice(first.slice(1)).ok)
    refuse("Prices can't be negative.", priceExample);
  return refuse(
    `I don't understand the condition "${first.slice(0, 40)}". Use above, below, cross, a percentage like +5%, trail, new high, 52w low, volume 3x, crosses sma 50, rsi below 30, or earnings.`,
    priceExample,
  );
}

const SIDES = wordTable<"high" | "low">({ high: "high", highs: "high", low: "low", lows: "low" });
const SESSION_WORDS = new Set(["session", "daily", "day", "day's", "today's", "intraday"]);
const YEAR_WORDS = new Set(["52w", "52-week", "52-weeks", "52wk", "52-wk", "yearly", "annual"]);

/** `52 week` (two words) or one of YEAR_WORDS at `offset`: how many words the 52 weeks took, 0 when not. */
function yearWordsAt(words: Words, offset: number): number {
  const word = words.peekLower(offset);
  if (word === undefined) return 0;
  if (YEAR_WORDS.has(word)) return 1;
  const unit = words.peekLower(offset + 1);
  if (word === "52" && (unit === "week" || unit === "weeks" || unit === "wk")) return 2;
  return 0;
}

/** Whether the words start a new high/low condition (`new …`, `52w …`, `52 week …`), not a price like 52. */
export function startsExtreme(words: Words): boolean {
  return words.peekLower() === "new" || yearWordsAt(words, 0) > 0;
}

/**
 * `new high` / `new low` (today's session; also `new session high`, `new high today`) and `52w high` / `52w low`
 * (also `new 52-week high`, `52 week low`). Null when the words do not start one; a bare `high`/`low` is refused
 * with both spans as examples.
 */
function readExtreme(symbol: string, words: Words): AlertCondition | null {
  const first = words.peekLower() ?? "";
  // Pairs have no 52-week range: their example stays within what they can set.
  const example =
    yearRangeRefusal(symbol) === null
      ? `/alert ${symbol} new high  or  /alert ${symbol} 52w low`
      : `/alert ${symbol} new high  or  /alert ${symbol} new low`;
  if (SIDES[first] !== undefined) {
    refuse(
      `A new ${SIDES[first]} of today's session or of the 52 weeks? Say new ${SIDES[first]} or 52w ${SIDES[first]}.`,
      example,
    );
  }
  const isNew = first === "new";
  let offset = isNew ? 1 : 0;
  let span: "session" | "52w" | null = null;
  const year = yearWordsAt(words, offset);
  if (year > 0) {
    span = "52w";
    offset += year;
  } else if (isNew && SESSION_WORDS.has(words.peekLower(offset) ?? "")) {
    span = "session";
    offset++;
  } else if (isNew) span = "session";
  if (span === null) return null;
  const sideWord = words.peekLower(offset);
  const side = sideWord === undefined ? undefined : SIDES[sideWord];
  if (side === undefined) {
    const said = sideWord === undefined ? "" : ` "${sideWord.slice(0, 20)}"`;
    refuse(`A new high or a new low${said ? `, not${said}` : ""}? Say which.`, example);
  }
  for (let i = 0; i <= offset; i++) words.next();
  const pairRefusal = span === "52w" ? yearRangeRefusal(symbol) : null;
  if (pairRefusal !== null) refuse(pairRefusal, `/alert ${symbol} new ${side}`);
  if (span === "session" && words.peekLower() === "today") words.next();
  else if (words.peekLower() === "today")
    refuse(
      "A 52-week high is over the 52 weeks, not today: leave out today.",
      `/alert ${symbol} 52w ${side}`,
    );
  return { kind: "extreme", side, span };
}

function percentCondition(
  symbol: string,
  direction: "up" | "down" | "move",
  percent: number,
  words: Words,
): AlertCondition {
  if (direction !== "up" && percent >= 100) {
    refuse("A stock can't fall 100% or more; pick a smaller percentage.", `/alert ${symbol} down 20%`);
  }
  let basis: "last" | "close" = "last";
  let basisGiven = false;
  const next = words.peekLower();
  if (next === "from" || next === "since") {
    const what = words.peekLower(1) === "the" ? words.peekLower(2) : words.peekLower(1);
    if (what === "close" || what === "yesterday" || what === "open") {
      if (what === "open")
        refuse(
          "I can measure from the last price or from the previous close.",
          `/alert ${symbol} up 3% from close`,
        );
      basis = "close";
    } else if (what === "now" || what === "last" || what === "here") {
      basis = "last";
    } else {
      refuse(`From what? Say "from close" for today's move.`, `/alert ${symbol} down 3% from close`);
    }
    basisGiven = true;
    words.next();
    if (words.peekLower() === "the") words.next();
    words.next();
  } else if (next === "today") {
    basis = "close";
    basisGiven = true;
    words.next();
  }
  if (!WITHIN.has(words.peekLower() ?? "")) return { kind: "percent", direction, percent, basis };
  if (basisGiven) refuseBasisWithWindow(symbol, direction);
  words.next();
  const windowSeconds = readWindowWords(words, windowExample(symbol, direction));
  const after = words.peekLower();
  if (after === "from" || after === "since" || after === "today") refuseBasisWithWindow(symbol, direction);
  return { kind: "window", direction, percent, windowSeconds };
}

/** `/alert AAPL moves 3% within 1h`: an example that works, in the user's direction. */
function windowExample(symbol: string, direction: "up" | "down" | "move"): string {
  return `/alert ${symbol} ${direction === "move" ? "moves" : direction} 3% within 1h`;
}

function refuseBasisWithWindow(symbol: string, direction: "up" | "down" | "move"): never {
  return refuse(
    "A move within a window is measured from the window's own low (a rise) or high (a fall), not from the close or the price when set: leave out the from.",
    windowExample(symbol, direction),
  );
}

/** The window after `within`: `1h`, `15 minutes`, `an hour`, `the last 4h`, `the last hour`; 5m to 1d in whole minutes. */
export function readWindowWords(words: Words, example: string): number {
  if (words.peekLower() === "the") words.next();
  if (words.peekLower() === "last" || words.peekLower() === "past") words.next();
  const article = words.peekLower();
  const unit = words.peek(1);
  let text: string | null;
  if (
    (article === "a" || article === "an" || article === "one") &&
    unit !== undefined &&
    isDurationUnit(unit)
  ) {
    words.next();
    text = `1 ${words.next()}`;
  } else if (article !== undefined && isDurationUnit(article) && !/^\d/.test(article)) {
    // `within the last hour`, `within the day`: one of the unit.
    words.next();
    text = `1 ${article}`;
  } else {
    text = takeDurationText(words);
    const word = words.peekLower();
    if (text === null && word !== undefined && !OPTION_WORDS.has(word)) text = words.next() ?? null;
  }
  if (text === null) refuse("Within how long? Give a window from 5m to 1d after within, like 1h.", example);
  return valueOrRefuse(readWindow(text), example);
}

function parseAlertOptions(alert: AlertCommand, words: Words, now: Date): void {
  const example = `/alert ${alert.symbol} above 200 repeat 1h expires 7d note "why"${regularHoursRefusal(alert.symbol) === null ? " rth" : ""}`;
  Object.assign(alert, readAlertOptions(words, now, example));
}

/** The options a command gave after its condition: only those typed are present (an edit changes just those). */
export interface AlertOptionsGiven {
  repeat?: { cooldownSeconds: number } | null;
  expiresAt?: string | null;
  note?: string;
  regularHoursOnly?: boolean;
  /** Notifies even during the user's quiet hours. */
  urgent?: boolean;
}

/** The words that start an option (an edit without a new level starts with one). */
export const OPTION_WORDS: ReadonlySet<string> = new Set([
  "repeat",
  "repeating",
  "every",
  "once",
  "expires",
  "expire",
  "exp",
  "until",
  "for",
  "note",
  "memo",
  "urgent",
  "always",
  "rth",
  "regular-hours",
  "market-hours",
  "regular",
  "market",
]);

/** Reads `repeat 1h`, `once`, `expires 7d` (or `never`), `note "text"` and `rth` to the end of the words. */
export function readAlertOptions(words: Words, now: Date, example: string): AlertOptionsGiven {
  const given: AlertOptionsGiven = {};
  while (!words.done()) {
    const word = words.next() ?? "";
    const key = word.toLowerCase();
    if (key === "repeat" || key === "repeating" || key === "every") {
      if (words.peekLower() === "every") words.next();
      const duration = takeDurationText(words);
      const cooldownSeconds =
        duration === null ? DEFAULT_REPEAT_COOLDOWN_SECONDS : valueOrRefuse(readCooldown(duration), example);
      given.repeat = { cooldownSeconds };
    } else if (key === "once") {
      given.repeat = null;
    } else if (key === "expires" || key === "expire" || key === "exp" || key === "until" || key === "for") {
      if (words.peekLower() === "in") words.next();
      if (words.peekLower() === "never") {
        words.next();
        given.expiresAt = null;
      } else given.expiresAt = parseExpiry(words, now, example);
    } else if (key === "note" || key === "memo") {
      given.note = parseNote(words, example);
    } else if (key === "urgent" || key === "always") {
      given.urgent = true;
    } else if (key === "rth" || key === "regular-hours" || key === "market-hours") {
      given.regularHoursOnly = true;
    } else if ((key === "regular" || key === "market") && words.peekLower() === "hours") {
      words.next();
      given.regularHoursOnly = true;
    } else if (key === "within") {
      // `/alert AAPL above 200 within 1h`: only a percentage move has a window.
      refuse(
        "Only a percentage move takes a window (within 1h); a price level, a trailing stop or earnings does not.",
        `${example.split(" ").slice(0, 2).join(" ")} moves 3% within 1h`,
      );
    } else {
      refuse(
        `I don't understand "${word.slice(0, 40)}". After the condition you can add: repeat 1h, expires 7d, note "text", rth, urgent.`,
        example,
      );
    }
  }
  return given;
}

/** The next word(s) if they form a duration (`1h`, or `1 hour` joined), taken; null if they don't look like one. */
function takeDurationText(words: Words): string | null {
  const word = words.peek();
  if (word === undefined) return null;
  if (/^\d+(\.\d+)?$/.test(word) && words.peek(1) !== undefined && isDurationUnit(words.peek(1)!)) {
    words.next();
    return `${word}${words.next()}`;
  }
  if (/^\d/.test(word)) {
    words.next();
    return word;
  }
  return null;
}

function parseExpiry(words: Words, now: Date, example: string): string {
  const word = words.peek();
  if (word === undefined) refuse("Expires when? Give a duration like 7d or a date like 2026-12-31.", example);
  // A word that is neither is left to readExpiry, so both grammars say the same.
  const text = /^\d{4}-/.test(word) ? (words.next() ?? word) : (takeDurationText(words) ?? word);
  return valueOrRefuse(readExpiry(text, now), example);
}

/** Refuses an earnings alert on a symbol that has no earnings (crypto, forex), with the reason. */
export function refuseEarnings(symbol: string): void {
  const why = earningsRefusal(symbol);
  if (why !== null) refuse(why, `/alert ${symbol} up 5%`);
}

/** Refuses `rth` on a symbol that does not trade the US stock session (crypto, forex), with the reason. */
export function refuseRegularHours(symbol: string): void {
  const why = regularHoursRefusal(symbol);
  if (why !== null) refuse(why, `/alert ${symbol} up 5% repeat 1h`);
}

/** `note "text" rth` takes the quoted text; an unquoted note runs to the end of the message. */
function parseNote(words: Words, example: string): string {
  const quoted = words.peekQuoted();
  if (quoted !== undefined) words.next();
  return valueOrRefuse(readNote(quoted ?? words.rest().join(" ")), example);
}

export function formatCommandError(error: CommandError): string {
  return `${error.message}\nExample: ${error.example}`;
}
