// What the bots need to write a DM, built from the index's firing (or the alert service's expiry) and the
// alert record the matcher holds.
// The matcher states facts (levels, side, reference, what comes next); the bots' one formatter words them.
import type { Alert, Notification, ReferenceKind } from "@tickerbell/contracts";
import { bandLevelOf } from "@tickerbell/rules";
import type { Firing } from "../types.ts";
import type { AlertRecipient } from "./owned-alerts.ts";

function move(priceNow: number, reference: number): { moveAbs: number; movePercent: number } {
  const moveAbs = Number((priceNow - reference).toPrecision(12));
  const movePercent = reference > 0 ? Number((((priceNow - reference) / reference) * 100).toFixed(4)) : 0;
  return { moveAbs, movePercent };
}

/** What the reference price of a firing is: a repeating alert re-bases on each firing's price. */
function referenceKindOf(firing: Firing): ReferenceKind {
  if (firing.condition.kind === "window") return "window";
  if (firing.firedBefore && firing.condition.kind !== "price") return "lastFiring";
  return firing.condition.kind === "percent" && firing.condition.basis === "close"
    ? "previousClose"
    : "whenSet";
}

export function firingNotification(firing: Firing, alert: AlertRecipient): Notification {
  // A trailing alert's move is the one from its peak (trough), a window alert's from the window's low (high), a new
  // high's (low's) from the previous high (low): that is what it watches.
  const kind = firing.condition.kind;
  const watchesExtreme = kind === "trailing" || kind === "window" || kind === "extreme";
  const from = watchesExtreme && firing.extreme !== null ? firing.extreme : firing.referencePrice;
  return {
    v: 1,
    type: "triggered",
    triggerId: firing.triggerId,
    alertId: firing.alertId,
    generation: firing.generation,
    userId: alert.userId,
    origin: alert.origin,
    symbol: firing.symbol,
    condition: firing.condition,
    price: firing.price,
    // A window alert reports against the window's extreme (referenceKind "window"), a new high (low) against the
    // previous one: they have no other reference.
    referencePrice: kind === "window" || kind === "extreme" ? from : firing.referencePrice,
    ...move(firing.price, from),
    note: alert.note,
    repeating: firing.repeating,
    firedAt: new Date(firing.ts).toISOString(),
    side: firing.side,
    level: firing.level,
    lastPrice: firing.tickPrice,
    referenceKind: referenceKindOf(firing),
    extreme: firing.extreme,
    rearm:
      firing.next === null
        ? null
        : {
            at: new Date(firing.next.cooldownEndsAt).toISOString(),
            upper: firing.next.upper,
            lower: firing.next.lower,
            band: bandLevelOf(firing.condition),
            extreme: firing.next.extreme,
          },
    ...(firing.study === undefined ? {} : { study: firing.study }),
    ...urgency(alert),
  };
}

/** The `<alertId>:expired` id keeps an expiry apart from every firing in the bots' delivery log. */
export function expiredTriggerIdOf(alertId: string): string {
  return `${alertId}:expired`;
}

/** The user is told the alert expired, with the last price the matcher saw (the reference if none). */
export function expiryNotification(alert: Alert, lastPrice: number | undefined, at: number): Notification {
  const now = lastPrice ?? alert.referencePrice;
  return {
    v: 1,
    type: "expired",
    triggerId: expiredTriggerIdOf(alert.id),
    alertId: alert.id,
    generation: alert.generation,
    userId: alert.userId,
    origin: alert.origin,
    symbol: alert.symbol,
    condition: alert.condition,
    price: now,
    referencePrice: alert.referencePrice,
    ...move(now, alert.referencePrice),
    note: alert.note,
    repeating: alert.repeat !== null,
    firedAt: new Date(at).toISOString(),
    ...urgency(alert),
  };
}

/** An urgent alert's notifications say so: the bots send them even during the user's quiet hours. */
function urgency(alert: Pick<Alert, "urgent">): { urgent?: true } {
  return alert.urgent === true ? { urgent: true } : {};
}
