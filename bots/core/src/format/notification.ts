// The one wording of a notification. The matcher states the facts (level, side, reference, peak, what comes
// next); this turns them into a title and labelled fields, which each platform lays out its own way: Telegram as
// HTML lines, Discord as embed fields, the console as plain lines.
import type {
  AlertCondition,
  EarningsEvent,
  EarningsNotice,
  Notification,
  ReferenceKind,
  WindowCondition,
} from "@tickerbell/contracts";
import { rsiRearmLevel } from "@tickerbell/rules";
import {
  averageName,
  describeCondition,
  extremeSpanName,
  formatChange,
  formatDuration,
  formatMultiple,
  formatPercent,
  formatPrice,
  formatRsi,
  formatTrailingOffset,
  formatVolume,
  rsiName,
} from "./format.ts";
import { formatTime, formatTimeOfDay, type TimeDisplay, UTC_DISPLAY } from "./time.ts";

export interface NotificationField {
  label: string;
  value: string;
  /** Short enough to sit beside its neighbours (Discord lays inline fields out in columns). */
  inline: boolean;
}

export interface NotificationMessage {
  /** One line: what happened. */
  title: string;
  /** The details, one fact per field. */
  fields: NotificationField[];
}

/** What a notification says, for any platform. Times are said as `display` asks (the reader's zone, or Discord's). */
export function formatNotification(n: Notification, display: TimeDisplay = UTC_DISPLAY): NotificationMessage {
  if (n.type === "expired") return expiredMessage(n, display);
  return n.earnings ? earningsMessage(n, n.earnings) : firedMessage(n, display);
}

/** `after the close (16:00 ET)`: when in the day results come, and when Tickerbell says they are due. */
export function earningsHourText(hour: EarningsEvent["hour"]): string {
  switch (hour) {
    case "bmo":
      return "before the open (due 08:00 ET)";
    case "amc":
      return "after the close (due 16:00 ET)";
    case "dmh":
      return "during market hours (due 09:30 ET)";
    case "unknown":
      return "time not announced";
  }
}

/** `$2.35`, `$124.1B`: estimates as analysts quote them. */
function compactDollars(value: number): string {
  const abs = Math.abs(value);
  for (const [size, suffix] of [
    [1e12, "T"],
    [1e9, "B"],
    [1e6, "M"],
  ] as const) {
    if (abs >= size) return `${value < 0 ? "-" : ""}$${(abs / size).toFixed(1)}${suffix}`;
  }
  return formatPrice(value, null);
}

/** The evening before: what is coming and when; when due: that the results are out (or about to be). */
function earningsMessage(n: Notification, notice: EarningsNotice): NotificationMessage {
  const { event } = notice;
  const weekday = new Date(`${event.date}T12:00:00Z`).toLocaleDateString("en-US", {
    weekday: "short",
    timeZone: "UTC",
  });
  const fields: NotificationField[] = [
    field("Date", `${weekday} ${event.date} · ${earningsHourText(event.hour)}`, false),
  ];
  if (event.quarter !== null && event.year !== null)
    fields.push(field("Quarter", `Q${event.quarter} ${event.year}`, true));
  if (event.epsEstimate !== null)
    fields.push(field("EPS estimate", formatPrice(event.epsEstimate, null), true));
  if (event.revenueEstimate !== null)
    fields.push(field("Revenue estimate", compactDollars(event.revenueEstimate), true));
  fields.push(field("Repeats", "every quarter, until you delete it", false));
  if (n.note) fields.push(field("Note", n.note, false));
  return { title: earningsTitle(n.symbol, notice), fields };
}

function earningsTitle(symbol: string, { moment, event }: EarningsNotice): string {
  const when =
    event.hour === "bmo"
      ? " before the open"
      : event.hour === "amc"
        ? " after the close"
        : event.hour === "dmh"
          ? " during market hours"
          : "";
  if (moment === "eve") return `📅 ${symbol} reports earnings tomorrow${when}`;
  return event.hour === "unknown"
    ? `📣 ${symbol} reports earnings today`
    : `📣 ${symbol} earnings: results due now (${when.trim()})`;
}

/** Title and `Label: value` lines as plain text (the console; Telegram escapes the same lines as HTML). */
export function notificationText(n: Notification, display: TimeDisplay = UTC_DISPLAY): string {
  return messageText(formatNotification(n, display));
}

export function messageText(message: NotificationMessage): string {
  return [message.title, ...message.fields.map((field) => `${field.label}: ${field.value}`)].join("\n");
}

function firedMessage(n: Notification, display: TimeDisplay): NotificationMessage {
  const now = n.lastPrice ?? n.price;
  // The level was crossed inside a window of trades; when the last of them is elsewhere, say both.
  const reached = now !== n.price ? ` (reached ${formatPrice(n.price, n.symbol)})` : "";
  const fields: NotificationField[] = [
    field("Price", `${formatPrice(now, n.symbol)}${reached} · ${formatTime(n.firedAt, display)}`, true),
  ];
  const condition = n.condition;
  if (condition.kind === "window") {
    fields.push(...windowFields(n, condition));
  } else if (condition.kind === "volume" || condition.kind === "average" || condition.kind === "rsi") {
    fields.push(...studyFields(n, condition));
  } else if (condition.kind === "extreme") {
    if (n.extreme != null)
      fields.push(field(`Previous ${condition.side}`, formatPrice(n.extreme, n.symbol), true));
    const from = n.extreme != null ? ` from the previous ${condition.side}` : "";
    fields.push(
      field(
        "Move",
        `${formatChange(n.moveAbs, n.symbol, n.price)} (${formatPercent(n.movePercent)})${from}`,
        true,
      ),
    );
  } else if (condition.kind === "trailing") {
    if (n.extreme != null) fields.push(field(extremeName(condition), formatPrice(n.extreme, n.symbol), true));
    if (n.level !== undefined) fields.push(field("Level", formatPrice(n.level, n.symbol), true));
    const from = n.extreme != null ? ` from the ${extremeName(condition).toLowerCase()}` : "";
    fields.push(
      field(
        "Move",
        `${formatChange(n.moveAbs, n.symbol, n.price)} (${formatPercent(n.movePercent)})${from}`,
        true,
      ),
    );
  } else {
    if (condition.kind === "percent" && n.level !== undefined)
      fields.push(field("Level", formatPrice(n.level, n.symbol), true));
    fields.push(
      field(
        "Move",
        `${formatChange(n.moveAbs, n.symbol, n.price)} (${formatPercent(n.movePercent)}) ${sinceReference(n.referenceKind, n.referencePrice, n.symbol)}`,
        true,
      ),
    );
  }
  const again = n.rearm ? fireAgain(n, n.rearm, display) : null;
  if (again) fields.push(field("Repeats", again, false));
  else if (n.repeating) fields.push(field("Repeats", "yes, after its cooldown", false));
  if (n.note) fields.push(field("Note", n.note, false));
  return { title: `🔔 ${firedTitle(n, display)}`, fields };
}

/** The study that made a volume or indicator alert fire: the average, the RSI, today's and the usual volume. */
function studyFields(
  n: Notification,
  condition: AlertCondition & { kind: "volume" | "average" | "rsi" },
): NotificationField[] {
  const study = n.study;
  if (study === undefined) return [];
  switch (condition.kind) {
    case "average":
      return [field(averageName(condition), formatPrice(study.value, n.symbol), true)];
    case "rsi":
      return [field(capitalize(rsiName(condition)), formatRsi(study.value), true)];
    case "volume":
      return [
        field("Volume today", formatVolume(study.value), true),
        ...(study.typical === undefined ? [] : [field("Usual by now", formatVolume(study.typical), true)]),
      ];
  }
}

function expiredMessage(n: Notification, display: TimeDisplay): NotificationMessage {
  const fields = [
    field("Condition", `${describeCondition(n.condition, n.symbol)}, not met before it expired`, false),
    field("Last price", `${formatPrice(n.price, n.symbol)} · ${formatTime(n.firedAt, display)}`, true),
  ];
  if (n.note) fields.push(field("Note", n.note, false));
  return { title: `⌛ Your ${n.symbol} alert expired`, fields };
}

function field(label: string, value: string, inline: boolean): NotificationField {
  return { label, value, inline };
}

/** What happened, in the past tense, with the threshold: `AAPL crossed $200.00 going down`. */
function firedTitle(n: Notification, display: TimeDisplay): string {
  const condition = n.condition;
  const { symbol, side } = n;
  switch (condition.kind) {
    case "price": {
      const target = formatPrice(condition.target, n.symbol);
      if (condition.direction === "above") return `${symbol} rose above ${target}`;
      if (condition.direction === "below") return `${symbol} fell below ${target}`;
      return side
        ? `${symbol} crossed ${target} going ${side === "upper" ? "up" : "down"}`
        : `${symbol} crossed ${target}`;
    }
    case "percent": {
      const reference = referenceName(n.referenceKind, condition.basis);
      if (condition.direction === "move") {
        const way = side === undefined ? "" : side === "upper" ? " up" : " down";
        return `${symbol} moved${way} ${condition.percent}% ${reference}`;
      }
      return `${symbol} is ${condition.direction} ${condition.percent}% ${reference}`;
    }
    case "trailing": {
      const size = formatTrailingOffset(condition.offset, n.symbol);
      return condition.direction === "down"
        ? `${symbol} fell ${size} from its peak (trailing)`
        : `${symbol} rose ${size} from its low (trailing)`;
    }
    case "earnings":
      return `${symbol} earnings`;
    case "window":
      return windowTitle(n, condition);
    case "extreme": {
      // The price that went beyond the previous high (low): what made it fire.
      const previous =
        n.extreme == null ? "" : ` (previous ${condition.side} ${formatPrice(n.extreme, n.symbol)})`;
      return `${symbol} made a new ${extremeSpanName(condition)} ${condition.side}: ${formatPrice(n.price, n.symbol)}${previous}`;
    }
    case "average": {
      // The trade that reached the average, and the average it reached.
      const name = averageName(condition);
      const what =
        condition.direction === "above"
          ? `rose above its ${name}`
          : condition.direction === "below"
            ? `fell below its ${name}`
            : `crossed its ${name}${side === undefined ? "" : ` going ${side === "upper" ? "up" : "down"}`}`;
      const value =
        n.study === undefined
          ? ""
          : `: ${formatPrice(n.price, n.symbol)} (${condition.average.toUpperCase()} ${formatPrice(n.study.value, n.symbol)})`;
      return `${symbol} ${what}${value}`;
    }
    case "rsi": {
      const verb = condition.direction === "below" ? "fell" : "rose";
      return n.study === undefined
        ? `${symbol} ${rsiName(condition)} ${verb} ${condition.direction} ${condition.level}`
        : `${symbol} ${rsiName(condition)} ${verb} to ${formatRsi(n.study.value)} (${condition.direction} ${condition.level})`;
    }
    case "volume": {
      const study = n.study;
      if (study?.typical === undefined || study.typical <= 0)
        return `${symbol} volume is ${condition.multiple}× the usual by this time of day`;
      return `${symbol} volume is ${formatMultiple(study.value / study.typical)} the usual by ${formatTimeOfDay(n.firedAt, display)} (${formatVolume(study.value)} vs ${formatVolume(study.typical)})`;
    }
  }
}

/** `1h low`, `15m high`: the window's value a move within a window was measured from. */
function windowExtremeName(n: Notification, condition: WindowCondition): string {
  return `${formatDuration(condition.windowSeconds)} ${n.side === "lower" ? "high" : "low"}`;
}

/**
 * `AAPL is up 3.2% from its 1h low of $100.00 (now $103.20)`: the move, from the window's value that made it
 * fire (its low for a rise, its high for a fall), to the price that completed it.
 */
function windowTitle(n: Notification, condition: WindowCondition): string {
  if (n.extreme == null || n.side === undefined)
    return `${n.symbol} ${condition.direction === "move" ? "moved" : `is ${condition.direction}`} ${condition.percent}% within ${formatDuration(condition.windowSeconds)}`;
  const percent = Math.abs(((n.price - n.extreme) / n.extreme) * 100);
  const at = (n.lastPrice ?? n.price) === n.price ? "now" : "reached";
  return `${n.symbol} is ${n.side === "upper" ? "up" : "down"} ${percent.toFixed(1)}% from its ${windowExtremeName(n, condition)} of ${formatPrice(n.extreme, n.symbol)} (${at} ${formatPrice(n.price, n.symbol)})`;
}

/** The window's low (high), the level and the move from it. */
function windowFields(n: Notification, condition: WindowCondition): NotificationField[] {
  const fields: NotificationField[] = [];
  const name = windowExtremeName(n, condition);
  if (n.extreme != null) fields.push(field(capitalize(name), formatPrice(n.extreme, n.symbol), true));
  if (n.level !== undefined) fields.push(field("Level", formatPrice(n.level, n.symbol), true));
  const from = n.extreme != null ? ` from the ${name}` : "";
  fields.push(
    field(
      "Move",
      `${formatChange(n.moveAbs, n.symbol, n.price)} (${formatPercent(n.movePercent)})${from}`,
      true,
    ),
  );
  return fields;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function extremeName(condition: AlertCondition & { kind: "trailing" }): string {
  return condition.direction === "down" ? "Peak" : "Low";
}

/** The reference of a percent alert in a title: `from the previous close`, `since its last alert`. */
function referenceName(kind: ReferenceKind | undefined, basis: "last" | "close"): string {
  const known = kind ?? (basis === "close" ? "previousClose" : "whenSet");
  if (known === "previousClose") return "from the previous close";
  if (known === "lastFiring") return "since its last alert";
  if (known === "window") return "within its window";
  return "from the price when set";
}

/** `since the previous close ($200.00)`; an older notification that does not say which reference it is. */
function sinceReference(kind: ReferenceKind | undefined, price: number, symbol: string): string {
  const at = formatPrice(price, symbol);
  if (kind === "previousClose") return `since the previous close (${at})`;
  if (kind === "lastFiring") return `since its last alert (${at})`;
  if (kind === "whenSet") return `since it was set (${at})`;
  if (kind === "window") return `from the window's low or high (${at})`;
  return `since ${at}`;
}

/** When and where a repeating alert can fire next, from the state the matcher re-armed it into. */
function fireAgain(n: Notification, rearm: NonNullable<Notification["rearm"]>, display: TimeDisplay): string {
  const after = `after ${formatTime(rearm.at, display)}`;
  const condition = n.condition;
  if (condition.kind === "window") {
    const verb = condition.direction === "move" ? "moves" : condition.direction === "up" ? "rises" : "falls";
    return `${after}, whenever ${n.symbol} ${verb} ${condition.percent}% within ${formatDuration(condition.windowSeconds)} again`;
  }
  if (condition.kind === "volume")
    return `${after}, on a later trading day when volume is ${condition.multiple}× the usual again`;
  if (condition.kind === "rsi") {
    // The rule book re-arms once the RSI is back across the level by a band, so a reading hovering there is quiet.
    const back = `${condition.direction === "below" ? "above" : "below"} ${rsiRearmLevel(condition.direction, condition.level)}`;
    return `${after}, once the ${rsiName(condition)} has been back ${back}`;
  }
  if (condition.kind === "average") {
    const name = averageName(condition);
    if (condition.direction === "cross") {
      if (n.side === undefined) return `${after}, when ${n.symbol} crosses its ${name} again`;
      return `${after}, when ${n.symbol} crosses back ${n.side === "upper" ? "below" : "above"} its ${name}`;
    }
    return `${after}, once ${n.symbol} has been back ${condition.direction === "above" ? "below" : "above"} its ${name}`;
  }
  if (condition.kind === "extreme") {
    const beyond = condition.side === "high" ? "above" : "below";
    return `${after}, at the next trade ${beyond} the ${extremeSpanName(condition)} ${condition.side} so far`;
  }
  if (condition.kind === "trailing") {
    return rearm.extreme === null
      ? after
      : `${after}, trailing again from ${formatPrice(rearm.extreme, n.symbol)}`;
  }
  if (rearm.band !== null && condition.kind === "price") {
    const back = condition.direction === "above" ? "at or below" : "at or above";
    return `${after}, once ${n.symbol} has been back ${back} ${formatPrice(rearm.band, n.symbol)}`;
  }
  if (rearm.upper !== null && rearm.lower !== null)
    return `${after}, at ${formatPrice(rearm.upper, n.symbol)} (up) or ${formatPrice(rearm.lower, n.symbol)} (down)`;
  if (rearm.upper !== null) return `${after}, on a rise to ${formatPrice(rearm.upper, n.symbol)}`;
  if (rearm.lower !== null) return `${after}, on a fall to ${formatPrice(rearm.lower, n.symbol)}`;
  return after;
}
