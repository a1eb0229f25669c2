// One alert, one tick: the whole state machine written plainly. This is the definition the matcher's index must
// reproduce (its property test compares the two on random streams); the index is the same rules arranged so a
// tick never scans alerts.
import type { AlertRuntimeState, ExtremeCondition, StudyKey, TickStudies } from "@tickerbell/contracts";
import { beyondExtreme, movedExtreme, sessionEndsAt } from "./extreme.ts";
import { rearmBandLevel, trailingLevel } from "./levels.ts";
import {
  type AlertRule,
  afterFiring,
  bandLevelOf,
  cooldownEndsAt,
  isExpiredAt,
  phaseAfterCooldown,
} from "./runtime.ts";
import {
  isStudyCondition,
  rsiRearmLevel,
  type StudyCondition,
  studyReadingOf,
  volumeReached,
} from "./studies.ts";
import { type PriceWindowView, windowLevels } from "./window.ts";

/** A price tick as the rules read it: the last price and, for a conflated window, its high and low. */
export interface TickWindow {
  price: number;
  ts: number;
  high?: number | undefined;
  low?: number | undefined;
  /** The symbol's studies at this tick (what volume and indicator alerts read); absent: none known. */
  studies?: TickStudies | undefined;
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
  /**
   * Volume and indicator alerts: the study value that made it fire (the average, the RSI, today's volume with the
   * typical volume by this time of day).
   */
  study?: { key: StudyKey; value: number; typical?: number };
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
  if (isStudyCondition(condition)) return stepStudy(rule, condition, state, tick, high, low);
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

/**
 * A volume or indicator alert on one tick. A tick without its study's value leaves it alone (no firing, no
 * cooldown ending, no band). Otherwise as a price alert whose level is the study: a cooldown that ended arms it
 * (above/below: starts the band wait); an awaiting alert re-arms when the band is reached and can fire from the
 * next tick on; an armed alert fires when the value is reached:
 * - volume: today's volume >= multiple x the typical volume by this time of day (price: the tick's);
 * - average: the window's high at or above the average (`above`, a cross watching `upper`), its low at or below
 *   it (`below`, a cross watching `lower`; a cross with no side known watches both, upper first); its band is the
 *   price hysteresis band measured from the average at that tick;
 * - rsi: the RSI at or above (at or below) the level (price: the tick's); its band is RSI_BAND_POINTS back.
 */
function stepStudy(
  rule: AlertRule,
  condition: StudyCondition,
  state: AlertRuntimeState,
  tick: TickWindow,
  high: number,
  low: number,
): StepResult {
  const reading = studyReadingOf(condition, tick.studies);
  if (reading === null) return { kind: "none", next: state };
  const ts = tick.ts;
  let next = state;
  const cooldownEnd = cooldownEndsAt(rule, next);
  if (cooldownEnd !== null && ts >= cooldownEnd) next = { ...next, phase: phaseAfterCooldown(condition) };
  const value = reading.value;
  if (next.phase === "awaitingBand") {
    const reached = studyBandReached(condition, value, high, low);
    return { kind: "none", next: reached ? { ...next, phase: "armed" } : next };
  }
  if (next.phase !== "armed") return { kind: "none", next };
  let hit: Hit | null = null;
  switch (condition.kind) {
    case "volume":
      if (volumeReached(condition.multiple, tick.studies!.volume!))
        hit = { side: "upper", level: condition.multiple * reading.typical!, price: tick.price };
      break;
    case "average": {
      const watch = condition.direction === "cross" ? (next.watch ?? null) : null;
      const up = condition.direction === "above" || (condition.direction === "cross" && watch !== "lower");
      const down = condition.direction === "below" || (condition.direction === "cross" && watch !== "upper");
      if (up && high >= value) hit = { side: "upper", level: value, price: high };
      else if (down && low <= value) hit = { side: "lower", level: value, price: low };
      break;
    }
    case "rsi":
      if (condition.direction === "above" ? value >= condition.level : value <= condition.level)
        hit = {
          side: condition.direction === "above" ? "upper" : "lower",
          level: condition.level,
          price: tick.price,
        };
      break;
  }
  if (!hit) return { kind: "none", next };
  hit.study = reading;
  return {
    kind: "fired",
    hit,
    before: next,
    next: rule.cooldownMs === null ? null : afterFiring(rule, next, hit.side, hit.price, ts),
  };
}

/** Whether an awaiting above/below study alert is back across its band at this tick's value. */
export function studyBandReached(
  condition: StudyCondition,
  value: number,
  high: number,
  low: number,
): boolean {
  switch (condition.kind) {
    case "average":
      if (condition.direction === "cross") return true;
      return condition.direction === "above"
        ? low <= rearmBandLevel("above", value)
        : high >= rearmBandLevel("below", value);
    case "rsi":
      return condition.direction === "above"
        ? value <= rsiRearmLevel("above", condition.level)
        : value >= rsiRearmLevel("below", condition.level);
    case "volume":
      return true;
  }
}
