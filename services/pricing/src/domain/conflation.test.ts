import type { PriceTick } from "@tickerbell/contracts";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { TickConflator } from "./conflation.ts";

const trade = (symbol: string, price: number, ts: number, volume = 1): PriceTick => ({
  v: 1,
  symbol,
  price,
  ts,
  volume,
});

/** A trade sequence over a few symbols, with the points after which the publisher drained. */
const scenario = fc
  .array(
    fc.record({
      symbol: fc.constantFrom("AAPL", "MSFT", "TSLA"),
      price: fc.double({ min: 1, max: 1000, noNaN: true }),
      volume: fc.integer({ min: 0, max: 1000 }),
      drainAfter: fc.boolean(),
      /** The drained batch failed to publish and was folded back. */
      failed: fc.boolean(),
    }),
    { minLength: 1, maxLength: 200 },
  )
  .map((steps) => steps.map((s, i) => ({ ...s, ts: 1_000 + i })));

type Step = {
  symbol: string;
  price: number;
  volume: number;
  ts: number;
  drainAfter: boolean;
  failed: boolean;
};

function conflate(steps: Step[]) {
  const conflator = new TickConflator();
  const out: PriceTick[] = [];
  for (const s of steps) {
    conflator.add(trade(s.symbol, s.price, s.ts, s.volume));
    if (!s.drainAfter) continue;
    const batch = conflator.drain();
    if (s.failed) conflator.restore(batch);
    else out.push(...batch);
  }
  out.push(...conflator.drain());
  return out;
}

describe("TickConflator", () => {
  it("keeps every threshold any trade crossed: for any trades, window split and failed batches", () => {
    fc.assert(
      fc.property(scenario, fc.double({ min: 1, max: 1000, noNaN: true }), (steps, threshold) => {
        const ticks = conflate(steps);
        for (const symbol of new Set(steps.map((s) => s.symbol))) {
          const trades = steps.filter((s) => s.symbol === symbol);
          const mine = ticks.filter((t) => t.symbol === symbol);
          const reachedAbove = trades.some((t) => t.price >= threshold);
          const reachedBelow = trades.some((t) => t.price <= threshold);
          // An "above X" alert fires when some tick's high reaches X; "below X" when some tick's low does.
          expect(mine.some((t) => (t.high ?? t.price) >= threshold)).toBe(reachedAbove);
          expect(mine.some((t) => (t.low ?? t.price) <= threshold)).toBe(reachedBelow);
        }
      }),
      { numRuns: 500 },
    );
  });

  it("keeps the last price, the trade count and the volume of every window", () => {
    fc.assert(
      fc.property(scenario, (steps) => {
        const ticks = conflate(steps);
        for (const symbol of new Set(steps.map((s) => s.symbol))) {
          const trades = steps.filter((s) => s.symbol === symbol);
          const mine = ticks.filter((t) => t.symbol === symbol);
          expect(mine.reduce((n, t) => n + (t.count ?? 1), 0)).toBe(trades.length);
          expect(mine.reduce((n, t) => n + (t.volume ?? 0), 0)).toBe(
            trades.reduce((n, t) => n + t.volume, 0),
          );
          expect(mine.at(-1)?.price).toBe(trades.at(-1)?.price);
          // Windows come out in time order.
          const times = mine.map((t) => t.ts);
          expect(times).toEqual([...times].sort((a, b) => a - b));
        }
      }),
      { numRuns: 300 },
    );
  });

  it("passes a lone trade through untouched", () => {
    const conflator = new TickConflator();
    const t = trade("AAPL", 190.5, 1);
    conflator.add(t);
    expect(conflator.drain()).toEqual([t]);
    expect(conflator.pendingSymbols).toBe(0);
  });

  it("folds a batch that failed to publish back in front of newer ticks", () => {
    const conflator = new TickConflator();
    conflator.add(trade("AAPL", 100, 1));
    conflator.add(trade("AAPL", 90, 2));
    const failed = conflator.drain();
    conflator.add(trade("AAPL", 105, 3));
    conflator.restore(failed);
    expect(conflator.drain()).toEqual([
      { v: 1, symbol: "AAPL", price: 105, ts: 3, open: 100, high: 105, low: 90, count: 3, volume: 3 },
    ]);
  });

  it("keeps the newest tick's studies: the values at the window's last price", () => {
    const conflator = new TickConflator();
    conflator.add({ ...trade("AAPL", 100, 1), studies: { values: { sma50: 98 } } });
    conflator.add({ ...trade("AAPL", 101, 2), studies: { values: { sma50: 98.02 } } });
    expect(conflator.drain()[0]?.studies).toEqual({ values: { sma50: 98.02 } });
  });
});
