// Load generation for the end-to-end benchmark: trades at a steady rate on the fake Finnhub socket.
import type { FakeFinnhub, FakeTrade } from "../src/finnhub/index.ts";

/** A trade that replaces one noise trade; `onSent` gets the wall clock just before its frame went out. */
export interface ScriptedTrade {
  symbol: string;
  price: number;
  onSent: (at: number) => void;
}

const FRAME_INTERVAL_MS = 5;

/** Noise trades around a base price (never near an alert level), sent in frames every few milliseconds. */
export class Ticker {
  readonly #finnhub: FakeFinnhub;
  readonly #symbols: readonly string[];
  readonly #base: number;
  #tickNumber = 0;

  constructor(finnhub: FakeFinnhub, symbols: readonly string[], base: number) {
    this.#finnhub = finnhub;
    this.#symbols = symbols;
    this.#base = base;
  }

  /**
   * Sends `rate` trades per second for `seconds`; `script(n)` may replace trade n by a scripted one.
   * Catches up after a late timer, so the average rate holds even when frames get bigger.
   */
  async run(
    rate: number,
    seconds: number,
    script: (tickNumber: number) => ScriptedTrade | undefined,
  ): Promise<{ sent: number; seconds: number }> {
    const total = Math.round(rate * seconds);
    const started = performance.now();
    let sent = 0;
    while (sent < total) {
      const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * rate));
      if (due > sent) {
        const trades: FakeTrade[] = [];
        const scripted: ScriptedTrade[] = [];
        for (; sent < due; sent++) {
          const n = this.#tickNumber++;
          const special = script(n);
          if (special) {
            scripted.push(special);
            trades.push({ symbol: special.symbol, price: special.price });
          } else {
            const symbol = this.#symbols[n % this.#symbols.length]!;
            trades.push({ symbol, price: Math.round((this.#base - 1 + Math.random() * 2) * 100) / 100 });
          }
        }
        const at = Date.now();
        this.#finnhub.pushTrades(trades);
        for (const s of scripted) s.onSent(at);
      }
      await new Promise((resolve) => setTimeout(resolve, FRAME_INTERVAL_MS));
    }
    return { sent, seconds: (performance.now() - started) / 1000 };
  }
}

/** Nearest-rank percentile of ascending values (0 for none). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}
