// The price formulas of every alert kind. Everything that computes a level - the alert service when an alert
// is created, the matcher's index when it fires and re-arms, the reference evaluator of the tests - calls these,
// so they agree bit for bit.
import type { AlertCondition, PercentCondition } from "@tickerbell/contracts";

/**
 * How far (as a fraction of the level) price must move back across a repeating price alert's level before the
 * alert can fire again: 0.5%, so a price hovering at 200.00 does not re-fire `above 200` until it has been at or
 * below 199.00 after the cooldown, and a `cross 200` that fired upward next fires at or below 199.00.
 */
export const HYSTERESIS_FRACTION = 0.005;

/** Drops binary floating-point noise (190 * 1.05 = 199.50000000000003) without losing real precision. */
export function roundPrice(value: number): number {
  return Number(value.toPrecision(12));
}

export function upFactor(percent: number): number {
  return 1 + percent / 100;
}

export function downFactor(percent: number): number {
  return 1 - percent / 100;
}

/** Absolute levels; null where that side does not fire. */
export interface Levels {
  upper: number | null;
  lower: number | null;
}

/** Levels of a percent alert around `reference`: at creation, and the next step after a repeating firing. */
export function percentThresholds(
  reference: number,
  direction: PercentCondition["direction"],
  percent: number,
): Levels {
  return {
    upper: direction === "down" ? null : roundPrice(reference * upFactor(percent)),
    lower: direction === "up" ? null : roundPrice(reference * downFactor(percent)),
  };
}

/** `above X` re-arms once price is at or below this band level; `below X` once at or above it. */
export function rearmBandLevel(direction: "above" | "below", target: number): number {
  return direction === "above" ? target * (1 - HYSTERESIS_FRACTION) : target * (1 + HYSTERESIS_FRACTION);
}

/**
 * After a repeating `cross X` fires on one side it watches the other side, shifted by the hysteresis band:
 * having crossed up through X it next fires at or below X(1-h), having crossed down at or above X(1+h).
 */
export function crossNextLevels(target: number, firedSide: "upper" | "lower"): Levels {
  return firedSide === "upper"
    ? { upper: null, lower: target * (1 - HYSTERESIS_FRACTION) }
    : { upper: target * (1 + HYSTERESIS_FRACTION), lower: null };
}

/**
 * The multiplier of a percent trailing alert: its level is extreme * factor. Exposed apart from trailingLevel
 * for the matcher's trailing book, which keeps alerts ordered by it.
 */
export function trailingPercentFactor(direction: "down" | "up", percent: number): number {
  return direction === "down" ? downFactor(percent) : upFactor(percent);
}

/** The level a trailing alert fires at, given its peak (`down`) or trough (`up`). */
export function trailingLevel(
  direction: "down" | "up",
  unit: "percent" | "amount",
  value: number,
  extreme: number,
): number {
  if (unit === "percent") return extreme * trailingPercentFactor(direction, value);
  return direction === "down" ? extreme - value : extreme + value;
}

/** What a stored alert record says about where it fires (see standingLevels). */
export interface StandingLevelsInput {
  condition: AlertCondition;
  thresholds: Levels;
  /** A trailing alert's peak (`down`) or trough (`up`) so far; null before the matcher moved it. */
  extreme: number | null;
  referencePrice: number;
}

/**
 * The levels an active alert stands at, as far as its record tells without a price: a price or percent alert's
 * stored thresholds, a trailing alert's level from its stored peak or trough. A window alert's levels follow the
 * window's high and low, which only the price history knows, and an earnings alert has none: both answer none.
 * The pricing service ranks symbols by how close price is to these (see the alert service's demand).
 */
export function standingLevels(alert: StandingLevelsInput): Levels {
  const { condition } = alert;
  switch (condition.kind) {
    case "price":
    case "percent":
      return alert.thresholds;
    case "trailing": {
      const level = trailingLevel(
        condition.direction,
        condition.offset.unit,
        condition.offset.value,
        alert.extreme ?? alert.referencePrice,
      );
      // A dollar trail larger than the peak has no level above zero to reach.
      if (condition.direction === "down") return { upper: null, lower: level > 0 ? level : null };
      return { upper: level, lower: null };
    }
    default:
      return { upper: null, lower: null };
  }
}
