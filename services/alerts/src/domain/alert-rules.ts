import {
  type Alert,
  type AlertChangeEvent,
  type AlertCondition,
  type CreateAlertCommand,
  MAX_EXPIRY_DAYS,
  type MarketContext,
  type UpdateAlertRequestSchema,
} from "@tickerbell/contracts";
import {
  type AlertBaseline,
  earningsRefusal,
  regularHoursRefusal,
  planAlert as rulesPlanAlert,
  volumeRefusal,
  yearRangeRefusal,
} from "@tickerbell/rules";
import type { z } from "zod";
import { DomainError } from "./errors.ts";

export type AlertChangeKind = AlertChangeEvent["change"];
export type AlertUpdate = z.output<typeof UpdateAlertRequestSchema>;

const DAY_MS = 24 * 3600 * 1000;

/**
 * The reference price and levels of a new alert, from the rule book; a condition that already holds is refused
 * (an alert that would fire on the very next tick is almost always a typo).
 */
export function planAlert(
  command: Pick<CreateAlertCommand, "condition" | "market"> & { symbol?: string },
  now: Date | null = null,
): AlertBaseline {
  const plan = rulesPlanAlert(
    command.condition,
    command.market,
    now === null ? null : now.getTime(),
    command.symbol ?? null,
  );
  if (plan.ok) return plan.baseline;
  const kind = plan.code === "condition_already_met" ? "conflict" : "invalid";
  throw new DomainError(
    kind,
    plan.code,
    plan.message,
    Object.keys(plan.details).length > 0 ? plan.details : undefined,
  );
}

/** An expiry must lie in the future and no more than MAX_EXPIRY_DAYS ahead. */
export function checkExpiry(expiresAt: string | null, now: Date): void {
  if (expiresAt === null) return;
  const at = Date.parse(expiresAt);
  if (at <= now.getTime()) {
    throw new DomainError("invalid", "invalid_expiry", "expiresAt must be in the future", { expiresAt });
  }
  if (at > now.getTime() + MAX_EXPIRY_DAYS * DAY_MS) {
    throw new DomainError("invalid", "invalid_expiry", `expiresAt must be within ${MAX_EXPIRY_DAYS} days`, {
      expiresAt,
    });
  }
}

/** `regularHoursOnly` is for stocks: a crypto or forex symbol does not trade the US stock session (400). */
export function checkRegularHours(symbol: string, regularHoursOnly: boolean | undefined): void {
  if (regularHoursOnly !== true) return;
  const why = regularHoursRefusal(symbol);
  if (why !== null) throw new DomainError("invalid", "regular_hours_not_applicable", why, { symbol });
}

/**
 * Earnings alerts are for stocks: a crypto or forex pair has no earnings releases (400); nor a 52-week range for a
 * 52-week high/low. A forex pair has no volume for a volume alert.
 */
export function checkEarnings(symbol: string, condition: AlertCondition | undefined): void {
  if (condition?.kind === "extreme" && condition.span === "52w") {
    const why = yearRangeRefusal(symbol);
    if (why !== null) throw new DomainError("invalid", "year_range_not_applicable", why, { symbol });
  }
  if (condition?.kind === "volume") {
    const why = volumeRefusal(symbol);
    if (why !== null) throw new DomainError("invalid", "volume_not_applicable", why, { symbol });
  }
  if (condition?.kind !== "earnings") return;
  const why = earningsRefusal(symbol);
  if (why !== null) throw new DomainError("invalid", "earnings_not_applicable", why, { symbol });
}

export function isOpen(alert: Pick<Alert, "status">): boolean {
  return alert.status === "active" || alert.status === "paused";
}

/** Applies a PATCH; returns null when nothing would change, so no outbox row is written for a no-op. */
export function applyUpdate(
  alert: Alert,
  update: AlertUpdate,
  now: Date,
): { alert: Alert; change: AlertChangeKind } | null {
  if (!isOpen(alert)) {
    throw new DomainError(
      "conflict",
      "alert_not_modifiable",
      `this alert is ${alert.status}; only active or paused alerts can be changed`,
      { status: alert.status },
    );
  }
  checkRegularHours(alert.symbol, update.regularHoursOnly);
  checkEarnings(alert.symbol, update.condition);
  const next: Alert = { ...alert };
  if (update.condition !== undefined && update.market !== undefined)
    Object.assign(next, rebased(alert, update.condition, update.market, now));
  if (update.note !== undefined) next.note = update.note;
  if (update.repeat !== undefined) next.repeat = update.repeat;
  if (update.regularHoursOnly !== undefined) next.regularHoursOnly = update.regularHoursOnly;
  if (update.urgent !== undefined) next.urgent = update.urgent;
  if (update.expiresAt !== undefined) {
    checkExpiry(update.expiresAt, now);
    next.expiresAt = update.expiresAt === null ? null : new Date(update.expiresAt).toISOString();
  }
  if (update.status !== undefined) {
    next.status = update.status;
    // Pausing or resuming by hand ends a snooze.
    next.resumeAt = null;
  }
  if (update.snoozeSeconds !== undefined) {
    next.status = "paused";
    next.resumeAt = new Date(now.getTime() + update.snoozeSeconds * 1000).toISOString();
  }
  if (JSON.stringify(next) === JSON.stringify(alert)) return null;
  next.updatedAt = now.toISOString();
  let change: AlertChangeKind = "updated";
  if (alert.status !== next.status) change = next.status === "paused" ? "paused" : "resumed";
  return { alert: next, change };
}

/**
 * An alert whose condition is edited: its levels as a new alert's would be from `market` (refused the same way
 * when the market already meets them), armed again under the next generation, and the next levels revision, so
 * the matcher takes these levels instead of the ones it held. Id, status, options, firings and the last firing
 * stay. The same condition again changes nothing (and re-arms nothing).
 */
export function rebased(
  alert: Alert,
  condition: AlertCondition,
  market: MarketContext,
  now: Date,
): Partial<Alert> & Pick<Alert, "condition"> {
  if (sameCondition(alert.condition, condition)) return { condition: alert.condition };
  const baseline = planAlert({ condition, market, symbol: alert.symbol }, now);
  return {
    condition,
    referencePrice: baseline.referencePrice,
    thresholds: baseline.thresholds,
    extreme: baseline.extreme,
    // Set for a session high/low; cleared when an edit leaves one (absent otherwise, as on every other alert).
    ...(baseline.extremeSince != null || alert.extremeSince != null
      ? { extremeSince: extremeSinceOf(baseline) }
      : {}),
    // Set for a moving-average cross (the side price is not on); cleared when an edit leaves one.
    ...(baseline.watch !== undefined || alert.watch != null ? { watch: baseline.watch ?? null } : {}),
    phase: "armed",
    generation: alert.generation + 1,
    levelsRevision: (alert.levelsRevision ?? 0) + 1,
  };
}

/** A session high/low's start as the record keeps it; null for every other kind. */
export function extremeSinceOf(baseline: AlertBaseline): string | null {
  return baseline.extremeSince == null ? null : new Date(baseline.extremeSince).toISOString();
}

/** Two conditions that say the same, whatever order their fields were written in. */
export function sameCondition(a: AlertCondition, b: AlertCondition): boolean {
  return canonical(a) === canonical(b);
}

function canonical(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  const entries = Object.entries(value as Record<string, unknown>).sort(([x], [y]) => (x < y ? -1 : 1));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
}

/** Whether a change re-based the alert's levels (an edited condition): the duplicate rule applies to it. */
export function levelsChanged(before: Alert, after: Alert): boolean {
  return (after.levelsRevision ?? 0) !== (before.levelsRevision ?? 0);
}

/**
 * Cancelling is idempotent: a cancelled alert stays as it is (null = nothing to write). A finished alert
 * (triggered, expired) can be deleted too — that is what the Delete button under its notification does.
 */
export function cancel(alert: Alert, now: Date): { alert: Alert; change: AlertChangeKind } | null {
  if (alert.status === "cancelled") return null;
  return { alert: { ...alert, status: "cancelled", updatedAt: now.toISOString() }, change: "cancelled" };
}

/** A snoozed alert whose snooze is over becomes active again. */
export function resumeSnoozed(alert: Alert, now: Date): { alert: Alert; change: AlertChangeKind } | null {
  if (alert.status !== "paused" || alert.resumeAt === null || Date.parse(alert.resumeAt) > now.getTime())
    return null;
  return {
    alert: { ...alert, status: "active", resumeAt: null, updatedAt: now.toISOString() },
    change: "resumed",
  };
}

export function expire(alert: Alert, now: Date): { alert: Alert; change: AlertChangeKind } | null {
  if (!isOpen(alert) || alert.expiresAt === null || Date.parse(alert.expiresAt) > now.getTime()) return null;
  return { alert: { ...alert, status: "expired", updatedAt: now.toISOString() }, change: "expired" };
}
