// The naive reference the index is checked against (and the "naive scan" of the benchmark): every alert of the
// symbol is stepped through the rule book's per-alert state machine (stepAlert) on every tick, in plain objects.
// The index must produce exactly its events; the two share only the rule book.

import { type Alert, type AlertRuntimeState, triggerIdOf } from "@tickerbell/contracts";
import {
  type AlertRule,
  consistentState,
  isRegularHours,
  MinuteHistory,
  repeatAllowedAt,
  ruleOf,
  runtimeStateOf,
  type StepResult,
  stepAlert,
  windowOf,
} from "@tickerbell/rules";
import type { Expiration, Firing, MatchEvent, TickInput } from "../src/types.ts";

interface Tracked {
  alert: Alert;
  rule: AlertRule;
  state: AlertRuntimeState;
}

export class ReferenceMatcher {
  readonly #bySymbol = new Map<string, Map<string, Tracked>>();
  /** Each symbol's minute history, from its first alert on (as the index keeps it). */
  readonly #histories = new Map<string, MinuteHistory>();
  readonly #symbolOf = new Map<string, string>();
  readonly #regularHours: (ts: number) => boolean;

  constructor(regularHours: (ts: number) => boolean = isRegularHours) {
    this.#regularHours = regularHours;
  }

  upsert(alert: Alert, state?: AlertRuntimeState): void {
    const held = this.exportState(alert.id);
    this.remove(alert.id);
    // Earnings alerts are due by the calendar (the alert service's scheduler), never by a tick.
    if (alert.status !== "active" || alert.condition.kind === "earnings") return;
    const rule = ruleOf(alert);
    const next = consistentState(rule, state ?? held ?? runtimeStateOf(alert));
    let alerts = this.#bySymbol.get(alert.symbol);
    if (!alerts) {
      alerts = new Map();
      this.#bySymbol.set(alert.symbol, alerts);
      this.#histories.set(alert.symbol, new MinuteHistory());
    }
    this.#symbolOf.set(alert.id, alert.symbol);
    alerts.set(alert.id, { alert, rule, state: { ...next } });
  }

  remove(alertId: string): void {
    const symbol = this.#symbolOf.get(alertId);
    if (symbol !== undefined) this.#bySymbol.get(symbol)?.delete(alertId);
    this.#symbolOf.delete(alertId);
  }

  get size(): number {
    let n = 0;
    for (const alerts of this.#bySymbol.values()) n += alerts.size;
    return n;
  }

  onTick(tick: TickInput): MatchEvent[] {
    const alerts = this.#bySymbol.get(tick.symbol);
    if (!alerts) return [];
    const history = this.#histories.get(tick.symbol)!;
    history.record(tick.ts, windowOf(tick).high, windowOf(tick).low);
    const open = this.#regularHours(tick.ts);
    const expired: Expiration[] = [];
    const fired: Firing[] = [];
    // Deleting the current entry while iterating a Map is safe: iteration continues with the next one.
    for (const tracked of alerts.values()) {
      const { alert, rule } = tracked;
      const result = stepAlert(rule, tracked.state, tick, open, history);
      if (result.kind === "expired") {
        alerts.delete(alert.id);
        expired.push(expirationOf(alert, rule, tick.ts));
        continue;
      }
      if (result.kind === "none") {
        tracked.state = result.next;
        continue;
      }
      fired.push(firingOf(alert, rule, tick, result));
      if (result.next === null) alerts.delete(alert.id);
      else tracked.state = result.next;
    }
    return inEventOrder(expired, fired);
  }

  exportState(alertId: string): AlertRuntimeState | undefined {
    const symbol = this.#symbolOf.get(alertId);
    const tracked = symbol === undefined ? undefined : this.#bySymbol.get(symbol)?.get(alertId);
    return tracked ? { ...tracked.state } : undefined;
  }
}

/** The index's event order: expirations, then firings, each by alertId. */
export function inEventOrder(expired: Expiration[], fired: Firing[]): MatchEvent[] {
  const byId = (a: MatchEvent, b: MatchEvent) => (a.alertId < b.alertId ? -1 : a.alertId > b.alertId ? 1 : 0);
  return [...expired.sort(byId), ...fired.sort(byId)];
}

export function expirationOf(alert: Alert, rule: AlertRule, ts: number): Expiration {
  return { type: "expired", alertId: alert.id, symbol: alert.symbol, expiresAt: rule.expiresAtMs!, ts };
}

/** The event of a step that fired, as the index reports it. */
export function firingOf(
  alert: Alert,
  rule: AlertRule,
  tick: TickInput,
  result: Extract<StepResult, { kind: "fired" }>,
): Firing {
  const { hit, before } = result;
  return {
    type: "fired",
    alertId: alert.id,
    symbol: alert.symbol,
    generation: before.generation,
    triggerId: triggerIdOf(alert.id, before.generation),
    condition: alert.condition,
    side: hit.side,
    level: hit.level,
    price: hit.price,
    tickPrice: tick.price,
    referencePrice: before.referencePrice,
    extreme:
      alert.condition.kind === "trailing"
        ? before.extreme
        : alert.condition.kind === "window" || alert.condition.kind === "extreme"
          ? (hit.extreme ?? null)
          : null,
    firedBefore: before.lastFiredAt !== null,
    repeating: alert.repeat !== null,
    next:
      result.next === null || rule.cooldownMs === null
        ? null
        : {
            cooldownEndsAt: repeatAllowedAt(rule, tick.ts),
            upper: result.next.upper,
            lower: result.next.lower,
            extreme: result.next.extreme,
          },
    ts: tick.ts,
    ...(hit.study === undefined ? {} : { study: hit.study }),
  };
}
