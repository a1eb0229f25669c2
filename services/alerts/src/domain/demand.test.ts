import { describe, expect, it } from "vitest";
import { type DemandAlertRecord, DemandTally, demandOf } from "./demand.ts";

const price = (symbol: string, upper: number | null, lower: number | null): DemandAlertRecord => ({
  symbol,
  condition: { kind: "price", direction: upper === null ? "below" : "above", target: upper ?? lower ?? 1 },
  thresholds: { upper, lower },
  extreme: null,
  referencePrice: 100,
});

describe("demandOf", () => {
  it("counts each symbol's alerts and keeps the lowest level above and the highest below", () => {
    const demand = demandOf(
      [
        price("MSFT", 450, null),
        price("AAPL", 210, null),
        price("AAPL", 205, null),
        price("AAPL", null, 180),
        price("AAPL", null, 185),
        {
          symbol: "AAPL",
          condition: { kind: "trailing", direction: "down", offset: { unit: "percent", value: 5 } },
          thresholds: { upper: null, lower: null },
          extreme: 200,
          referencePrice: 190,
        },
      ],
      ["TSLA", "AAPL"],
    );
    expect(demand).toEqual({
      symbols: ["AAPL", "MSFT", "TSLA"],
      bySymbol: [
        // The trailing alert's level: 5% under its peak of 200 = 190, nearer than the 185 below.
        { symbol: "AAPL", alerts: 5, nearestAbove: 205, nearestBelow: 190 },
        { symbol: "MSFT", alerts: 1, nearestAbove: 450, nearestBelow: null },
        { symbol: "TSLA", alerts: 0, nearestAbove: null, nearestBelow: null },
      ],
    });
  });

  it("names the studies a symbol's volume and indicator alerts watch, once each and sorted", () => {
    const study = (symbol: string, condition: DemandAlertRecord["condition"]): DemandAlertRecord => ({
      symbol,
      condition,
      thresholds: { upper: null, lower: null },
      extreme: null,
      referencePrice: 100,
    });
    const demand = demandOf(
      [
        study("AAPL", { kind: "rsi", direction: "below", level: 30, period: 14, interval: "1d" }),
        study("AAPL", { kind: "volume", multiple: 3 }),
        study("AAPL", { kind: "average", average: "sma", period: 50, direction: "cross" }),
        study("AAPL", { kind: "average", average: "sma", period: 50, direction: "above" }),
        study("MSFT", { kind: "rsi", direction: "above", level: 70, period: 14, interval: "1h" }),
        price("TSLA", 300, null),
      ],
      [],
    );
    expect(demand.bySymbol).toEqual([
      {
        symbol: "AAPL",
        alerts: 4,
        nearestAbove: null,
        nearestBelow: null,
        studies: ["rsi14:1d", "sma50", "volume"],
      },
      { symbol: "MSFT", alerts: 1, nearestAbove: null, nearestBelow: null, studies: ["rsi14:1h"] },
      // Price alerts need no study: no `studies` at all.
      { symbol: "TSLA", alerts: 1, nearestAbove: 300, nearestBelow: null },
    ]);
  });
});

describe("DemandTally", () => {
  it("told the alerts a page at a time, answers what demandOf answers for all of them", () => {
    const alerts = [
      price("MSFT", 450, null),
      price("AAPL", 210, null),
      price("AAPL", null, 180),
      price("TSLA", 300, null),
      price("AAPL", 205, null),
      price("MSFT", null, 400),
      price("AAPL", null, 185),
    ];
    for (const cut of [[1, 3, 3], [2, 2, 3], [7]]) {
      const tally = new DemandTally();
      let from = 0;
      for (const size of cut) {
        tally.add(alerts.slice(from, from + size));
        from += size;
      }
      tally.watch(["NFLX", "AAPL"]);
      expect(tally.demand()).toEqual(demandOf(alerts, ["NFLX", "AAPL"]));
    }
  });
});
