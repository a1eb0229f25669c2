// Turns the alert service's record into what matching needs, and derives the runtime state of an alert the
// matcher has no persisted state for.

import type { Alert } from "@tickerbell/contracts";
import type { AlertRuntimeState } from "./types.ts";

/** Milliseconds of an alert's repeat cooldown, or null for a one-shot alert. */
export function cooldownMsOf(alert: Alert): number | null {
  return alert.repeat ? alert.repeat.cooldownSeconds * 1000 : null;
}

export function expiresAtMsOf(alert: Alert): number | null {
  return alert.expiresAt === null ? null : Date.parse(alert.expiresAt);
}

/**
 * State of an alert seen for the first time (or seen at a newer generation than the matcher knows).
 * A repeating alert that has fired before (lastTriggeredAt set) starts in its cooldown from that firing, so a
 * matcher that lost its own state cannot re-fire it early.
 */
export function initialRuntimeState(alert: Alert): AlertRuntimeState {
  const trailing = alert.condition.kind === "trailing";
  const firedBefore = alert.repeat !== null && alert.lastTriggeredAt !== null;
  return {
    alertId: alert.id,
    generation: alert.generation,
    phase: firedBefore ? "cooling" : "armed",
    referencePrice: alert.referencePrice,
    upper: trailing ? null : alert.thresholds.upper,
    lower: trailing ? null : alert.thresholds.lower,
    extreme: trailing ? (alert.extreme ?? alert.referencePrice) : null,
    lastFiredAt: firedBefore ? Date.parse(alert.lastTriggeredAt!) : null,
    lastFirePrice: firedBefore ? alert.lastTriggerPrice : null,
  };
}
