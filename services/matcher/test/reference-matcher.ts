// The naive reference the index is checked against (and the "naive scan" of the benchmark): every alert of the
// symbol is looked at on every tick, in plain objects, following the rules as written in alert-index.ts.
// It shares only the price formulas (levels.ts) and the record-to-state conversion (compile.ts) with the index,
// so the two agree bit for bit on levels while the structures and the state machine are written twice.

import { type Alert, triggerIdOf } from "@tickerbell/contracts";
import { cooldownMsOf, expiresAtMsOf, initialRuntimeState } from "../src/compile.ts";
import { crossNextLevels, percentThresholds, rearmBandLevel, trailingLevel } from "../src/levels.ts";
import { isRegularHours } from "../src/market-hours.ts";
import type { AlertRuntimeState, Expiration, Firing, MatchEvent, TickInput } from "../src/types.ts";

interface Tracked {
  alert: Alert;
  cooldownMs: number | null;
  expiresAt: number | null;
  state: AlertRuntimeState;
}

export class ReferenceMatcher {
  private readonly bySymbol = new Map<string, Map<string, Tracked>>();
  private readonly symbolOf = new Map<string, string>();
  private readonly regularHours: (ts: number) => boolean;

  constructor(regularHours: (ts: number) => boolean = isRegularHours) {
    this.regularHours = regularHours;
  }

  upsert(alert: Alert, state?: AlertRuntimeState): void {
    this.remove(alert.id);
    if (alert.status !== "active") return;
    const next = state ?? initialRuntimeState(alert);
    if (next.phase !== "armed" && alert.repeat === null) return;
    let alerts = this.bySymbol.get(alert.symbol);
    if (!alerts) {
      alerts = new Map();
      this.bySymbol.set(alert.symbol, alerts);
    }
    this.symbolOf.set(alert.id, alert.symbol);
    alerts.set(alert.id, {
      alert,
      cooldownMs: cooldownMsOf(alert),
      expiresAt: expiresAtMsOf(alert),
      state: { ...next },
    });
  }

  remove(alertId: string): void {
    const symbol = this.symbolOf.get(alertId);
    if (symbol !== undefined) this.bySymbol.get(symbol)?.delete(alertId);
    this.symbolOf.delete(alertId);
  }

  get size(): number {
    let n = 0;
    for (const alerts of this.bySymbol.values()) n += alerts.size;
    return n;
  }

  onTick(tick: TickInput): MatchEvent[] {
    const alerts = this.bySymbol.get(tick.symbol);
    if (!alerts) return [];
    const ts = tick.ts;
    const high = Math.max(tick.price, tick.high ?? tick.price);
    const low = Math.min(tick.price, tick.low ?? tick.price);
    const open = this.regularHours(ts);
    const expired: Expiration[] = [];
    const fired: Firing[] = [];
    // Deleting the current entry while iterating a Map is safe: iteration continues with the next one.
    for (const tracked of alerts.values()) {
      const { alert, state } = tracked;
      if (tracked.expiresAt !== null && ts >= tracked.expiresAt) {
        alerts.delete(alert.id);
        expired.push({
          type: "expired",
          alertId: alert.id,
          symbol: alert.symbol,
          expiresAt: tracked.expiresAt,
          ts,
        });
        continue;
      }
      if (alert.regularHoursOnly && !open) continue;
      const condition = alert.condition;
      if (condition.kind === "trailing" && state.extreme !== null) {
        state.extreme =
          condition.direction === "down" ? Math.max(state.extreme, high) : Math.min(state.extreme, low);
      }
      if (state.phase === "cooling" && ts >= state.lastFiredAt! + tracked.cooldownMs!) {
        const waitsForBand = condition.kind === "price" && condition.direction !== "cross";
        state.phase = waitsForBand ? "awaitingBand" : "armed";
      }
      if (state.phase === "awaitingBand") {
        if (condition.kind !== "price" || condition.direction === "cross")
          throw new Error("unexpected band wait");
        const band = rearmBandLevel(condition.direction, condition.target);
        if (condition.direction === "above" ? low <= band : high >= band) state.phase = "armed";
        continue;
      }
      if (state.phase !== "armed") continue;
      let hit: { side: "upper" | "lower"; level: number; price: number } | null = null;
      if (condition.kind === "trailing") {
        const level = trailingLevel(
          condition.direction,
          condition.offset.unit,
          condition.offset.value,
          state.extreme!,
        );
        if (condition.direction === "down" && low <= level) hit = { side: "lower", level, price: low };
        if (condition.direction === "up" && high >= level) hit = { side: "upper", level, price: high };
      } else if (state.upper !== null && high >= state.upper) {
        hit = { side: "upper", level: state.upper, price: high };
      } else if (state.lower !== null && low <= state.lower) {
        hit = { side: "lower", level: state.lower, price: low };
      }
      if (!hit) continue;
      fired.push({
        type: "fired",
        alertId: alert.id,
        symbol: alert.symbol,
        generation: state.generation,
        triggerId: triggerIdOf(alert.id, state.generation),
        condition,
        side: hit.side,
        level: hit.level,
        price: hit.price,
        tickPrice: tick.price,
        referencePrice: state.referencePrice,
        extreme: condition.kind === "trailing" ? state.extreme : null,
        repeating: alert.repeat !== null,
        ts,
      });
      if (alert.repeat === null) {
        alerts.delete(alert.id);
        continue;
      }
      state.generation++;
      state.phase = "cooling";
      state.lastFiredAt = ts;
      state.lastFirePrice = hit.price;
      if (condition.kind === "price" && condition.direction === "cross") {
        Object.assign(state, crossNextLevels(condition.target, hit.side));
      } else if (condition.kind === "percent") {
        state.referencePrice = hit.price;
        Object.assign(state, percentThresholds(hit.price, condition.direction, condition.percent));
      } else if (condition.kind === "trailing") {
        state.referencePrice = hit.price;
        state.extreme = hit.price;
      }
    }
    const byId = (a: MatchEvent, b: MatchEvent) =>
      a.alertId < b.alertId ? -1 : a.alertId > b.alertId ? 1 : 0;
    return [...expired.sort(byId), ...fired.sort(byId)];
  }

  exportState(alertId: string): AlertRuntimeState | undefined {
    for (const alerts of this.bySymbol.values()) {
      const tracked = alerts.get(alertId);
      if (tracked) return { ...tracked.state };
    }
    return undefined;
  }
}
