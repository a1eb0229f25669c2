// The alert state machine between firings, as pure functions of an alert's rule and its runtime state.
//
//   armed --fires--> (one-shot: done)
//         --fires--> cooling (repeating: generation + 1, levels re-based by afterFiring)
//   cooling --cooldown over--> armed, or awaitingBand for `above`/`below` (price, moving average, RSI)
//   awaitingBand --price (the RSI) back across the band--> armed
//
// A volume alert cools until its cooldown is over AND its symbol's next trading day has begun (at most one firing
// a day); a moving-average cross flips the side it watches (`watch`) on each firing. Volume and indicator alerts
// move only on ticks that carry their study.
//
// A tick that reaches an alert's expiry ends it, whatever its phase. The runtime state is what the matcher owns;
// the alert service stores its latest copy in the alert's record, and runtimeStateOf reads it back from there
// (the path a matcher takes when it starts or takes a partition over).
import type { Alert, AlertCondition, AlertPhase, AlertRuntimeState } from "@tickerbell/contracts";
import { sessionEndsAt } from "./extreme.ts";
import { crossNextLevels, percentThresholds, rearmBandLevel } from "./levels.ts";

/** The parts of an alert's definition that decide when it fires. */
export interface AlertRule {
  condition: AlertCondition;
  /** The repeat cooldown in milliseconds; null for a one-shot alert. */
  cooldownMs: number | null;
  /** Epoch milliseconds; the first tick at or after it ends the alert. */
  expiresAtMs: number | null;
  /** Fires only on ticks inside US regular trading hours. */
  regularHoursOnly: boolean;
  /** The symbol, for the trading day a session high/low starts again on (absent: a stock's New York day). */
  symbol?: string | undefined;
}

export function ruleOf(
  alert: Pick<Alert, "condition" | "repeat" | "expiresAt" | "regularHoursOnly"> &
    Partial<Pick<Alert, "symbol">>,
): AlertRule {
  return {
    condition: alert.condition,
    cooldownMs: alert.repeat ? alert.repeat.cooldownSeconds * 1000 : null,
    expiresAtMs: alert.expiresAt === null ? null : Date.parse(alert.expiresAt),
    regularHoursOnly: alert.regularHoursOnly,
    symbol: alert.symbol,
  };
}

export function isTrailing(condition: AlertCondition): boolean {
  return condition.kind === "trailing";
}

/** Kinds whose runtime state carries a running extreme: trailing peaks and troughs, new highs and lows. */
export function tracksExtreme(condition: AlertCondition): boolean {
  return condition.kind === "trailing" || condition.kind === "extreme";
}

/** A moving-average `cross` alert: its runtime state says which side of the average it watches (`watch`). */
export function isAverageCross(condition: AlertCondition): boolean {
  return condition.kind === "average" && condition.direction === "cross";
}

/** A session high/low alert: its running extreme starts again with each trading day. */
export function isSessionExtreme(condition: AlertCondition): boolean {
  return condition.kind === "extreme" && condition.span === "session";
}

/**
 * Repeating `above`/`below` alerts wait for a band after their cooldown (price and moving-average alerts the
 * hysteresis band, RSI alerts RSI_BAND_POINTS); others re-arm at once.
 */
export function waitsForBand(condition: AlertCondition): boolean {
  switch (condition.kind) {
    case "price":
    case "average":
      return condition.direction !== "cross";
    case "rsi":
      return true;
    default:
      return false;
  }
}

/**
 * Where an awaiting price alert re-arms: price at or below (`above`: at or above) this level. Null for the other
 * kinds: a moving-average alert's band moves with the average (stepAlert reads it from the tick), an RSI alert's
 * is in RSI points (rsiRearmLevel).
 */
export function bandLevelOf(condition: AlertCondition): number | null {
  return condition.kind === "price" && condition.direction !== "cross"
    ? rearmBandLevel(condition.direction, condition.target)
    : null;
}

/** The phase a repeating alert enters when its cooldown is over. */
export function phaseAfterCooldown(condition: AlertCondition): AlertPhase {
  return waitsForBand(condition) ? "awaitingBand" : "armed";
}

/**
 * When a repeating alert that fired at `firedAt` may fire again (epoch ms): after its cooldown, and for a volume
 * alert (at most once per trading day) not before its symbol's next trading day.
 */
export function repeatAllowedAt(rule: AlertRule, firedAt: number): number {
  const end = firedAt + (rule.cooldownMs ?? 0);
  if (rule.condition.kind !== "volume") return end;
  return Math.max(end, sessionEndsAt(rule.symbol ?? "", firedAt));
}

/** When a cooling alert's cooldown ends (epoch ms); null when it is not cooling. */
export function cooldownEndsAt(rule: AlertRule, state: AlertRuntimeState): number | null {
  if (state.phase !== "cooling" || rule.cooldownMs === null || state.lastFiredAt === null) return null;
  return repeatAllowedAt(rule, state.lastFiredAt);
}

export function isExpiredAt(rule: AlertRule, ts: number): boolean {
  return rule.expiresAtMs !== null && ts >= rule.expiresAtMs;
}

/**
 * The state of a repeating alert after it fired on `side` at `price` (the window's high for an upper level, its
 * low for a lower one) at `ts`: the next generation, cooling, and its levels re-based so it watches for the next
 * move rather than the one that just happened.
 */
export function afterFiring(
  rule: AlertRule,
  state: AlertRuntimeState,
  side: "upper" | "lower",
  price: number,
  ts: number,
): AlertRuntimeState {
  const next: AlertRuntimeState = {
    ...state,
    generation: state.generation + 1,
    phase: "cooling",
    lastFiredAt: ts,
    lastFirePrice: price,
  };
  const condition = rule.condition;
  switch (condition.kind) {
    case "price":
      // `above`/`below` keep their level (the band wait follows the cooldown); `cross` watches the other side.
      return condition.direction === "cross" ? { ...next, ...crossNextLevels(condition.target, side) } : next;
    case "percent":
      return {
        ...next,
        referencePrice: price,
        ...percentThresholds(price, condition.direction, condition.percent),
      };
    case "trailing":
      // Trails again from the price that fired it.
      return { ...next, referencePrice: price, extreme: price };
    case "earnings":
      // Never fires on a price (stepAlert); its firings are the earnings scheduler's.
      return next;
    case "average":
      // A cross watches the other side of the average next; above/below wait for the band after the cooldown.
      return condition.direction === "cross"
        ? { ...next, watch: side === "upper" ? "lower" : "upper" }
        : next;
    case "volume":
      // The next trading day (after the cooldown) it fires again; cooldownEndsAt holds it back till then.
      return next;
    case "rsi":
      // Waits for the RSI back across the band after the cooldown.
      return next;
    case "window":
      // Its levels come from the window, so nothing re-bases: after the cooldown it fires whenever the move holds.
      return next;
    case "extreme":
      // The trade that fired is the new running extreme (it went beyond the old one); it keeps moving while cooling.
      return { ...next, extreme: price };
  }
}

/**
 * A state its definition allows. A definition change can leave a phase behind that no longer applies (`repeat`
 * removed while cooling): such an alert is armed again rather than refused, so an edit can never wedge an alert.
 */
export function consistentState(rule: AlertRule, state: AlertRuntimeState): AlertRuntimeState {
  if (state.phase === "cooling" && (rule.cooldownMs === null || state.lastFiredAt === null))
    return { ...state, phase: "armed" };
  if (state.phase === "awaitingBand" && (rule.cooldownMs === null || !waitsForBand(rule.condition)))
    return { ...state, phase: "armed" };
  return state;
}

/** The fields of an alert record that hold its runtime state. */
export type RuntimeRecordFields = Pick<
  Alert,
  | "generation"
  | "phase"
  | "referencePrice"
  | "thresholds"
  | "extreme"
  | "lastTriggeredAt"
  | "lastTriggerPrice"
  | "extremeSince"
  | "watch"
>;

/**
 * The runtime state kept in a stored alert record: what a matcher that takes the alert over starts from. A
 * record the matcher never touched is armed at its creation levels.
 */
export function runtimeStateOf(
  alert: RuntimeRecordFields &
    Pick<Alert, "condition" | "repeat"> &
    Partial<Pick<Alert, "expiresAt" | "regularHoursOnly" | "createdAt">>,
): AlertRuntimeState {
  const trailing = isTrailing(alert.condition);
  const extreme = tracksExtreme(alert.condition);
  const state: AlertRuntimeState = {
    generation: alert.generation,
    phase: alert.phase,
    referencePrice: alert.referencePrice,
    upper: trailing ? null : alert.thresholds.upper,
    lower: trailing ? null : alert.thresholds.lower,
    extreme: extreme ? (alert.extreme ?? alert.referencePrice) : null,
    lastFiredAt: alert.lastTriggeredAt === null ? null : Date.parse(alert.lastTriggeredAt),
    lastFirePrice: alert.lastTriggerPrice,
  };
  if (isSessionExtreme(alert.condition)) {
    // A record from before its first checkpoint holds its session from creation.
    const since = alert.extremeSince ?? alert.createdAt ?? null;
    state.extremeSince = since === null ? null : Date.parse(since);
  }
  if (isAverageCross(alert.condition)) state.watch = alert.watch ?? null;
  return consistentState(
    ruleOf({
      condition: alert.condition,
      repeat: alert.repeat,
      expiresAt: alert.expiresAt ?? null,
      regularHoursOnly: alert.regularHoursOnly ?? false,
    }),
    state,
  );
}

/** The record fields that hold a runtime state (what the alert service writes when the matcher reports one). */
export function recordFieldsOf(state: AlertRuntimeState): RuntimeRecordFields {
  return {
    generation: state.generation,
    phase: state.phase,
    referencePrice: state.referencePrice,
    thresholds: { upper: state.upper, lower: state.lower },
    extreme: state.extreme,
    lastTriggeredAt: state.lastFiredAt === null ? null : new Date(state.lastFiredAt).toISOString(),
    lastTriggerPrice: state.lastFirePrice,
    ...(state.extremeSince === undefined
      ? {}
      : { extremeSince: state.extremeSince === null ? null : new Date(state.extremeSince).toISOString() }),
    ...(state.watch === undefined ? {} : { watch: state.watch }),
  };
}
