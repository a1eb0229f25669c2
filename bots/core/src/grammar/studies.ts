// Volume, moving-average and RSI conditions in the typed grammar: `volume 3x`, `crosses sma 50`, `above the
// 200-day ema`, `rsi below 30`, `rsi 7 1h above 80`. Each number is checked against the contract's limits here,
// so a bad one is refused with what would work before the alert service is asked.
import {
  type AlertCondition,
  type AverageCondition,
  DEFAULT_RSI_PERIOD,
  MAX_AVERAGE_PERIOD,
  MAX_RSI_PERIOD,
  MAX_VOLUME_MULTIPLE,
  MIN_AVERAGE_PERIOD,
  MIN_RSI_PERIOD,
  type RsiCondition,
} from "@tickerbell/contracts";
import { volumeRefusal } from "@tickerbell/rules";
import { ABOVE, BELOW, CROSS } from "./condition-words.ts";
import type { Words } from "./parse.ts";
import { refuse, valueOrRefuse } from "./refusal.ts";
import { looksLikePercent, type Read, wordTable } from "./values.ts";

const ok = <T>(value: T): Read<T> => ({ ok: true, value });
const no = <T>(reason: string): Read<T> => ({ ok: false, reason });

// ---- volume ---------------------------------------------------------------------------------------------------

const VOLUME = new Set(["volume", "vol"]);
/** Words after the multiple that only restate it: `volume 3x the usual`, `volume 3x normal`. */
const USUAL = new Set(["usual", "normal", "average", "avg", "typical"]);

/** `3x`, `2.5x`, `3×`, `3`: more than 1 (1x is the usual volume), at most MAX_VOLUME_MULTIPLE. */
export function readMultiple(word: string): Read<number> {
  const match = /^(\d{1,12}(?:\.\d{1,12})?)\s*[x×]?$/i.exec(word);
  if (!match) return no(`"${word.slice(0, 20)}" is not a multiple; write it like 3x`);
  const multiple = Number(match[1]);
  if (multiple <= 1) return no("the multiple must be more than 1x: 1x is the usual volume");
  if (multiple > MAX_VOLUME_MULTIPLE) return no(`the multiple can be at most ${MAX_VOLUME_MULTIPLE}x`);
  return ok(multiple);
}

/** `volume 3x` (also `volume 2.5x`, `volume 3`, `volume above 3x`, `volume 3x the usual`); null when not one. */
export function readVolume(symbol: string, words: Words): AlertCondition | null {
  if (!VOLUME.has(words.peekLower() ?? "")) return null;
  words.next();
  const example = `/alert ${symbol} volume 3x`;
  const noVolume = volumeRefusal(symbol);
  if (noVolume !== null) refuse(noVolume, `/alert ${symbol} rsi below 30`);
  if (ABOVE.has(words.peekLower() ?? "")) words.next();
  const word = words.next();
  if (word === undefined) refuse("Volume how many times the usual? Give a multiple like 3x.", example);
  if (looksLikePercent(word)) {
    // 300% of the usual is 3x; a percentage that is no multiple we take gets the usual example.
    const times = Number(word.replace(/[%+]/g, "")) / 100;
    const said =
      times > 1 && times <= MAX_VOLUME_MULTIPLE ? `${times}x for ${times} times the usual` : "it like 3x";
    refuse(
      `A volume alert takes a multiple of the usual volume, not a percentage: write ${said}.`,
      `/alert ${symbol} volume ${said.startsWith("it") ? 3 : times}x`,
    );
  }
  const multiple = valueOrRefuse(readMultiple(word), example);
  const after = words.peekLower();
  if (after === "x" || after === "×" || after === "times") words.next();
  if (words.peekLower() === "the" && USUAL.has(words.peekLower(1) ?? "")) words.next();
  if (USUAL.has(words.peekLower() ?? "")) words.next();
  return { kind: "volume", multiple };
}

// ---- moving averages ------------------------------------------------------------------------------------------

/** `sma`, `ema50`, `sma(20)`: which average, and the period when it is joined to it. */
const AVERAGE_WORD = /^(sma|ema)(?:(\d[\d.]*)|\((.*)\))?$/i;
/** `50-day`, `50d`, `50`: a period written before the average (`the 50-day sma`). */
const PERIOD_BEFORE = /^(\d+(?:\.\d+)?)(?:-?days?|d)?$/i;

function directionWord(direction: AverageCondition["direction"]): string {
  return direction === "cross" ? "crosses" : direction;
}

/** The sessions of a moving average: a whole number from MIN_AVERAGE_PERIOD to MAX_AVERAGE_PERIOD. */
export function readAveragePeriod(word: string): Read<number> {
  if (!/^\d+(\.\d+)?$/.test(word))
    return no(`"${word.slice(0, 20)}" is not a number of sessions; write it like sma 50`);
  const period = Number(word);
  if (!Number.isInteger(period)) return no(`a moving average spans a whole number of sessions, not ${word}`);
  if (period < MIN_AVERAGE_PERIOD)
    return no(`a moving average spans at least ${MIN_AVERAGE_PERIOD} sessions; ${word} is too few`);
  if (period > MAX_AVERAGE_PERIOD)
    return no(`a moving average spans at most ${MAX_AVERAGE_PERIOD} sessions; ${word} is too many`);
  return ok(period);
}

/** Whether the word names a moving average without saying which one (`ma`, `ma50`, `moving average`). */
function isBareAverage(words: Words, offset: number): boolean {
  const word = words.peekLower(offset) ?? "";
  return (
    /^(ma|dma)(\d+|\(\d+\))?$/.test(word) || (word === "moving" && words.peekLower(offset + 1) === "average")
  );
}

/**
 * After `above`/`below`/`crosses` (already taken): `sma 50`, `sma50`, `the 50-day ema`, `its 200 sma`. Null when
 * the words are not a moving average (`above 200` stays a price).
 */
export function readAverageAfter(
  symbol: string,
  direction: AverageCondition["direction"],
  words: Words,
): AlertCondition | null {
  let offset = words.peekLower() === "the" || words.peekLower() === "its" ? 1 : 0;
  const way = directionWord(direction);
  if (isBareAverage(words, offset))
    refuse(
      `A simple (sma) or an exponential (ema) moving average? Say ${way} sma 50 or ${way} ema 50.`,
      `/alert ${symbol} ${way} sma 50`,
    );
  let average: "sma" | "ema";
  let periodText: string | undefined;
  const first = words.peekLower(offset) ?? "";
  const joined = AVERAGE_WORD.exec(first);
  const before = PERIOD_BEFORE.exec(first);
  if (joined) {
    average = joined[1]!.toLowerCase() as "sma" | "ema";
    periodText = joined[2] ?? joined[3];
    offset++;
    if (periodText === undefined) {
      periodText = words.peek(offset);
      if (periodText !== undefined) offset++;
    }
  } else if (before) {
    // `50-day sma`, `50 day ema`, `200 sma`: only when an average follows, else it is a price.
    let at = offset + 1;
    if (/^days?$/.test(words.peekLower(at) ?? "")) at++;
    const named = /^(sma|ema)$/.exec(words.peekLower(at) ?? "");
    if (!named) return null;
    average = named[1] as "sma" | "ema";
    periodText = before[1];
    offset = at + 1;
  } else return null;
  for (let i = 0; i < offset; i++) words.next();
  const example = `/alert ${symbol} ${way} ${average} 50`;
  if (periodText === undefined || periodText === "")
    refuse(
      `Which moving average? Give its sessions, like ${average} 50 (${MIN_AVERAGE_PERIOD} to ${MAX_AVERAGE_PERIOD}).`,
      example,
    );
  return {
    kind: "average",
    average,
    period: valueOrRefuse(readAveragePeriod(periodText), example),
    direction,
  };
}

/** `/alert AAPL sma 50`: an average named without a way to cross it, refused with the three ways. */
export function refuseAverageWithoutDirection(symbol: string, words: Words): void {
  const first = words.peekLower() ?? "";
  const joined = AVERAGE_WORD.exec(first);
  if (isBareAverage(words, 0))
    refuse(
      "A simple (sma) or an exponential (ema) moving average, and which way? Say crosses sma 50 or crosses ema 50.",
      `/alert ${symbol} crosses sma 50`,
    );
  if (!joined) return;
  const average = joined ? (joined[1]!.toLowerCase() as "sma" | "ema") : "sma";
  const periodText = joined?.[2] ?? joined?.[3] ?? words.peek(1);
  const period = periodText === undefined ? null : readAveragePeriod(periodText);
  const name = period?.ok ? `${period.value}-day ${average.toUpperCase()}` : average.toUpperCase();
  refuse(
    `Above, below or across its ${name}? Say which way.`,
    `/alert ${symbol} crosses ${average} ${period?.ok ? period.value : 50}`,
  );
}

// ---- RSI ------------------------------------------------------------------------------------------------------

const RSI_WORD = /^rsi(?:(\d[\d.]*)|\((.*)\))?$/i;
const RSI_INTERVALS = wordTable<RsiCondition["interval"]>({
  "1h": "1h",
  "60m": "1h",
  hourly: "1h",
  hour: "1h",
  "1d": "1d",
  daily: "1d",
  day: "1d",
});
/** Words that say an interval the RSI does not read: refused by name rather than left for the options. */
const OTHER_INTERVALS = /^(\d+(\.\d+)?(m|min|h|hr|d|w|wk|mo)|weekly|monthly|minute|minutes|intraday)$/i;
/** `rsi falls below 30`, `rsi is above 70`: verbs that say nothing the direction does not. */
const RSI_VERBS = new Set([
  "falls",
  "fall",
  "drops",
  "drop",
  "dips",
  "goes",
  "go",
  "rises",
  "rise",
  "climbs",
  "is",
  "gets",
]);

/** The bars of an RSI: a whole number from MIN_RSI_PERIOD to MAX_RSI_PERIOD. */
export function readRsiPeriod(word: string): Read<number> {
  if (!/^\d+(\.\d+)?$/.test(word))
    return no(`"${word.slice(0, 20)}" is not a number of bars; write it like rsi 14`);
  const period = Number(word);
  if (!Number.isInteger(period)) return no(`an RSI spans a whole number of bars, not ${word}`);
  if (period < MIN_RSI_PERIOD) return no(`an RSI spans at least ${MIN_RSI_PERIOD} bars; ${word} is too few`);
  if (period > MAX_RSI_PERIOD) return no(`an RSI spans at most ${MAX_RSI_PERIOD} bars; ${word} is too many`);
  return ok(period);
}

/** An RSI level: a plain number strictly between 0 and 100. */
export function readRsiLevel(word: string): Read<number> {
  if (looksLikePercent(word))
    return no(
      `an RSI level is a plain number between 0 and 100: write ${word.replace(/%$/, "")}, not ${word.slice(0, 20)}`,
    );
  if (!/^-?\d+(\.\d+)?$/.test(word))
    return no(`"${word.slice(0, 20)}" is not an RSI level; give a number between 0 and 100, like 30`);
  const level = Number(word);
  if (level <= 0 || level >= 100) return no("an RSI level is between 0 and 100, not 0 or 100 themselves");
  return ok(level);
}

/** `rsi below 30`, `rsi 7 below 25`, `rsi 1h above 70`, `rsi 7 1h above 80`, `rsi below 30 hourly`; null when not one. */
export function readRsi(symbol: string, words: Words): AlertCondition | null {
  const head = RSI_WORD.exec(words.peekLower() ?? "");
  if (!head) return null;
  words.next();
  let example = `/alert ${symbol} rsi below 30`;
  let interval: RsiCondition["interval"] | null = null;
  const joined = head[1] ?? head[2];
  let period: number | null = joined === undefined ? null : valueOrRefuse(readRsiPeriod(joined), example);
  let direction: RsiCondition["direction"] | null = null;
  while (direction === null) {
    const word = words.peekLower();
    if (word === undefined)
      refuse("RSI above or below what level? Say which way, like rsi below 30 or rsi above 70.", example);
    if (ABOVE.has(word)) direction = "above";
    else if (BELOW.has(word)) direction = "below";
    else if (CROSS.has(word))
      refuse(
        "An RSI alert fires above or below a level, not on a cross: say rsi above 70 or rsi below 30.",
        example,
      );
    else if (RSI_INTERVALS[word] !== undefined) {
      if (interval !== null) refuse("One interval: daily (1d) or hourly (1h).", example);
      interval = RSI_INTERVALS[word];
    } else if (/^\d+(\.\d+)?$/.test(word)) {
      if (period !== null) refuse("One period: the number of bars, like rsi 7 below 25.", example);
      period = valueOrRefuse(readRsiPeriod(word), example);
    } else if (OTHER_INTERVALS.test(word))
      refuse(
        `An RSI reads daily (1d) or hourly (1h) bars, not ${word.slice(0, 20)}.`,
        `/alert ${symbol} rsi 1h below 30`,
      );
    else if (!RSI_VERBS.has(word))
      refuse(
        `I don't understand "${word.slice(0, 40)}" in an RSI alert; give the period and interval before the way, like rsi 7 1h above 80.`,
        example,
      );
    words.next();
  }
  example = `/alert ${symbol} rsi ${direction} ${direction === "below" ? 30 : 70}`;
  const levelWord = words.next();
  if (levelWord === undefined)
    refuse(
      `${direction === "below" ? "Below" : "Above"} what RSI level? Give a number between 0 and 100, like ${direction === "below" ? 30 : 70}.`,
      example,
    );
  const level = valueOrRefuse(readRsiLevel(levelWord), example);
  // `rsi below 30 1h`: the interval after the level, when it was not said before.
  const after = RSI_INTERVALS[words.peekLower() ?? ""];
  if (after !== undefined) {
    if (interval !== null && interval !== after) refuse("One interval: daily (1d) or hourly (1h).", example);
    interval = after;
    words.next();
  }
  return { kind: "rsi", direction, level, period: period ?? DEFAULT_RSI_PERIOD, interval: interval ?? "1d" };
}
