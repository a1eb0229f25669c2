// Which demanded symbols ride the live stream (a websocket with a symbol cap) and which are polled. Pure: the
// StreamBalancer feeds it the demand snapshot and the last prices, and applies what it answers.
import type { SymbolDemand } from "@tickerbell/contracts";

/** A level nearer than this (as a fraction of the price) counts as this near: 1%, so scores stay finite. */
export const DISTANCE_FLOOR = 0.01;
/** The distance of a symbol whose nearness is unknown (no alert level, or no price yet): 100% away. */
export const UNKNOWN_DISTANCE = 1;
/** A challenger takes a streamed symbol's slot only when its score beats the holder's by this factor. */
export const DEFAULT_SWAP_MARGIN = 1.25;

/**
 * How far price is from the nearest level of a symbol's alerts, as a fraction of the price (0 when a level is
 * already reached: that alert fires on the next tick that arrives).
 */
export function relativeDistance(demand: SymbolDemand, lastPrice: number | null): number {
  if (lastPrice === null || !(lastPrice > 0)) return UNKNOWN_DISTANCE;
  let nearest = Number.POSITIVE_INFINITY;
  if (demand.nearestAbove !== null) nearest = Math.min(nearest, Math.max(0, demand.nearestAbove - lastPrice));
  if (demand.nearestBelow !== null) nearest = Math.min(nearest, Math.max(0, lastPrice - demand.nearestBelow));
  return Number.isFinite(nearest) ? Math.min(nearest / lastPrice, UNKNOWN_DISTANCE) : UNKNOWN_DISTANCE;
}

/**
 * The urgency score: (1 + log2(alerts)) / max(distance, 1%), where distance is the relative distance of the
 * nearest level to the last price. Nearness dominates and the alert count adds weight slowly, so one alert 1%
 * away (score 100) outranks a hundred alerts 10% away (76), while a symbol's only alert 50% away scores 2. A
 * symbol with no alerts (watchlists only) scores 0: nothing fires on it, it streams only if there is room.
 */
export function urgencyScore(demand: SymbolDemand, lastPrice: number | null): number {
  if (demand.alerts <= 0) return 0;
  const weight = 1 + Math.log2(demand.alerts);
  return weight / Math.max(relativeDistance(demand, lastPrice), DISTANCE_FLOOR);
}

export interface RankedSymbol {
  symbol: string;
  score: number;
}

/** Most urgent first; equal scores by symbol, so the ranking is the same on every run. */
export function rankSymbols(
  demand: readonly SymbolDemand[],
  lastPrice: (symbol: string) => number | null,
): RankedSymbol[] {
  return demand
    .map((d) => ({ symbol: d.symbol, score: urgencyScore(d, lastPrice(d.symbol)) }))
    .sort(byUrgency);
}

function byUrgency(a: RankedSymbol, b: RankedSymbol): number {
  return b.score - a.score || (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0);
}

/**
 * The symbols to stream: the `cap` most urgent, except that a symbol already streamed keeps its slot until a
 * challenger scores more than `margin` times its score (hysteresis, so two symbols near the cut do not swap on
 * every re-balance). Free slots are filled by the most urgent polled symbols whatever their score.
 */
export function chooseStreamed(
  ranked: readonly RankedSymbol[],
  incumbents: ReadonlySet<string>,
  cap: number,
  margin = DEFAULT_SWAP_MARGIN,
): Set<string> {
  // Still-demanded incumbents keep their slots first (the least urgent give way if the cap shrank).
  const kept = ranked.filter((r) => incumbents.has(r.symbol)).slice(0, Math.max(0, cap));
  const streamed = new Set(kept.map((r) => r.symbol));
  const outsiders = ranked.filter((r) => !streamed.has(r.symbol));
  let next = 0;
  while (streamed.size < cap && next < outsiders.length)
    streamed.add((outsiders[next++] as RankedSymbol).symbol);
  // Swap the weakest holder for the strongest outsider while the outsider clearly wins.
  const holders = kept.slice().sort(byUrgency);
  let weakest = holders.length - 1;
  while (next < outsiders.length && weakest >= 0) {
    const challenger = outsiders[next] as RankedSymbol;
    const holder = holders[weakest] as RankedSymbol;
    if (!(challenger.score > holder.score * margin) || challenger.score <= holder.score) break;
    streamed.delete(holder.symbol);
    streamed.add(challenger.symbol);
    next++;
    weakest--;
  }
  return streamed;
}
