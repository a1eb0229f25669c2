import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTestDatabase, type TestDatabase } from "@tickerbell/testkit";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openPricingDb } from "../src/db/orm.ts";
import { SqlBarStore } from "../src/db/sql-bar-store.ts";
import {
  type BarPart,
  MINUTE_MS,
  MinuteBarBuilder,
  mergeAll,
  rollUpDaily,
  toBar,
} from "../src/domain/bars.ts";

const T0 = Date.UTC(2026, 5, 2, 13, 30); // a Tuesday, 09:30 New York
const DAY = 86_400_000;

function part(
  symbol: string,
  t: number,
  o: number,
  h: number,
  l: number,
  c: number,
  v: number,
  n = 1,
): BarPart {
  return { symbol, resolution: "1m", t, o, h, l, c, v, n, openTs: t + 1, closeTs: t + 59_000 };
}

/** The same behaviour on PostgreSQL and on PGlite. */
function storeSuite(name: string, open: () => Promise<{ store: SqlBarStore; cleanup(): Promise<void> }>) {
  describe(name, () => {
    let store: SqlBarStore;
    let cleanup: () => Promise<void>;
    beforeAll(async () => {
      ({ store, cleanup } = await open());
    });
    afterAll(async () => {
      await store?.close();
      await cleanup?.();
    });

    it("merges a minute written in parts into the bar of all its trades, and rolls the day up", async () => {
      const builder = new MinuteBarBuilder();
      builder.add({ v: 1, symbol: "AAPL", price: 100, ts: T0 + 1_000, volume: 10 });
      builder.add({ v: 1, symbol: "AAPL", price: 104, ts: T0 + 20_000, volume: 5 });
      await store.write(builder.drain());
      builder.add({ v: 1, symbol: "AAPL", price: 98, ts: T0 + 40_000, volume: 1 });
      builder.add({ v: 1, symbol: "AAPL", price: 101, ts: T0 + 59_999, volume: 2 });
      builder.add({ v: 1, symbol: "AAPL", price: 102, ts: T0 + MINUTE_MS + 5, volume: 3 });
      await store.write(builder.drain());
      expect(await store.read("AAPL", "1m", T0, T0 + 10 * MINUTE_MS)).toEqual([
        { t: T0, o: 100, h: 104, l: 98, c: 101, v: 18, n: 4 },
        { t: T0 + MINUTE_MS, o: 102, h: 102, l: 102, c: 102, v: 3, n: 1 },
      ]);
      const day = Date.UTC(2026, 5, 2);
      expect(await store.read("AAPL", "1d", day, day + DAY)).toEqual([
        { t: day, o: 100, h: 104, l: 98, c: 102, v: 21, n: 5 },
      ]);
    });

    it("answers each symbol's last stored close: its latest minute, else its latest day", async () => {
      const t = Date.UTC(2026, 4, 4, 15, 0);
      await store.writeHistory([
        part("LAST1", t, 10, 11, 9, 10.5, 1, 1),
        part("LAST1", t + MINUTE_MS, 10.5, 12, 10, 11.25, 1, 1),
        { ...part("LAST2", Date.UTC(2026, 4, 3, 4), 7, 8, 6, 7.75, 1, 1), resolution: "1d" },
      ]);
      const closes = await store.latestCloses();
      expect(closes.get("LAST1")).toBe(11.25);
      expect(closes.get("LAST2")).toBe(7.75);
    });

    it("keeps how far a symbol's back-fills reached, once their bars are stored, never moving it back", async () => {
      const t = Date.UTC(2026, 4, 5, 15, 0);
      expect(await store.backfilledUntil("MARK1")).toBeNull();
      await store.writeHistory([part("MARK1", t, 1, 1, 1, 1, 1)], {
        symbol: "MARK1",
        backfilledUntil: t + 5 * MINUTE_MS,
      });
      expect(await store.backfilledUntil("MARK1")).toBe(t + 5 * MINUTE_MS);
      expect(await store.read("MARK1", "1m", t, t + MINUTE_MS)).toHaveLength(1);
      // An older back-fill finishing late (nothing to write) does not take the mark back.
      await store.writeHistory([], { symbol: "MARK1", backfilledUntil: t });
      expect(await store.backfilledUntil("MARK1")).toBe(t + 5 * MINUTE_MS);
      await store.writeHistory([], { symbol: "MARK1", backfilledUntil: t + 60 * MINUTE_MS });
      expect(await store.backfilledUntil("MARK1")).toBe(t + 60 * MINUTE_MS);
      // Bars written without a mark (the stream's, or a test's) leave marks alone.
      await store.writeHistory([part("MARK2", t, 1, 1, 1, 1, 1)]);
      expect(await store.backfilledUntil("MARK2")).toBeNull();
    });

    it("stores what the pure builder and roll-up compute, however the writes were cut", async () => {
      let run = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.array(
            fc.record({
              price: fc.integer({ min: 100, max: 10_000 }).map((c) => c / 100),
              step: fc.oneof(
                fc.integer({ min: 0, max: 30_000 }),
                fc.integer({ min: 0, max: 10 * 3_600_000 }),
              ),
              volume: fc.integer({ min: 0, max: 100 }),
              cut: fc.boolean(),
            }),
            { minLength: 1, maxLength: 60 },
          ),
          async (steps) => {
            const symbol = `P${run++}`;
            const builder = new MinuteBarBuilder();
            const all: BarPart[] = [];
            let ts = T0;
            for (const s of steps) {
              ts += s.step;
              builder.add({ v: 1, symbol, price: s.price, ts, volume: s.volume });
              if (s.cut) {
                const parts = builder.drain();
                all.push(...parts);
                await store.write(parts);
              }
            }
            const rest = builder.drain();
            all.push(...rest);
            await store.write(rest);
            const byT = (a: { t: number }, b: { t: number }) => a.t - b.t;
            expect(await store.read(symbol, "1m", 0, ts + DAY)).toEqual(mergeAll(all).map(toBar).sort(byT));
            expect(await store.read(symbol, "1d", 0, ts + DAY)).toEqual(
              rollUpDaily(all).map(toBar).sort(byT),
            );
          },
        ),
        { numRuns: 15 },
      );
    });

    it("keeps streamed bars over history, and writing the same history twice changes nothing", async () => {
      await store.write([part("HIST", T0 + 5 * MINUTE_MS, 50, 51, 49, 50, 7)]);
      const history = [
        part("HIST", T0, 40, 42, 39, 41, 100, 10),
        part("HIST", T0 + MINUTE_MS, 41, 43, 40, 42, 100, 10),
        part("HIST", T0 + 5 * MINUTE_MS, 1, 1, 1, 1, 1, 1),
      ];
      await store.writeHistory(history);
      await store.writeHistory(history);
      expect(await store.read("HIST", "1m", T0, T0 + DAY)).toEqual([
        { t: T0, o: 40, h: 42, l: 39, c: 41, v: 100, n: 10 },
        { t: T0 + MINUTE_MS, o: 41, h: 43, l: 40, c: 42, v: 100, n: 10 },
        { t: T0 + 5 * MINUTE_MS, o: 50, h: 51, l: 49, c: 50, v: 7, n: 1 },
      ]);
      const day = Date.UTC(2026, 5, 2);
      expect(await store.read("HIST", "1d", day, day + 1)).toEqual([
        { t: day, o: 40, h: 51, l: 39, c: 50, v: 207, n: 21 },
      ]);
    });

    it("rolls a crypto pair's history up by UTC day, a forex pair's by FX day (from 17:00 New York)", async () => {
      // 23:58 and 00:02 UTC are one New York evening (18:58, 19:02) but two UTC days.
      const midnight = Date.UTC(2026, 11, 2);
      await store.writeHistory([
        part("BINANCE:BTCUSDT", midnight - 2 * MINUTE_MS, 90_000, 90_100, 89_900, 90_050, 2),
        part("BINANCE:BTCUSDT", midnight + 2 * MINUTE_MS, 90_050, 90_300, 90_000, 90_200, 3),
      ]);
      expect(await store.read("BINANCE:BTCUSDT", "1d", midnight - DAY, midnight + DAY)).toEqual([
        { t: midnight - DAY, o: 90_000, h: 90_100, l: 89_900, c: 90_050, v: 2, n: 1 },
        { t: midnight, o: 90_050, h: 90_300, l: 90_000, c: 90_200, v: 3, n: 1 },
      ]);
      // 16:59 and 17:01 New York on 1 December (21:59 and 22:01 UTC): the FX days of 1 and 2 December.
      const roll = Date.UTC(2026, 11, 1, 22);
      await store.writeHistory([
        part("OANDA:EUR_USD", roll - MINUTE_MS, 1.08, 1.081, 1.079, 1.0805, 0),
        part("OANDA:EUR_USD", roll + MINUTE_MS, 1.0805, 1.082, 1.08, 1.0815, 0),
      ]);
      expect(await store.read("OANDA:EUR_USD", "1d", midnight - DAY, midnight + DAY)).toEqual([
        { t: midnight - DAY, o: 1.08, h: 1.081, l: 1.079, c: 1.0805, v: 0, n: 1 },
        { t: midnight, o: 1.0805, h: 1.082, l: 1.08, c: 1.0815, v: 0, n: 1 },
      ]);
      expect(await store.previousClose("BINANCE:BTCUSDT", midnight + 3 * MINUTE_MS)).toBe(90_050);
    });

    it("answers the close of the last day before, and reads from inclusive to exclusive", async () => {
      const monday = Date.UTC(2026, 5, 1);
      await store.writeHistory([
        { ...part("PREV", monday, 10, 12, 9, 11, 1000, 50), resolution: "1d" },
        { ...part("PREV", monday - 3 * DAY, 8, 9, 7, 8.5, 1000, 50), resolution: "1d" },
      ]);
      expect(await store.previousClose("PREV", T0)).toBe(11);
      expect(await store.previousClose("PREV", monday + 3_600_000 * 15)).toBe(8.5);
      expect(await store.previousClose("PREV", monday - 3 * DAY)).toBeNull();
      expect((await store.read("PREV", "1d", monday - 3 * DAY, monday)).map((b) => b.t)).toEqual([
        monday - 3 * DAY,
      ]);
    });

    it("sweeps minute and daily bars past their cutoffs and counts them", async () => {
      await store.writeHistory([
        part("OLD", T0 - 40 * DAY, 1, 1, 1, 1, 1),
        part("OLD", T0 - 10 * DAY, 2, 2, 2, 2, 1),
        { ...part("OLD", Date.UTC(2024, 0, 2), 3, 3, 3, 3, 1), resolution: "1d" },
      ]);
      const gone = await store.sweep({ minuteBefore: T0 - 30 * DAY, dailyBefore: T0 - 400 * DAY });
      expect(gone).toEqual({ minute: 1, daily: 1 });
      expect((await store.read("OLD", "1m", 0, T0)).map((b) => b.o)).toEqual([2]);
      // The day of the swept minute keeps its daily bar: daily bars outlive minute bars.
      expect((await store.read("OLD", "1d", T0 - 41 * DAY, T0)).length).toBe(2);
    });
  });
}

let database: TestDatabase | undefined;
storeSuite("SqlBarStore on PostgreSQL", async () => {
  database = await createTestDatabase("tb_pricing_bars");
  const store = new SqlBarStore(await openPricingDb({ kind: "postgres", url: database.url }));
  return { store, cleanup: async () => database?.drop() };
});

storeSuite("SqlBarStore on PGlite", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tickerbell-pricing-pglite-"));
  const store = new SqlBarStore(await openPricingDb({ kind: "pglite", dataDir: dir }));
  return { store, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
});

describe("a back-fill written to PGlite, which runs in the process", () => {
  it("hands the event loop back while it writes, and rolls days split between batches up whole", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tickerbell-pricing-pglite-"));
    const store = new SqlBarStore(await openPricingDb({ kind: "pglite", dataDir: dir }));
    try {
      // Ten days of around-the-clock minutes, as a crypto pair's back-fill brings them.
      // From midnight UTC, whose dates name a crypto pair's daily bars: ten whole days.
      const start = Date.UTC(2026, 5, 1);
      const minutes = Array.from({ length: 10 * 1440 }, (_, i) =>
        part("BINANCE:BTCUSDT", start + i * MINUTE_MS, 100 + (i % 7), 110 + (i % 7), 90 + (i % 7), 101, 2),
      );
      // Timers and other requests run only when the loop turns: count its turns while the history is written.
      let turns = 0;
      let writing = true;
      const turn = () => {
        turns++;
        if (writing) setImmediate(turn);
      };
      setImmediate(turn);
      await store.writeHistory(minutes);
      writing = false;
      // One statement for all held the loop throughout (no turn at all); in batches it turns between each.
      expect(turns).toBeGreaterThanOrEqual(Math.floor(minutes.length / 1000) - 1);
      const days = await store.read("BINANCE:BTCUSDT", "1d", start - DAY, start + 11 * DAY);
      expect(days).toHaveLength(10);
      for (const day of days) expect(day).toMatchObject({ v: 1440 * 2, n: 1440, h: 116, l: 90 });
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
