// Builds alert records the way the alert service stores them, for tests and the benchmark.

import type { Alert, AlertCondition, TickStudies } from "@tickerbell/contracts";
import { planAlert } from "@tickerbell/rules";

export interface AlertSpec {
  id: string;
  symbol: string;
  condition: AlertCondition;
  /** Last price when the alert was set. */
  referencePrice: number;
  cooldownSeconds?: number | null;
  expiresAt?: number | null;
  regularHoursOnly?: boolean;
  generation?: number;
  /** Epoch ms the alert was created at (default 2026-01-01): where a session high/low's day starts. */
  createdAt?: number;
  /** The studies the bot read when the alert was set (where a moving-average cross starts watching from). */
  studies?: TickStudies;
}

const EPOCH = "2026-01-01T00:00:00.000Z";

/** Thresholds as the alert service computes them at creation: through the rule book's plan. */
export function thresholdsFor(condition: AlertCondition, reference: number): Alert["thresholds"] {
  const plan = planAlert(condition, { last: reference, previousClose: reference });
  // Fixtures may set levels the creation check would refuse (already met); their levels are still the plan's.
  if (plan.ok) return plan.baseline.thresholds;
  return (plan.details.thresholds as Alert["thresholds"] | undefined) ?? { upper: null, lower: null };
}

/** A moving-average cross's first side, as the alert service stores it from the plan (null: not known). */
function watchFor(spec: AlertSpec): Pick<Alert, "watch"> {
  if (spec.condition.kind !== "average" || spec.condition.direction !== "cross") return {};
  const plan = planAlert(spec.condition, { last: spec.referencePrice, studies: spec.studies });
  return { watch: plan.ok ? (plan.baseline.watch ?? null) : null };
}

/** Record fields that matching ignores (spread so the fixture keeps compiling while the contract grows). */
const IGNORED_BY_MATCHING = { resumeAt: null };

export function makeAlert(spec: AlertSpec): Alert {
  return {
    ...IGNORED_BY_MATCHING,
    id: spec.id,
    userId: "00000000-0000-4000-8000-000000000001",
    symbol: spec.symbol,
    condition: spec.condition,
    referencePrice: spec.referencePrice,
    thresholds: thresholdsFor(spec.condition, spec.referencePrice),
    // Trailing alerts start from the last price, new highs/lows from a range the fixtures put at it.
    extreme:
      spec.condition.kind === "trailing" || spec.condition.kind === "extreme" ? spec.referencePrice : null,
    ...watchFor(spec),
    status: "active",
    generation: spec.generation ?? 0,
    version: 1,
    repeat: spec.cooldownSeconds ? { cooldownSeconds: spec.cooldownSeconds } : null,
    expiresAt: spec.expiresAt == null ? null : new Date(spec.expiresAt).toISOString(),
    note: null,
    regularHoursOnly: spec.regularHoursOnly ?? false,
    origin: { platform: "telegram", chatId: "42" },
    createdAt: spec.createdAt === undefined ? EPOCH : new Date(spec.createdAt).toISOString(),
    updatedAt: EPOCH,
    lastTriggeredAt: null,
    lastTriggerPrice: null,
    phase: "armed",
    stateAsOfTick: null,
  };
}
