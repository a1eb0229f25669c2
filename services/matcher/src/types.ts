import type { AlertCondition, StudyKey, TickStudies } from "@tickerbell/contracts";

/** Volume and indicator alerts: the study value that made it fire (today's volume with the typical one). */
export interface FiringStudy {
  key: StudyKey;
  value: number;
  typical?: number;
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
  /** It fired before (a repeating alert): `referencePrice` is then its last firing price. */
  firedBefore: boolean;
  repeating: boolean;
  /** Repeating alerts: the state it re-arms into (from the rule book's afterFiring); null for a one-shot alert. */
  next: FiringNext | null;
  /** Tick time, epoch ms. */
  ts: number;
  /** Volume and indicator alerts: the study value that made it fire. */
  study?: FiringStudy;
}

export interface FiringNext {
  /** End of the cooldown, epoch ms. */
  cooldownEndsAt: number;
  upper: number | null;
  lower: number | null;
  extreme: number | null;
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
  /** The symbol's studies at this tick (volume and indicator alerts read them). */
  studies?: TickStudies | undefined;
}
