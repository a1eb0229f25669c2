import {
  type Alert,
  type AlertChangeEvent,
  type AlertCondition,
  type CreateAlertCommand,
  MAX_EXPIRY_DAYS,
  type PercentCondition,
  type Thresholds,
  type UpdateAlertRequestSchema,
} from "@tickerbell/contracts";
import type { z } from "zod";
import { DomainError } from "./errors.ts";

export type AlertChangeKind = AlertChangeEvent["change"];
export type AlertUpdate = z.output<typeof UpdateAlertRequestSchema>;

/** The levels an alert starts from, derived from its condition and the market at creation. */
export interface AlertBaseline {
  referencePrice: number;
  thresholds: Thresholds;
  extreme: number | null;
}

const DAY_MS = 24 * 3600 * 1000;

/** Drops binary floating-point noise (190 * 1.05 = 199.50000000000003) without losing real precision. */
export function roundPrice(value: number): number {
  return Number(value.toPrecision(12));
}

function formatPrice(value: number): string {
  return value >= 1 ? value.toFixed(2) : String(value);
}

function percentThresholds(condition: PercentCondition, reference: number): Thresholds {
  const up = roundPrice(reference * (1 + condition.percent / 100));
  const down = roundPrice(reference * (1 - condition.percent / 100));
  return {
    upper: condition.direction === "down" ? null : up,
    lower: condition.direction === "up" ? null : down,
  };
}

function alreadyMet(last: number, message: string, thresholds: Thresholds): DomainError {
  return new DomainError(
    "conflict",
    "condition_already_met",
    `${message} (current price ${formatPrice(last)})`,
    {
      currentPrice: last,
      thresholds,
    },
  );
}

/**
 * Works out the reference price and thresholds of a new alert, refusing one whose condition already holds:
 * an alert that would fire on the very next tick is almost always a typo.
 */
export function planAlert(command: Pick<CreateAlertCommand, "condition" | "market">): AlertBaseline {
  const { condition, market } = command;
  const last = market.last;
  switch (condition.kind) {
    case "price": {
      const x = condition.target;
      if (condition.direction === "above") {
        const thresholds = { upper: x, lower: null };
        if (last >= x) throw alreadyMet(last, `price is already at or above ${formatPrice(x)}`, thresholds);
        return { referencePrice: last, thresholds, extreme: null };
      }
      if (condition.direction === "below") {
        const thresholds = { upper: null, lower: x };
        if (last <= x) throw alreadyMet(last, `price is already at or below ${formatPrice(x)}`, thresholds);
        return { referencePrice: last, thresholds, extreme: null };
      }
      const thresholds = last < x ? { upper: x, lower: null } : { upper: null, lower: x };
      if (last === x) throw alreadyMet(last, `price is exactly at ${formatPrice(x)}`, thresholds);
      return { referencePrice: last, thresholds, extreme: null };
    }
    case "percent": {
      let reference = last;
      if (condition.basis === "close") {
        if (market.previousClose === undefined) {
          throw new DomainError(
            "invalid",
            "previous_close_unknown",
            "the previous close is not known for this symbol, so a move `from close` cannot be set; use the last price instead",
          );
        }
        reference = market.previousClose;
      }
      const thresholds = percentThresholds(condition, reference);
      if (thresholds.upper !== null && last >= thresholds.upper) {
        throw alreadyMet(
          last,
          `price is already ${condition.percent}% or more above ${formatPrice(reference)}`,
          thresholds,
        );
      }
      if (thresholds.lower !== null && last <= thresholds.lower) {
        throw alreadyMet(
          last,
          `price is already ${condition.percent}% or more below ${formatPrice(reference)}`,
          thresholds,
        );
      }
      return { referencePrice: reference, thresholds, extreme: null };
    }
    case "trailing": {
      if (
        condition.direction === "down" &&
        condition.offset.unit === "amount" &&
        condition.offset.value >= last
      ) {
        throw new DomainError(
          "invalid",
          "trailing_offset_too_large",
          `a trailing stop of ${formatPrice(condition.offset.value)} below a price of ${formatPrice(last)} can never fire`,
          { currentPrice: last },
        );
      }
      return { referencePrice: last, thresholds: { upper: null, lower: null }, extreme: last };
    }
  }
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
  const next: Alert = { ...alert };
  if (update.note !== undefined) next.note = update.note;
  if (update.repeat !== undefined) next.repeat = update.repeat;
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

export interface Firing {
  generation: number;
  price: number;
  firedAt: string;
}

export type FiringDecision =
  | { outcome: "stale" }
  | { outcome: "triggered" | "rearmed"; alert: Alert; change: AlertChangeKind };

/**
 * What a firing does to its alert. A one-shot alert is done; a repeating one moves to the next generation,
 * re-based on the fire price so it watches for the next move rather than the one that just happened.
 */
export function applyFiring(alert: Alert, firing: Firing, now: Date): FiringDecision {
  if (alert.status !== "active" || firing.generation !== alert.generation) return { outcome: "stale" };
  const fired: Alert = {
    ...alert,
    lastTriggeredAt: new Date(firing.firedAt).toISOString(),
    lastTriggerPrice: firing.price,
    updatedAt: now.toISOString(),
  };
  if (alert.repeat === null) {
    return { outcome: "triggered", change: "triggered", alert: { ...fired, status: "triggered" } };
  }
  return {
    outcome: "rearmed",
    change: "rearmed",
    alert: { ...fired, ...rebase(alert, firing.price), generation: alert.generation + 1 },
  };
}

function rebase(alert: Alert, price: number): Partial<Alert> {
  const condition: AlertCondition = alert.condition;
  switch (condition.kind) {
    case "price": {
      if (condition.direction !== "cross") return {};
      // Having crossed, the next firing is the crossing back the other way.
      const x = condition.target;
      return {
        thresholds: alert.thresholds.upper !== null ? { upper: null, lower: x } : { upper: x, lower: null },
      };
    }
    case "percent":
      return { referencePrice: price, thresholds: percentThresholds(condition, price) };
    case "trailing":
      return { referencePrice: price, extreme: price };
  }
}

/** `<alertId>:<generation>` back into its parts (the schema has already checked the shape). */
export function parseTriggerId(triggerId: string): { alertId: string; generation: number } {
  const colon = triggerId.lastIndexOf(":");
  return { alertId: triggerId.slice(0, colon), generation: Number(triggerId.slice(colon + 1)) };
}
