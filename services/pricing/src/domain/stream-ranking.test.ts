import type { SymbolDemand } from "@tickerbell/contracts";
import { describe, expect, it } from "vitest";
import { chooseStreamed, rankSymbols, relativeDistance, urgencyScore } from "./stream-ranking.ts";

const demand = (
  symbol: string,
  alerts: number,
  nearestAbove: number | null,
  nearestBelow: number | null = null,
): SymbolDemand => ({ symbol, alerts, nearestAbove, nearestBelow });

describe("relativeDistance", () => {
  it("is the nearest level's distance as a fraction of the price", () => {
    expect(relativeDistance(demand("A", 1, 105, 90), 100)).toBeCloseTo(0.05, 12);
    expect(relativeDistance(demand("A", 1, 120, 98), 100)).toBeCloseTo(0.02, 12);
  });
  it("is 0 once a level is reached and 1 (far) without a price or a level", () => {
    expect(relativeDistance(demand("A", 1, 99, null), 100)).toBe(0);
    expect(relativeDistance(demand("A", 1, 105, null), null)).toBe(1);
    expect(relativeDistance(demand("A", 1, null, null), 100)).toBe(1);
    expect(relativeDistance(demand("A", 1, 500, null), 100)).toBe(1);
  });
});

describe("urgencyScore", () => {
  it("is (1 + log2 alerts) / max(distance, 1%)", () => {
    expect(urgencyScore(demand("A", 1, 101), 100)).toBeCloseTo(100, 9); // 1 / 0.01
    expect(urgencyScore(demand("A", 1, 100.2), 100)).toBeCloseTo(100, 9); // floored at 1%
    expect(urgencyScore(demand("A", 4, 110), 100)).toBeCloseTo(30, 9); // 3 / 0.1
    expect(urgencyScore(demand("A", 100, 110), 100)).toBeCloseTo((1 + Math.log2(100)) / 0.1, 9); // 76.4
    expect(urgencyScore(demand("A", 1, 150), 100)).toBeCloseTo(2, 9); // 1 / 0.5
    expect(urgencyScore(demand("A", 0, null), 100)).toBe(0);
  });
  it("ranks nearness over counts: one alert 1% away beats a hundred 10% away", () => {
    const ranked = rankSymbols(
      [demand("MANY", 100, 110), demand("NEAR", 1, 101), demand("WATCH", 0, null)],
      () => 100,
    );
    expect(ranked.map((r) => r.symbol)).toEqual(["NEAR", "MANY", "WATCH"]);
  });
  it("breaks ties by symbol", () => {
    const ranked = rankSymbols([demand("B", 1, 110), demand("A", 1, 110)], () => 100);
    expect(ranked.map((r) => r.symbol)).toEqual(["A", "B"]);
  });
});

describe("chooseStreamed", () => {
  const ranked = (scores: Record<string, number>) =>
    Object.entries(scores)
      .map(([symbol, score]) => ({ symbol, score }))
      .sort((a, b) => b.score - a.score);

  it("streams the top cap from nothing", () => {
    expect([...chooseStreamed(ranked({ A: 50, B: 40, C: 30 }), new Set(), 2)].sort()).toEqual(["A", "B"]);
  });
  it("keeps a holder near the cut until a challenger beats it by the margin (25%)", () => {
    // C (holder, 40) vs B (challenger, 45): 45 < 40 x 1.25 = 50, no swap.
    expect([...chooseStreamed(ranked({ A: 100, B: 45, C: 40 }), new Set(["A", "C"]), 2)].sort()).toEqual([
      "A",
      "C",
    ]);
    // B at 51 > 50: swapped.
    expect([...chooseStreamed(ranked({ A: 100, B: 51, C: 40 }), new Set(["A", "C"]), 2)].sort()).toEqual([
      "A",
      "B",
    ]);
  });
  it("swaps several when several clearly win, weakest holder first", () => {
    const streamed = chooseStreamed(
      ranked({ D: 90, E: 80, A: 30, B: 20, C: 10 }),
      new Set(["A", "B", "C"]),
      3,
    );
    // D (90) > C (10) x 1.25 and E (80) > B (20) x 1.25; the next outsider is none.
    expect([...streamed].sort()).toEqual(["A", "D", "E"]);
  });
  it("fills free slots whatever the score and drops holders no longer demanded", () => {
    expect([...chooseStreamed(ranked({ A: 0, B: 0 }), new Set(["GONE"]), 2)].sort()).toEqual(["A", "B"]);
  });
  it("gives up the least urgent holders when the cap shrinks", () => {
    expect([...chooseStreamed(ranked({ A: 50, B: 40, C: 30 }), new Set(["A", "B", "C"]), 2)].sort()).toEqual([
      "A",
      "B",
    ]);
  });
  it("does not swap zero-score watch-only holders for zero-score outsiders", () => {
    expect([...chooseStreamed(ranked({ A: 0, B: 0 }), new Set(["B"]), 1)]).toEqual(["B"]);
    expect([...chooseStreamed(ranked({ A: 5, B: 0 }), new Set(["B"]), 1)]).toEqual(["A"]);
  });
});
