// What the bots need to write a DM, built from the index's firing (or the alert service's expiry) and the
// alert record the matcher holds.
import type { Alert, AlertCondition, Notification } from "@tickerbell/contracts";
import type { Firing } from "../types.ts";

function price(value: number): string {
  return value >= 1 ? value.toFixed(2) : String(value);
}

/** The condition in words, e.g. "above 200.00", "down 5% from 190.00", "trailing 8% below the peak". */
export function describeCondition(condition: AlertCondition, referencePrice: number): string {
  switch (condition.kind) {
    case "price":
      return `${condition.direction === "cross" ? "crossing" : condition.direction} ${price(condition.target)}`;
    case "percent": {
      const what = condition.direction === "move" ? "moving" : condition.direction;
      const from = condition.basis === "close" ? "the previous close" : "";
      return `${what} ${condition.percent}% from ${from ? `${from} ` : ""}${price(referencePrice)}`;
    }
    case "trailing": {
      const size =
        condition.offset.unit === "percent" ? `${condition.offset.value}%` : price(condition.offset.value);
      return condition.direction === "down"
        ? `trailing ${size} below the peak`
        : `trailing ${size} above the low`;
    }
  }
}

function move(priceNow: number, reference: number): { moveAbs: number; movePercent: number } {
  const moveAbs = Number((priceNow - reference).toPrecision(12));
  const movePercent = reference > 0 ? Number((((priceNow - reference) / reference) * 100).toFixed(4)) : 0;
  return { moveAbs, movePercent };
}

export function firingNotification(firing: Firing, alert: Alert): Notification {
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
    description: describeCondition(firing.condition, firing.referencePrice),
    // The price that crossed the level (the window's high or low): the alert service re-bases a repeating
    // alert on it exactly as the index does.
    price: firing.price,
    referencePrice: firing.referencePrice,
    ...move(firing.price, firing.referencePrice),
    note: alert.note,
    repeating: firing.repeating,
    firedAt: new Date(firing.ts).toISOString(),
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
    description: describeCondition(alert.condition, alert.referencePrice),
    price: now,
    referencePrice: alert.referencePrice,
    ...move(now, alert.referencePrice),
    note: alert.note,
    repeating: alert.repeat !== null,
    firedAt: new Date(at).toISOString(),
  };
}
