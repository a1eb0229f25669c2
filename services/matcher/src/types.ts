import type { AlertCondition } from "@tickerbell/contracts";

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
