import type { PriceTick } from "@tickerbell/contracts";

interface Window {
  symbol: string;
  first: PriceTick;
  last: PriceTick;
  high: number;
  low: number;
  volume: number;
  hasVolume: boolean;
  count: number;
  previousClose: number | undefined;
}

/**
 * Per-symbol windows of ticks that have not been published yet. Each window keeps the first and last price plus
 * the high, low, volume and trade count of everything folded into it, so a matcher that checks `high`/`low` sees
 * every threshold any trade in the window crossed. Memory is bounded by the number of symbols.
 */
export class TickConflator {
  readonly #windows = new Map<string, Window>();

  get pendingSymbols(): number {
    return this.#windows.size;
  }

  add(tick: PriceTick): void {
    const count = tick.count ?? 1;
    const high = tick.high ?? tick.price;
    const low = tick.low ?? tick.price;
    const w = this.#windows.get(tick.symbol);
    if (!w) {
      this.#windows.set(tick.symbol, {
        symbol: tick.symbol,
        first: tick,
        last: tick,
        high,
        low,
        volume: tick.volume ?? 0,
        hasVolume: tick.volume !== undefined,
        count,
        previousClose: tick.previousClose,
      });
      return;
    }
    w.last = tick;
    w.high = Math.max(w.high, high);
    w.low = Math.min(w.low, low);
    if (tick.volume !== undefined) {
      w.volume += tick.volume;
      w.hasVolume = true;
    }
    w.count += count;
    if (tick.previousClose !== undefined) w.previousClose = tick.previousClose;
  }

  /**
   * Folds back ticks that were drained but could not be published, in front of whatever arrived since: the
   * newer window keeps its last price, the extremes and counts of both are kept.
   */
  restore(ticks: readonly PriceTick[]): void {
    const newer = [...this.#windows.values()];
    this.#windows.clear();
    for (const tick of ticks) this.add(tick);
    for (const w of newer) this.add(toTick(w));
  }

  /** Takes every open window as one tick per symbol, oldest window first, and starts new windows. */
  drain(max = Number.POSITIVE_INFINITY): PriceTick[] {
    const out: PriceTick[] = [];
    for (const [symbol, w] of this.#windows) {
      if (out.length >= max) break;
      this.#windows.delete(symbol);
      out.push(toTick(w));
    }
    return out;
  }
}

function toTick(w: Window): PriceTick {
  if (w.count === 1 && w.first === w.last) return w.last;
  const tick: PriceTick = {
    v: 1,
    symbol: w.symbol,
    price: w.last.price,
    ts: w.last.ts,
    open: w.first.open ?? w.first.price,
    high: w.high,
    low: w.low,
    count: w.count,
  };
  if (w.hasVolume) tick.volume = w.volume;
  if (w.previousClose !== undefined) tick.previousClose = w.previousClose;
  // The studies at the window's last price: the newest, as its price is.
  if (w.last.studies !== undefined) tick.studies = w.last.studies;
  return tick;
}
