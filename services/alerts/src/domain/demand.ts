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
  const tally = new DemandTally();
  tally.add(alerts);
  tally.watch(watchedSymbols);
  return tally.demand();
}

/** demandOf, told a page of alerts at a time (the whole snapshot is read in pages). */
export class DemandTally {
  readonly #bySymbol = new Map<string, SymbolDemand>();
  readonly #studies = new Map<string, Set<string>>();

  add(alerts: Iterable<DemandAlertRecord>): void {
    for (const alert of alerts) {
      const demand = this.#entry(alert.symbol);
      demand.alerts++;
      const study = studyKeyOf(alert.condition);
      if (study !== null) {
        const keys = this.#studies.get(alert.symbol) ?? new Set<string>();
        keys.add(study);
        this.#studies.set(alert.symbol, keys);
      }
      const { upper, lower } = standingLevels(alert);
      if (upper !== null && upper > 0 && (demand.nearestAbove === null || upper < demand.nearestAbove))
        demand.nearestAbove = upper;
      if (lower !== null && lower >= 0 && (demand.nearestBelow === null || lower > demand.nearestBelow))
        demand.nearestBelow = lower;
    }
  }

  watch(symbols: Iterable<string>): void {
    for (const symbol of symbols) this.#entry(symbol);
  }

  demand(): Demand {
    for (const [symbol, keys] of this.#studies) this.#entry(symbol).studies = [...keys].sort();
    const sorted = [...this.#bySymbol.values()].sort((a, b) =>
      a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0,
    );
    return { symbols: sorted.map((d) => d.symbol), bySymbol: sorted };
  }

  #entry(symbol: string): SymbolDemand {
    let found = this.#bySymbol.get(symbol);
    if (!found) {
      found = { symbol, alerts: 0, nearestAbove: null, nearestBelow: null };
      this.#bySymbol.set(symbol, found);
    }
    return found;
  }
}
