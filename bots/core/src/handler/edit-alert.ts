import type { Alert, AlertCondition, MarketContext, UpdateAlertRequest } from "@tickerbell/contracts";
import { earningsRefusal, regularHoursRefusal } from "@tickerbell/rules";
import { ApiError } from "../clients/http.ts";
import {
  averageName,
  describeAlert,
  describeCondition,
  formatDuration,
  formatPrice,
  rsiName,
} from "../format/format.ts";
import type { TimeDisplay } from "../format/time.ts";
import type { AlertRef, EditCommand, EditLevel } from "../grammar/commands.ts";
import { capitalize } from "../grammar/refusal.ts";
import { readMultiple, readRsiLevel } from "../grammar/studies.ts";
import { marketFor } from "./market.ts";
import type { AlertsApi, ChatContext, PriceLookup, Reply } from "./ports.ts";

// `/edit N …`: one PATCH of the alert the user points at. A new level goes with the market now (the alert service
// re-bases it from there, as for a new alert, and re-arms it); a note, repeat or expiry alone changes only that.

export interface AlertEditorDeps {
  alerts: Pick<AlertsApi, "updateAlert">;
  prices: PriceLookup;
  now: () => Date;
  /** How the user reads times (their zone, or Discord's timestamps). */
  display: TimeDisplay;
  /** The alert a reference points at (the handler's own lookup: list numbers, id prefixes). */
  findAlert(ctx: ChatContext, ref: AlertRef): Promise<Alert>;
  /**
   * A changed alert as the handler shows one, with the buttons for its state; with the market of a new level, a
   * volume or indicator alert also says where its study is now.
   */
  acted(alert: Alert, what: string, display: TimeDisplay, market?: MarketContext): Reply;
}

export async function editAlert(
  deps: AlertEditorDeps,
  ctx: ChatContext,
  command: EditCommand,
): Promise<Reply> {
  const alert = await deps.findAlert(ctx, command.ref);
  if (command.regularHoursOnly === true) {
    const why = regularHoursRefusal(alert.symbol);
    if (why !== null) return { text: why };
  }
  const update: UpdateAlertRequest = {
    ...(command.note === undefined ? {} : { note: command.note }),
    ...(command.repeat === undefined ? {} : { repeat: command.repeat }),
    ...(command.expiresAt === undefined ? {} : { expiresAt: command.expiresAt }),
    ...(command.regularHoursOnly === undefined ? {} : { regularHoursOnly: command.regularHoursOnly }),
    ...(command.urgent === undefined ? {} : { urgent: command.urgent }),
  };
  let priceNow: number | null = null;
  if (command.level !== null) {
    const condition = conditionFor(alert, command.level);
    if (typeof condition === "string") return { text: condition };
    const noEarnings = condition.kind === "earnings" ? earningsRefusal(alert.symbol) : null;
    if (noEarnings !== null) return { text: noEarnings };
    if (JSON.stringify(condition) !== JSON.stringify(alert.condition)) {
      const quote = await deps.prices.quote(alert.symbol);
      if (!quote)
        return {
          text: `I have no price for ${alert.symbol} right now, so I can't set a new level; try again shortly.`,
        };
      if (condition.kind === "percent" && condition.basis === "close" && quote.previousClose === null)
        return {
          text: `I don't have ${alert.symbol}'s previous close yet; try a move from the current price.`,
        };
      const market = await marketFor(condition, alert.symbol, quote, deps.prices);
      if (!market.ok) return { text: market.text };
      priceNow = quote.price;
      update.condition = condition;
      update.market = market.market;
    }
  }
  if (Object.keys(update).length === 0)
    return { text: `Nothing to change: ${describeAlert(alert, deps.now(), deps.display)}` };
  let updated: Alert;
  try {
    updated = await deps.alerts.updateAlert(ctx, alert.id, update);
  } catch (error) {
    if (error instanceof ApiError && error.code === "duplicate_alert") {
      const existing = (error.details as { existing?: Alert } | null)?.existing;
      const twin = existing ? `: ${describeAlert(existing, deps.now(), deps.display)}` : "";
      return { text: `You already have that alert${twin}\nThis one was not changed.` };
    }
    throw error;
  }
  if (updated.version === alert.version)
    return { text: `Nothing to change: ${describeAlert(updated, deps.now(), deps.display)}` };
  const reply = deps.acted(updated, "✏️ Changed", deps.display, update.market);
  const lines = [reply.text];
  if (update.condition !== undefined) {
    lines.push(
      `Was ${describeCondition(alert.condition, alert.symbol)}; armed again at the new level${alert.lastTriggeredAt ? " (its firings stay in /history)" : ""}.`,
    );
  }
  if (priceNow !== null) lines.push(`${alert.symbol} is at ${formatPrice(priceNow, alert.symbol)} now.`);
  return { ...reply, text: lines.join("\n") };
}

/** The condition a level means for this alert: a whole one as typed, a bare value in the alert's own kind. */
function conditionFor(alert: Alert, level: EditLevel): AlertCondition | string {
  const c = alert.condition;
  if (level.kind === "condition") return level.condition;
  if (c.kind === "extreme") {
    // Its level is the running high (low): there is no number of its own to change.
    const other = c.span === "session" ? `52w ${c.side}` : `new ${c.side}`;
    return `That alert watches for a ${describeCondition(c, alert.symbol)}: it has no level to change. Give a whole condition, like ${other} or above 210.\nExample: /edit ${shortRef(alert)} ${other}`;
  }
  const studied = studyLevel(alert, level);
  if (studied !== null) return studied;
  if (level.kind === "multiple")
    return `A multiple like ${level.value}x is for a volume alert, and that alert is ${describeCondition(c, alert.symbol)}; give a whole condition like volume ${level.value}x.\nExample: /edit ${shortRef(alert)} volume ${level.value}x`;
  if (level.kind === "price") {
    if (c.kind === "price") return { ...c, target: level.value };
    if (c.kind === "trailing") {
      if (!level.text.startsWith("$"))
        return `Trail by ${level.text} what? Write 8% for a percentage or $5 for dollars.\nExample: /edit ${shortRef(alert)} $5`;
      return { ...c, offset: { unit: "amount", value: level.value } };
    }
    return `That alert moves by a percentage (${describeCondition(c, alert.symbol)}); give one like 5%, or a whole condition like above ${level.text.replace(/^\$/, "")}.\nExample: /edit ${shortRef(alert)} 5%`;
  }
  if (level.kind === "window") {
    // A new window keeps the move; a percent alert's move becomes one within the window.
    if (c.kind === "window") return { ...c, windowSeconds: level.seconds };
    if (c.kind === "percent")
      return { kind: "window", direction: c.direction, percent: c.percent, windowSeconds: level.seconds };
    return `Only a percentage move takes a window, and that alert is ${describeCondition(c, alert.symbol)}; give a whole condition like up 3% within ${formatDuration(level.seconds)}.\nExample: /edit ${shortRef(alert)} up 3% within ${formatDuration(level.seconds)}`;
  }
  if (c.kind === "percent" || c.kind === "window") {
    if (c.direction !== "up" && level.value >= 100)
      return "A stock can't fall 100% or more; pick a smaller percentage.";
    if (level.windowSeconds !== undefined)
      return {
        kind: "window",
        direction: c.direction,
        percent: level.value,
        windowSeconds: level.windowSeconds,
      };
    return { ...c, percent: level.value };
  }
  if (c.kind === "trailing") {
    if (level.windowSeconds !== undefined)
      return `A trailing stop has no window; give a whole condition like down ${level.value}% within ${formatDuration(level.windowSeconds)}.\nExample: /edit ${shortRef(alert)} down 3% within 1h`;
    if (level.value >= 100) return "A trailing percentage must be below 100%.";
    return { ...c, offset: { unit: "percent", value: level.value } };
  }
  return `That alert is at a price (${describeCondition(c, alert.symbol)}); give a price like 210, or a whole condition like up ${level.value}%.\nExample: /edit ${shortRef(alert)} 210`;
}

/**
 * A bare value on a volume or indicator alert: `4x` (or `4`) is a volume alert's multiple, `25` an RSI alert's
 * level; a moving average's level is the average itself, so it has none. Null for the other kinds.
 */
function studyLevel(
  alert: Alert,
  level: Exclude<EditLevel, { kind: "condition" }>,
): AlertCondition | string | null {
  const c = alert.condition;
  const ref = shortRef(alert);
  if (c.kind === "volume") {
    const text = level.kind === "multiple" ? `${level.value}x` : level.kind === "price" ? level.text : null;
    if (text === null)
      return `That alert watches volume (${describeCondition(c, alert.symbol)}); give a multiple like 4x.\nExample: /edit ${ref} 4x`;
    const multiple = readMultiple(text);
    if (!multiple.ok) return `${capitalize(multiple.reason)}.\nExample: /edit ${ref} 4x`;
    return { ...c, multiple: multiple.value };
  }
  if (c.kind === "rsi") {
    const example = `/edit ${ref} ${c.direction === "below" ? 25 : 75}`;
    if (level.kind !== "price" || level.text.startsWith("$"))
      return `That alert watches the ${rsiName(c)}; give a level like ${c.direction === "below" ? 25 : 75}, or a whole condition like rsi ${c.direction} ${c.direction === "below" ? 25 : 75}.\nExample: ${example}`;
    const rsiLevel = readRsiLevel(level.text);
    if (!rsiLevel.ok) return `${capitalize(rsiLevel.reason)}.\nExample: ${example}`;
    return { ...c, level: rsiLevel.value };
  }
  if (c.kind === "average") {
    const way = c.direction === "cross" ? "crosses" : c.direction;
    return `That alert watches for price ${way === "crosses" ? "crossing" : way} its ${averageName(c)}: its level is the average itself. Give a whole condition, like ${way} ${c.average} 200 or above 210.\nExample: /edit ${ref} ${way} ${c.average} 200`;
  }
  return null;
}

function shortRef(alert: Alert): string {
  return alert.id.slice(0, 8);
}
