import type { PriceTick } from "@tickerbell/contracts";
import { describe, expect, it } from "vitest";
import { SimulatedFeed } from "./simulated-feed.ts";
import { SimulatedSource } from "./simulated-source.ts";

const TUESDAY_10AM = Date.parse("2026-11-24T15:00:00Z");

describe("SimulatedSource", () => {
  it("delivers only subscribed symbols, the same ticks for the same seed and clock", async () => {
    const runOnce = async () => {
      let now = TUESDAY_10AM;
      const source = new SimulatedSource(new SimulatedFeed({ seed: 11, startMs: now }), { now: () => now });
      const got: PriceTick[] = [];
      await source.start((t) => got.push(t));
      source.subscribe(["AAPL", "ZZTOP"]);
      for (let i = 0; i < 30; i++) {
        now += 1_000;
        source.tick();
      }
      source.unsubscribe(["AAPL"]);
      now += 10_000;
      source.tick();
      await source.stop();
      return got;
    };
    const first = await runOnce();
    expect(new Set(first.map((t) => t.symbol))).toEqual(new Set(["AAPL", "ZZTOP"]));
    expect(first.filter((t) => t.symbol === "AAPL").every((t) => t.ts <= TUESDAY_10AM + 30_000)).toBe(true);
    expect(first.filter((t) => t.symbol === "ZZTOP").some((t) => t.ts > TUESDAY_10AM + 30_000)).toBe(true);
    expect(await runOnce()).toEqual(first);
  });
});
