import type { Bar, BarResolution } from "@tickerbell/contracts";
import type { BarPart } from "./bars.ts";
import type { BackfillMark, BarStore } from "./ports.ts";

/**
 * A bar store still opening (an embedded database's first start creates it, which takes seconds): everything
 * else starts without waiting for it. Calls wait for it to open; if it cannot, they fail with the reason (the
 * recorder keeps bars in its bounded buffer meanwhile, the bars API answers 500 and logs it).
 */
export class DeferredBarStore implements BarStore {
  readonly #opening: Promise<BarStore>;

  constructor(opening: Promise<BarStore>) {
    this.#opening = opening;
    // Each call reports a failure; keep the bare promise from counting as unhandled.
    opening.catch(() => {});
  }

  /** Resolves once the store has opened, or failed to (each call then reports the failure). */
  async opened(): Promise<void> {
    await this.#opening.catch(() => {});
  }

  async write(parts: readonly BarPart[]): Promise<void> {
    return (await this.#opening).write(parts);
  }
  async writeHistory(bars: readonly BarPart[], mark?: BackfillMark): Promise<void> {
    return (await this.#opening).writeHistory(bars, mark);
  }
  async backfilledUntil(symbol: string): Promise<number | null> {
    return (await this.#opening).backfilledUntil(symbol);
  }
  async read(symbol: string, resolution: BarResolution, from: number, to: number): Promise<Bar[]> {
    return (await this.#opening).read(symbol, resolution, from, to);
  }
  async previousClose(symbol: string, at: number): Promise<number | null> {
    return (await this.#opening).previousClose(symbol, at);
  }
  async storedSpan(
    symbol: string,
    resolution: BarResolution,
    before?: number,
  ): Promise<{ first: number; last: number } | null> {
    return (await this.#opening).storedSpan(symbol, resolution, before);
  }
  async latestCloses(): Promise<Map<string, number>> {
    return (await this.#opening).latestCloses();
  }
  async sweep(cutoffs: {
    minuteBefore: number;
    dailyBefore: number;
  }): Promise<{ minute: number; daily: number }> {
    return (await this.#opening).sweep(cutoffs);
  }
  async close(): Promise<void> {
    const store = await this.#opening.catch(() => undefined);
    await store?.close();
  }
}
