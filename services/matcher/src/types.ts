import type { AlertCondition } from "@tickerbell/contracts";

/**
 * Where an alert stands between firings: `armed` can fire; `cooling` fired and waits out its cooldown;
 * `awaitingBand` (repeating above/below only) has waited the cooldown and now waits for price to move back
 * across its level by the hysteresis band.
 */
export type AlertPhase = "armed" | "cooling" | "awaitingBand";

/**
 * What the matcher knows about an alert beyond the alert service's record: enough to rebuild the index after
 * a restart so that nothing is missed and no generation fires twice. All times are epoch milliseconds.
 */
export interface AlertRuntimeState {
  alertId: string;
  /** Generation of the NEXT firing: a repeating alert moves to generation + 1 when it fires. */
  generation: number;
  phase: AlertPhase;
  /** Price moves are reported against this; a repeating percent or trailing alert restarts from its last firing. */
  referencePrice: number;
  /** Current absolute levels (price and percent alerts). */
  upper: number | null;
  lower: number | null;
  /** Trailing alerts: peak (`down`) or trough (`up`) since creation or the last firing. */
  extreme: number | null;
  lastFiredAt: number | null;
  lastFirePrice: number | null;
}

export interface Firing {
  type: "fired";
  alertId: string;
  symbol: string;
  /** Generation this firing belongs to; triggerId = `<alertId>:<generation>`. */
  generation: number;
  triggerId: string;
  condition: AlertCondition;
  /** Which level was crossed: `upper` (price rose to it) or `lower` (fell to it). */
  side: "upper" | "lower";
  /** The level that was crossed. */
  level: number;
  /** The price that crossed it: the tick's high for an upper level, its low for a lower one. */
  price: number;
  /** The tick's last price. */
  tickPrice: number;
  referencePrice: number;
  /** Trailing alerts: the peak or trough the level was computed from. */
  extreme: number | null;
  repeating: boolean;
  /** Tick time, epoch ms. */
  ts: number;
}

export interface Expiration {
  type: "expired";
  alertId: string;
  symbol: string;
  expiresAt: number;
  /** The time at which the expiry was noticed, epoch ms. */
  ts: number;
}

export type MatchEvent = Firing | Expiration;

/** The subset of a price tick the matcher reads (compatible with PriceTick). */
export interface TickInput {
  symbol: string;
  price: number;
  ts: number;
  high?: number | undefined;
  low?: number | undefined;
}
