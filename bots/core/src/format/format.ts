import type {
  Alert,
  AlertCondition,
  AverageCondition,
  ExtremeCondition,
  MarketContext,
  RsiCondition,
  TrailingCondition,
  WindowCondition,
} from "@tickerbell/contracts";
import { formatPrice, roundPrice, studyKeyOf, trailingLevel } from "@tickerbell/rules";
import { formatTime, type TimeDisplay, UTC_DISPLAY } from "./time.ts";

/** The rule book's formatPrice: `$190.25`, `$0.0312`, `1.0842` (a currency pair). */
export { formatPrice };

/** `+5.20%`, `-0.35%`, always signed. */
export function formatPercent(percent: number): string {
  const sign = percent > 0 ? "+" : percent < 0 ? "-" : "±";
  return `${sign}${Math.abs(percent).toFixed(2)}%`;
}

/**
 * A signed change of `symbol`'s price, with the precision of the price it moved (`price`): `+$12.40`, `-$0.61`
 * for a $190 stock, `-$0.0312` for a 40-cent one, `+0.0021` for a currency pair.
 */
export function formatChange(
  amount: number,
  symbol: string | null,
  price: number = Math.abs(amount),
): string {
  const sign = amount > 0 ? "+" : amount < 0 ? "-" : "±";
  return `${sign}${formatPrice(Math.abs(amount), symbol, price)}`;
}

const UNITS: ReadonlyArray<[string, number]> = [
  ["year", 365 * 86400],
  ["month", 30 * 86400],
  ["week", 7 * 86400],
  ["day", 86400],
  ["hour", 3600],
  ["minute", 60],
  ["second", 1],
];

/** A time within 5% of a unit is said in that unit: 59 minutes 30 seconds is "in 1 hour". */
const UNIT_TOLERANCE = 0.95;

/** `in 3 days`, `2 hours ago`, `just now`. */
export function formatRelative(when: Date | string, now: Date): string {
  const at = typeof when === "string" ? new Date(when) : when;
  const seconds = Math.round((at.getTime() - now.getTime()) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 5) return "just now";
  for (const [unit, size] of UNITS) {
    // Rounded to the unit, not cut down: `expires 7d` listed a minute later is "in 1 week", not "in 6 days".
    if (abs >= size * UNIT_TOLERANCE) {
      const n = Math.max(1, Math.round(abs / size));
      const text = `${n} ${unit}${n === 1 ? "" : "s"}`;
      return seconds > 0 ? `in ${text}` : `${text} ago`;
    }
  }
  return "just now";
}

/**
 * A symbol as part of a file name: `BINANCE_BTCUSDT`. Discord keeps only letters, digits, dots, dashes and
 * underscores of an attachment's name (an embed's `attachment://` must name it so, and discord.js refuses any other
 * as an image URL), and `:` is no file name on Windows.
 */
export function fileNameOf(symbol: string): string {
  return symbol.replace(/[^A-Za-z0-9._-]/g, "_");
}

/** `1h`, `30m`, `2d`: compact durations for cooldowns. */
export function formatDuration(seconds: number): string {
  if (seconds % 86400 === 0) return `${seconds / 86400}d`;
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}

/** How far a trailing alert on `symbol` trails: `8%` or `$5.00`. */
export function formatTrailingOffset(offset: TrailingCondition["offset"], symbol: string): string {
  return offset.unit === "percent" ? `${offset.value}%` : formatPrice(offset.value, symbol);
}

/**
 * The condition in words, e.g. `above $200.00`, `down 3% from the previous close`, `trailing 8% below the peak`,
 * `moves 3% within 1h`.
 */
export function describeCondition(condition: AlertCondition, symbol: string): string {
  switch (condition.kind) {
    case "price":
      return `${condition.direction === "cross" ? "crosses" : condition.direction} ${formatPrice(condition.target, symbol)}`;
    case "percent": {
      const what = condition.direction === "move" ? "moves" : condition.direction;
      const from = condition.basis === "close" ? "from the previous close" : "from the price when set";
      return `${what} ${condition.percent}% ${from}`;
    }
    case "trailing": {
      const size = formatTrailingOffset(condition.offset, symbol);
      return condition.direction === "down"
        ? `falls ${size} below its peak (trailing)`
        : `rises ${size} above its low (trailing)`;
    }
    case "earnings":
      return "earnings (the evening before and when results are due)";
    case "window":
      return describeWindowMove(condition);
    case "extreme":
      return `new ${extremeSpanName(condition)} ${condition.side}`;
    case "volume":
      return `volume ${condition.multiple}× the usual by this time of day`;
    case "average":
      return `${condition.direction === "cross" ? "crosses" : condition.direction} its ${averageName(condition)}`;
    case "rsi":
      return `${rsiName(condition)} ${condition.direction} ${condition.level}`;
  }
}

/** `50-day SMA`, `200-day EMA`: the moving average an average alert watches. */
export function averageName(condition: AverageCondition): string {
  return `${condition.period}-day ${condition.average.toUpperCase()}`;
}

/** `daily RSI(14)`, `hourly RSI(7)`: the RSI an RSI alert watches. */
export function rsiName(condition: RsiCondition): string {
  return `${condition.interval === "1h" ? "hourly" : "daily"} RSI(${condition.period})`;
}

/** An RSI value as charts show it: one decimal (`41.2`). */
export function formatRsi(value: number): string {
  return value.toFixed(1);
}

/** How many times the usual volume: one decimal (`1.4×`). */
export function formatMultiple(value: number): string {
  return `${value.toFixed(1)}×`;
}

/** A share volume to three figures: `4.2M`, `1.35M`, `950K`, `800`. */
export function formatVolume(volume: number): string {
  // Rounded first, so 999,999 reads as 1M rather than 1000K.
  const rounded = Number(volume.toPrecision(3));
  for (const [size, suffix] of [
    [1e9, "B"],
    [1e6, "M"],
    [1e3, "K"],
  ] as const) {
    if (rounded >= size) return `${Number((rounded / size).toPrecision(3))}${suffix}`;
  }
  return String(Math.round(rounded));
}

/**
 * ` (now $187.20, price $190.10 above it)`, ` (now 41.2)`, ` (now 1.4×, over 20 sessions)`: the study a volume or
 * indicator alert watches, as the bot read it when setting the alert; empty when the market does not hold it.
 */
function studyNow(condition: AlertCondition, symbol: string, market: MarketContext): string {
  const studies = market.studies;
  if (condition.kind === "volume") {
    const volume = studies?.volume;
    if (volume === undefined) return "";
    return ` (now ${formatMultiple(volume.today / volume.typical)}, over ${volume.sessions} sessions)`;
  }
  const key = studyKeyOf(condition);
  const value = key === null ? undefined : studies?.values?.[key];
  if (value === undefined) return "";
  if (condition.kind === "rsi") return ` (now ${formatRsi(value)})`;
  const side = market.last > value ? "above" : market.last < value ? "below" : "at";
  return ` (now ${formatPrice(value, symbol)}, price ${formatPrice(market.last, symbol)} ${side} it)`;
}

/** `session`, `52-week`: which high or low a new high/low alert watches. */
export function extremeSpanName(condition: ExtremeCondition): string {
  return condition.span === "session" ? "session" : "52-week";
}

/** `moves 3% within 1h`, `up 3% within 15m`, `down 2.5% within 1d`: as the user types it. */
export function describeWindowMove(condition: WindowCondition): string {
  const what = condition.direction === "move" ? "moves" : condition.direction;
  return `${what} ${condition.percent}% within ${formatDuration(condition.windowSeconds)}`;
}

/** ` (above $192.50 today)`: the running high (low) a new high (low) alert fires beyond; empty for other kinds. */
function extremeLevel(alert: Alert): string {
  if (alert.condition.kind !== "extreme" || alert.extreme === null) return "";
  const beyond = alert.condition.side === "high" ? "above" : "below";
  return ` (${beyond} ${formatPrice(alert.extreme, alert.symbol)}${alert.condition.span === "session" ? " today" : ""})`;
}

/**
 * One line per alert for lists and confirmations: `AAPL above $200.00 · repeats every 1h · expires in 6 days
 * (2026-12-09 14:05 UTC)`. It says the level that will fire: a percent alert's price (a two-sided one's two,
 * labelled), a trailing alert's peak or low and the level it trails at. A confirmation passes the `market` the
 * alert was set at, so a volume or indicator alert also says where its study is now.
 */
export function describeAlert(
  alert: Alert,
  now: Date,
  display: TimeDisplay = UTC_DISPLAY,
  market?: MarketContext,
): string {
  const study = market === undefined ? "" : studyNow(alert.condition, alert.symbol, market);
  const parts = [
    `${alert.symbol} ${describeCondition(alert.condition, alert.symbol)}${extremeLevel(alert)}${study}`,
  ];
  const price = (value: number) => formatPrice(value, alert.symbol);
  const { upper, lower } = alert.thresholds;
  // A confirmation says the side already (price above it); a list says which way the cross fires next.
  if (alert.condition.kind === "average" && alert.condition.direction === "cross" && alert.watch && !study)
    parts.push(`next on a ${alert.watch === "lower" ? "fall" : "rise"} through it`);
  if (alert.condition.kind === "percent") {
    if (upper !== null && lower !== null)
      parts.push(`fires at ${price(upper)} (up) or ${price(lower)} (down)`);
    else if (upper !== null || lower !== null) parts.push(`fires at ${price((upper ?? lower)!)}`);
  }
  if (alert.condition.kind === "trailing" && alert.extreme !== null) {
    const { direction, offset } = alert.condition;
    const level = roundPrice(trailingLevel(direction, offset.unit, offset.value, alert.extreme));
    parts.push(`${direction === "down" ? "peak" : "low"} ${price(alert.extreme)}, fires at ${price(level)}`);
  }
  if (alert.repeat) parts.push(`repeats every ${formatDuration(alert.repeat.cooldownSeconds)}`);
  if (alert.expiresAt)
    parts.push(`expires ${formatRelative(alert.expiresAt, now)} (${formatTime(alert.expiresAt, display)})`);
  if (alert.regularHoursOnly) parts.push("regular hours only");
  if (alert.status === "paused" && alert.resumeAt)
    parts.push(
      `snoozed until ${formatTime(alert.resumeAt, display)} (${formatRelative(alert.resumeAt, now)})`,
    );
  else if (alert.status !== "active") parts.push(alert.status);
  if (alert.note) parts.push(`“${alert.note}”`);
  return parts.join(" · ");
}

/** "1 alert", "3 alerts": a count and its noun, plural unless it is one. */
export function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}
