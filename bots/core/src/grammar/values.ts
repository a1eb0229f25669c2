import {
  describeCodePoint,
  findUnsafeCharacter,
  MAX_COOLDOWN_SECONDS,
  MAX_EXPIRY_DAYS,
  MAX_NOTE_LENGTH,
  MAX_PERCENT_MOVE,
  MAX_PRICE,
  MAX_WINDOW_SECONDS,
  MIN_COOLDOWN_SECONDS,
  MIN_WINDOW_SECONDS,
  SYMBOL_PATTERN,
} from "@tickerbell/contracts";
import { normalizeInput } from "./tokens.ts";

/** A value read from a word, or the reason it could not be. */
export type Read<T> = { ok: true; value: T } | { ok: false; reason: string };

const ok = <T>(value: T): Read<T> => ({ ok: true, value });
const no = <T>(reason: string): Read<T> => ({ ok: false, reason });

const PLAIN_NUMBER = /^(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$/;

/** `200`, `200.50`, `$1,250.5`: a positive price below the cap. */
export function readPrice(word: string): Read<number> {
  let text = word;
  if (text.startsWith("-")) return no(`prices can't be negative ("${word}")`);
  text = text.replace(/^\$/, "").replace(/\$$/, "");
  if (!PLAIN_NUMBER.test(text)) return no(`"${word}" is not a price; write it like 200 or 187.50`);
  const value = Number(text.replace(/,/g, ""));
  if (!Number.isFinite(value)) return no(`"${word}" is not a price`);
  if (value <= 0) return no("the price must be greater than 0");
  if (value > MAX_PRICE)
    return no(`${word} is above the highest price I accept (${MAX_PRICE.toLocaleString("en-US")})`);
  return ok(value);
}

export interface SignedPercent {
  value: number;
  sign: "+" | "-" | "±" | null;
}

/** `5%`, `+5%`, `-2.5%`, `±3%`. The sign is kept: it decides up, down or either way. */
export function readPercent(word: string): Read<SignedPercent> {
  const match = /^(\+-|±|\+|-)?(\d+(\.\d+)?)%$/.exec(word);
  if (!match) return no(`"${word}" is not a percentage; write it like 5% or +2.5%`);
  const value = Number(match[2]);
  if (value <= 0) return no("the percentage must be greater than 0");
  if (value > MAX_PERCENT_MOVE) return no(`${word} is more than the ${MAX_PERCENT_MOVE}% I accept`);
  const raw = match[1];
  const sign = raw === "+" ? "+" : raw === "-" ? "-" : raw === "±" || raw === "+-" ? "±" : null;
  return ok({ value, sign });
}

/**
 * A percentage for a move in `direction`: its sign may agree (`up +5%`, `down -3%`) or be left out, but a sign
 * that says the other way (`up -5%`, `down +3%`, a one-way sign on `move`) is refused, never dropped.
 */
export function readDirectedPercent(word: string, direction: "up" | "down" | "move"): Read<number> {
  const read = readPercent(word);
  if (!read.ok) return read;
  const { value, sign } = read.value;
  if (sign === null) return ok(value);
  const oneWay = (d: "up" | "down") => `write ${d} ${value}% for ${d === "up" ? "a rise" : "a fall"}`;
  if (direction === "move" && sign !== "±")
    return no(
      `"${word}" goes one way but the condition is either way; ${oneWay(sign === "+" ? "up" : "down")}`,
    );
  if (direction !== "move" && sign !== (direction === "up" ? "+" : "-"))
    return no(
      `"${word}" does not go ${direction}; ${oneWay(direction)}, or ${oneWay(direction === "up" ? "down" : "up")}`,
    );
  return ok(value);
}

export function looksLikePercent(word: string): boolean {
  return /^[-+±]*\d*(\.\d+)?%$/.test(word) && word !== "%";
}

/**
 * A table of the words people type, looked up by what they typed: without a prototype, so `__proto__` or
 * `constructor` finds nothing instead of Object's own.
 */
export function wordTable<T>(entries: Record<string, T>): Readonly<Record<string, T | undefined>> {
  return Object.freeze(Object.assign(Object.create(null) as Record<string, T | undefined>, entries));
}

const UNIT_SECONDS = wordTable<number>({
  s: 1,
  sec: 1,
  secs: 1,
  second: 1,
  seconds: 1,
  m: 60,
  min: 60,
  mins: 60,
  minute: 60,
  minutes: 60,
  h: 3600,
  hr: 3600,
  hrs: 3600,
  hour: 3600,
  hours: 3600,
  d: 86400,
  day: 86400,
  days: 86400,
  w: 604800,
  week: 604800,
  weeks: 604800,
});

/**
 * The longest duration read at all (ten years): far above every limit a caller checks, so those say their own
 * limit, and small enough that adding it to a date stays a date.
 */
const MAX_DURATION_SECONDS = 10 * 366 * 86400;

/** `30m`, `1h`, `7d`, `2w` (also `7 days` when the caller joins the two words). */
export function readDuration(word: string): Read<number> {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]+)$/.exec(word.toLowerCase());
  const unit = match?.[2];
  const seconds = unit === undefined ? undefined : UNIT_SECONDS[unit];
  if (!match || seconds === undefined)
    return no(`"${word}" is not a duration; write it like 30m, 4h, 7d or 2w`);
  const total = Math.round(Number(match[1]) * seconds);
  if (!Number.isFinite(total) || total > MAX_DURATION_SECONDS) return no(`${shorten(word)} is far too long`);
  if (total <= 0) return no("the duration must be longer than 0");
  return ok(total);
}

/**
 * The window of a move (`within 1h`): a whole number of minutes from 5m to 1d (`24h` is `1d`), the way the rule
 * book reads a window (from whole minutes).
 */
export function readWindow(word: string): Read<number> {
  const read = readDuration(word);
  if (!read.ok) return no(`"${shorten(word)}" is not a window; write it like 15m, 1h or 1d`);
  const seconds = read.value;
  if (seconds < MIN_WINDOW_SECONDS)
    return no(
      `a window must be at least ${MIN_WINDOW_SECONDS / 60} minutes (5m); ${shorten(word)} is shorter`,
    );
  if (seconds > MAX_WINDOW_SECONDS)
    return no(`a window can be at most 1 day (1d or 24h); ${shorten(word)} is longer`);
  if (seconds % 60 !== 0) return no(`a window is a whole number of minutes; ${shorten(word)} is not`);
  return ok(seconds);
}

/**
 * The characters a note may not hold: the alert service's own rule (control and bidi characters, line
 * separators), so the bot says which character before the service would refuse it.
 */
function unsafeCharacterIn(text: string): string | null {
  const found = findUnsafeCharacter(text);
  return found === null
    ? null
    : `the note can't contain ${describeCodePoint(found.codePoint)} (character ${found.position}); control and bidi characters are not allowed`;
}

/**
 * A note as stored: free of unsafe characters (checked before normalizing, so they are refused rather than folded
 * away), normalized, not empty and within the length the alert service keeps.
 */
export function readNote(raw: string): Read<string> {
  const unsafe = unsafeCharacterIn(raw);
  if (unsafe !== null) return no(unsafe);
  const note = normalizeInput(raw);
  if (note.length === 0) return no("the note is empty.");
  const length = [...note].length;
  if (length > MAX_NOTE_LENGTH) return no(`the note is ${length} characters; keep it to ${MAX_NOTE_LENGTH}.`);
  return ok(note);
}

/** A repeat cooldown: a duration within the limits the alert service accepts. */
export function readCooldown(word: string): Read<number> {
  const read = readDuration(word);
  if (!read.ok) return read;
  if (read.value < MIN_COOLDOWN_SECONDS)
    return no(`the repeat cooldown must be at least ${MIN_COOLDOWN_SECONDS / 60} minute`);
  if (read.value > MAX_COOLDOWN_SECONDS)
    return no(`the repeat cooldown can be at most ${MAX_COOLDOWN_SECONDS / 86400} days`);
  return ok(read.value);
}

/**
 * When an alert set at `now` expires, as an ISO time: `7d` from now, or `2026-12-31` (the end of that day, UTC).
 * Refused when it is not in the future or further than the alert service allows.
 */
export function readExpiry(word: string, now: Date): Read<string> {
  let at: Date;
  if (/^\d{4}-/.test(word)) {
    const date = readDate(word);
    if (!date.ok) return date;
    at = date.value;
  } else if (/^\d/.test(word)) {
    const seconds = readDuration(word);
    if (!seconds.ok) return seconds;
    at = new Date(now.getTime() + seconds.value * 1000);
  } else {
    return no(`"${shorten(word)}" is not a duration or date; write 7d or 2026-12-31`);
  }
  if (at.getTime() <= now.getTime()) return no("that expiry is in the past");
  if (at.getTime() - now.getTime() > MAX_EXPIRY_DAYS * 86400_000)
    return no(`an alert can run for at most ${MAX_EXPIRY_DAYS} days`);
  return ok(at.toISOString());
}

function shorten(word: string): string {
  return word.length > 40 ? `${word.slice(0, 40)}…` : word;
}

export function isDurationUnit(word: string): boolean {
  return UNIT_SECONDS[word.toLowerCase()] !== undefined;
}

/** `2026-12-31`: the end of that day, UTC; or a moment in UTC, `2026-12-31T15:30:00Z` (what /export writes). */
export function readDate(word: string): Read<Date> {
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?Z$/.test(word)) {
    const at = new Date(word);
    if (Number.isNaN(at.getTime()) || at.toISOString().slice(0, 10) !== word.slice(0, 10))
      return no(`${shorten(word)} is not a real date and time`);
    return ok(at);
  }
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(word);
  if (!match) return no(`"${shorten(word)}" is not a date; write it like 2026-12-31`);
  const date = new Date(Date.UTC(2000, Number(match[2]) - 1, Number(match[3]), 23, 59, 59));
  // Set apart: Date.UTC reads the years 0-99 as 1900-1999.
  date.setUTCFullYear(Number(match[1]));
  if (
    date.getUTCFullYear() !== Number(match[1]) ||
    date.getUTCMonth() !== Number(match[2]) - 1 ||
    date.getUTCDate() !== Number(match[3])
  ) {
    return no(`${word} is not a real date`);
  }
  return ok(date);
}

/** `aapl`, `$AAPL`, `brk.b`, `binance:btcusdt`. Returns the normalised symbol. */
export function readSymbol(word: string): Read<string> {
  const symbol = word.replace(/^\$/, "").toUpperCase();
  if (symbol.length === 0) return no("the ticker is missing");
  if (SYMBOL_PATTERN.test(symbol)) return ok(symbol);
  const shown = word.length > 20 ? `${word.slice(0, 20)}…` : word;
  if (/^[\d.,]+$/.test(symbol))
    return no(`"${shown}" looks like a number, not a ticker; the ticker comes first`);
  if (symbol.includes(":"))
    return no(
      `"${shown}" is not a symbol I can read; exchange pairs look like BINANCE:BTCUSDT, COINBASE:BTC-USD or OANDA:EUR_USD`,
    );
  const pair = /^([A-Z]{2,10})\/([A-Z]{3,5})$/.exec(symbol);
  if (pair) return no(`"${shown}" is ${pairAsSymbol(pair[1]!, pair[2]!)}`);
  if (/^[A-Z0-9.-]+$/.test(symbol) && symbol.length > 10) return no(`"${shown}" is too long for a ticker`);
  return no(`"${shown}" is not a ticker; tickers look like AAPL, BRK.B or $TSLA`);
}

/** Currencies of the forex pairs OANDA quotes (the majors and the usual crosses' legs). */
const FIAT = new Set([
  "USD",
  "EUR",
  "GBP",
  "JPY",
  "CHF",
  "AUD",
  "CAD",
  "NZD",
  "SEK",
  "NOK",
  "DKK",
  "SGD",
  "HKD",
]);
/** Quotes Binance lists its crypto pairs against (a pair against dollars is Coinbase's). */
const STABLECOINS = new Set(["USDT", "USDC", "FDUSD", "BUSD"]);

/** `EUR/USD` and `BTC/USDT` as people write them, and the exchange symbol that names them here. */
function pairAsSymbol(base: string, quote: string): string {
  if (FIAT.has(base) && FIAT.has(quote)) return `a currency pair: write it OANDA:${base}_${quote}`;
  if (STABLECOINS.has(quote)) return `a crypto pair: write it BINANCE:${base}${quote}`;
  return `a crypto pair: write it COINBASE:${base}-${quote}`;
}
