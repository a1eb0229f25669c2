import type { Demand, SymbolDemand } from "@tickerbell/contracts";
import { type StandingLevelsInput, standingLevels, studyKeyOf } from "@tickerbell/rules";

/** An active alert as the demand snapshot reads it: its symbol and what its record says about its levels. */
export interface DemandAlertRecord extends StandingLevelsInput {
  symbol: string;
}

/**
 * The demand snapshot: every symbol of an active (non-earnings) alert or a watchlist, sorted, and per symbol
 * its alert count and nearest levels, i.e. the lowest level above and the highest level below that its alerts
 * stand at (a `cross` level counts on both sides), and the studies its volume and indicator alerts watch (sorted,
 * once each; absent when none), which pricing then computes and sends on the symbol's ticks.
 */
export function demandOf(alerts: Iterable<DemandAlertRecord>, watchedSymbols: Iterable<string>): Demand {
  const bySymbol = new Map<string, SymbolDemand>();
  const entry = (symbol: string): SymbolDemand => {
    let found = bySymbol.get(symbol);
    if (!found) {
      found = { symbol, alerts: 0, nearestAbove: null, nearestBelow: null };
      bySymbol.set(symbol, found);
    }
    return found;
  };
  const studies = new Map<string, Set<string>>();
  for (const alert of alerts) {
    const demand = entry(alert.symbol);
    demand.alerts++;
    const study = studyKeyOf(alert.condition);
    if (study !== null) {
      const keys = studies.get(alert.symbol) ?? new Set<string>();
      keys.add(study);
      studies.set(alert.symbol, keys);
    }
    const { upper, lower } = standingLevels(alert);
    if (upper !== null && upper > 0 && (demand.nearestAbove === null || upper < demand.nearestAbove))
      demand.nearestAbove = upper;
    if (lower !== null && lower >= 0 && (demand.nearestBelow === null || lower > demand.nearestBelow))
      demand.nearestBelow = lower;
  }
  for (const [symbol, keys] of studies) entry(symbol).studies = [...keys].sort();
  for (const symbol of watchedSymbols) entry(symbol);
  const sorted = [...bySymbol.values()].sort((a, b) =>
    a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0,
  );
  return { symbols: sorted.map((d) => d.symbol), bySymbol: sorted };
}
