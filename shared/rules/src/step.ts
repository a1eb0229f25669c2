// One alert, one tick: the whole state machine written plainly. This is the definition the matcher's index must
// reproduce (its property test compares the two on random streams); the index is the same rules arranged so a
// tick never scans alerts.
import type { AlertRuntimeState, ExtremeCondition } from "@tickerbell/contracts";
import { beyondExtreme, movedExtreme, sessionEndsAt } from "./extreme.ts";
import { trailingLevel } from "./levels.ts";
import {
  type AlertRule,
  afterFiring,
  bandLevelOf,
  cooldownEndsAt,
  isExpiredAt,
  phaseAfterCooldown,
} from "./runtime.ts";
import { type PriceWindowView, windowLevels } from "./window.ts";

/** A price tick as the rules read it: the last price and, for a conflated window, its high and low. */
export interface TickWindow {
  price: number;
  ts: number;
  high?: number | undefined;
  low?: number | undefined;
}

export interface Hit {
  /** `upper`: price rose to the level; `lower`: it fell to it. */
  side: "upper" | "lower";
  level: number;
  /** The price that crossed it: the window's high for an upper level, its low for a lower one. */
  price: number;
  /**
   * Window alerts: the window's low (an upper level) or high (a lower one) the level was computed from. Extreme
   * alerts: the running high (low) the trade went beyond, the same as `level`.
   */
  extreme?: number;
}

export type StepResult =
  | { kind: "expired" }
  /** `next` is null for a one-shot alert: it is done. */
  | { kind: "fired"; hit: Hit; before: AlertRuntimeState; next: AlertRuntimeState | null }
  | { kind: "none"; next: AlertRuntimeState };

/** The window's extremes, the conservative reading of a conflated tick: a reversal inside it is never missed. */
export function windowOf(tick: TickWindow): { high: number; low: number } {
  return {
    high: Math.max(tick.price, tick.high ?? tick.price),
    low: Math.min(tick.price, tick.low ?? tick.price),
  };
}

/**
 * Applies one tick to one alert, in this order: expiry; outside regular hours a regular-hours-only alert is
 * untouched; a trailing peak (trough) moves to the window's high (low) first, as if the high came before the low;
 * a cooldown that ended arms the alert (or starts its band wait); an awaiting alert re-arms if the window reached
 * the band and can fire from the next tick on; an armed alert fires on its upper level first (a two-sided move
 * hit on both sides fires once, upward), then its lower level. A window alert reads its levels from `history`,
 * which must already hold this tick (its low before its high, the conservative reading again).
 */
export function stepAlert(
  rule: AlertRule,
  state: AlertRuntimeState,
  tick: TickWindow,
  regularHoursOpen: boolean,
  history?: PriceWindowView,
): StepResult {
  const ts = tick.ts;
  if (isExpiredAt(rule, ts)) return { kind: "expired" };
  if (rule.regularHoursOnly && !regularHoursOpen) return { kind: "none", next: state };
  // Due by the earnings calendar, never by a price: a tick only expires it.
  if (rule.condition.kind === "earnings") return { kind: "none", next: state };
  const { high, low } = windowOf(tick);
  const condition = rule.condition;
  if (condition.kind === "extreme") return stepExtreme(rule, condition, state, high, low, ts);
  let next = state;
  if (condition.kind === "trailing" && next.extreme !== null) {
    const extreme =
      condition.direction === "down" ? Math.max(next.extreme, high) : Math.min(next.extreme, low);
    if (extreme !== next.extreme) next = { ...next, extreme };
  }
  const cooldownEnd = cooldownEndsAt(rule, next);
  if (cooldownEnd !== null && ts >= cooldownEnd) next = { ...next, phase: phaseAfterCooldown(condition) };
  if (next.phase === "awaitingBand") {
    const band = bandLevelOf(condition);
    if (band === null) throw new Error("only repeating above/below alerts wait for the band");
    const reached =
      condition.kind === "price" && condition.direction === "above" ? low <= band : high >= band;
    return { kind: "none", next: reached ? { ...next, phase: "armed" } : next };
  }
  if (next.phase !== "armed") return { kind: "none", next };
  let hit: Hit | null = null;
  if (condition.kind === "window") {
    if (!history) throw new Error("a window alert is stepped with its symbol's price history");
    const extremes = history.windowExtremes(condition.windowSeconds);
    if (extremes === null) return { kind: "none", next };
    const levels = windowLevels(condition.direction, condition.percent, extremes);
    if (levels.upper !== null && high >= levels.upper)
      hit = { side: "upper", level: levels.upper, price: high, extreme: extremes.low };
    else if (levels.lower !== null && low <= levels.lower)
      hit = { side: "lower", level: levels.lower, price: low, extreme: extremes.high };
  } else if (condition.kind === "trailing") {
    const level = trailingLevel(
      condition.direction,
      condition.offset.unit,
      condition.offset.value,
      next.extreme!,
    );
    if (condition.direction === "down" && low <= level) hit = { side: "lower", level, price: low };
    if (condition.direction === "up" && high >= level) hit = { side: "upper", level, price: high };
  } else if (next.upper !== null && high >= next.upper) {
    hit = { side: "upper", level: next.upper, price: high };
  } else if (next.lower !== null && low <= next.lower) {
    hit = { side: "lower", level: next.lower, price: low };
  }
  if (!hit) return { kind: "none", next };
  return {
    kind: "fired",
    hit,
    before: next,
    next: rule.cooldownMs === null ? null : afterFiring(rule, next, hit.side, hit.price, ts),
  };
}

/**
 * A new high (low) alert on one trade window: the first trade of a new trading day starts a session's running
 * extreme again at that trade and never fires; otherwise an armed alert fires when the trade goes strictly beyond
 * the running extreme, and the extreme follows every trade beyond it, firing or not (also while cooling).
 */
function stepExtreme(
  rule: AlertRule,
  condition: ExtremeCondition,
  state: AlertRuntimeState,
  high: number,
  low: number,
  ts: number,
): StepResult {
  let next = state;
  let sessionStarts = false;
  if (condition.span === "session") {
    if (next.extremeSince === undefined || next.extremeSince === null) next = { ...next, extremeSince: ts };
    else if (ts >= sessionEndsAt(rule.symbol ?? "", next.extremeSince)) {
      next = { ...next, extreme: condition.side === "high" ? high : low, extremeSince: ts };
      sessionStarts = true;
    }
  }
  const cooldownEnd = cooldownEndsAt(rule, next);
  if (cooldownEnd !== null && ts >= cooldownEnd) next = { ...next, phase: "armed" };
  const extreme = next.extreme ?? (condition.side === "high" ? high : low);
  if (sessionStarts || next.phase !== "armed" || !beyondExtreme(condition.side, extreme, high, low)) {
    const moved = movedExtreme(condition.side, extreme, high, low);
    return { kind: "none", next: moved === next.extreme ? next : { ...next, extreme: moved } };
  }
  const hit: Hit =
    condition.side === "high"
      ? { side: "upper", level: extreme, price: high, extreme }
      : { side: "lower", level: extreme, price: low, extreme };
  return {
    kind: "fired",
    hit,
    before: next,
    next: rule.cooldownMs === null ? null : afterFiring(rule, next, hit.side, hit.price, ts),
  };
}
