import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BookTops } from "./book-tops.ts";
import { advanceOnRow, TrailingBook, TrailingNodes, trailingLevel } from "./trailing-book.ts";

describe("TrailingBook", () => {
  it("merges peaks on a new high without losing older, higher peaks", () => {
    const book = new TrailingBook(new TrailingNodes(8), "percent", false);
    book.insert(0, 120, -0.9, true);
    book.insert(1, 100, -0.9, true);
    book.insert(2, 105, -0.95, true);
    book.advance(110);
    expect([0, 1, 2].map((s) => book.peakOf(s))).toEqual([120, 110, 110]);
    const fired: number[] = [];
    book.collect(106, fired); // levels: slot 0 at 120 * 0.9 = 108, slot 2 at 110 * 0.95 = 104.5, slot 1 at 99
    expect(fired).toEqual([0]);
    book.collect(104, fired);
    expect(fired).toEqual([0, 2]);
    expect(book.size).toBe(1);
  });

  it("keeps group ids proportional to its alerts under endless re-firing", () => {
    const book = new TrailingBook(new TrailingNodes(64), "amount", false);
    for (let s = 0; s < 50; s++) book.insert(s, 100, 1 + (s % 5), s % 2 === 0);
    let price = 100;
    for (let round = 0; round < 2000; round++) {
      price += round % 3 === 0 ? 2 : -1;
      book.advance(price);
      const fired: number[] = [];
      book.collect(price - 3, fired);
      for (const slot of fired) book.insert(slot, price - 3, 1 + (slot % 5), true);
    }
    expect(book.size).toBe(50);
    expect(book.groupIdsInUse).toBeLessThan(2 * 50 + 64);
  });

  it("agrees with a per-alert model through inserts, removals, arming, highs, firings and renumbering", () => {
    const op = fc.oneof(
      fc.record({
        kind: fc.constant("insert" as const),
        slot: fc.nat(11),
        peak: fc.integer({ min: 80, max: 120 }),
        key: fc.integer({ min: 1, max: 9 }),
        armed: fc.boolean(),
      }),
      fc.record({ kind: fc.constant("remove" as const), slot: fc.nat(11) }),
      fc.record({ kind: fc.constant("arm" as const), slot: fc.nat(11) }),
      fc.record({ kind: fc.constant("advance" as const), high: fc.integer({ min: 80, max: 130 }) }),
      fc.record({ kind: fc.constant("collect" as const), low: fc.integer({ min: 70, max: 125 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { minLength: 50, maxLength: 600, size: "max" }), (ops) => {
        const book = new TrailingBook(new TrailingNodes(12), "amount", false);
        const model = new Map<number, { peak: number; key: number; armed: boolean }>();
        for (const o of ops) {
          if (o.kind === "insert" && !model.has(o.slot)) {
            book.insert(o.slot, o.peak, o.key, o.armed);
            model.set(o.slot, { peak: o.peak, key: o.key, armed: o.armed });
          } else if (o.kind === "remove" && model.has(o.slot)) {
            book.remove(o.slot, model.get(o.slot)!.armed);
            model.delete(o.slot);
          } else if (o.kind === "arm" && model.get(o.slot)?.armed === false) {
            book.arm(o.slot);
            model.get(o.slot)!.armed = true;
          } else if (o.kind === "advance") {
            book.advance(o.high);
            for (const m of model.values()) m.peak = Math.max(m.peak, o.high);
          } else if (o.kind === "collect") {
            const fired: number[] = [];
            book.collect(o.low, fired);
            const expected = [...model.entries()]
              .filter(([, m]) => m.armed && o.low <= m.peak - m.key)
              .map(([s]) => s);
            expect(fired.sort()).toEqual(expected.sort());
            for (const s of expected) model.delete(s);
          }
          expect(book.size).toBe(model.size);
          for (const [s, m] of model) expect(book.peakOf(s)).toBe(m.peak);
        }
        expect(book.groupIdsInUse).toBeLessThanOrEqual(2 * 12 + 16 + 64);
      }),
      { numRuns: 200 },
    );
  });

  it("moved on its row alone while it is one group, agrees with the model, its row holding the highest armed level", () => {
    const op = fc.oneof(
      fc.record({
        kind: fc.constant("insert" as const),
        slot: fc.nat(11),
        below: fc.integer({ min: 0, max: 20 }),
        offset: fc.integer({ min: 1, max: 9 }),
        armed: fc.boolean(),
      }),
      fc.record({ kind: fc.constant("remove" as const), slot: fc.nat(11) }),
      { weight: 2, arbitrary: fc.record({ kind: fc.constant("arm" as const), slot: fc.nat(11) }) },
      // The price walks, mostly up so that peaks keep moving; the other operations happen around it.
      {
        weight: 6,
        arbitrary: fc.record({
          kind: fc.constant("advance" as const),
          step: fc.integer({ min: -2, max: 4 }),
        }),
      },
      fc.record({ kind: fc.constant("collect" as const), below: fc.integer({ min: 0, max: 15 }) }),
    );
    let onRow = 0;
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.array(op, { minLength: 50, maxLength: 400, size: "max" }),
        (percent, ops) => {
          // As the index places them: a row per book, the peak, fire and fast slots of a trailing book on it.
          const tops = new BookTops(1);
          const row = tops.allocate();
          const [peakAt, fireAt, fastAt] = [row, row + 1, row + 2];
          const unit = percent ? "percent" : "amount";
          const book = new TrailingBook(new TrailingNodes(12), unit, false, tops, peakAt, fireAt, fastAt);
          const keyOf = (offset: number) => (percent ? -(1 - offset / 100) : offset);
          const model = new Map<number, { peak: number; key: number; armed: boolean }>();
          let price = 100;
          for (const o of ops) {
            if (o.kind === "insert" && !model.has(o.slot)) {
              book.insert(o.slot, price - o.below, keyOf(o.offset), o.armed);
              model.set(o.slot, { peak: price - o.below, key: keyOf(o.offset), armed: o.armed });
            } else if (o.kind === "remove" && model.has(o.slot)) {
              book.remove(o.slot, model.get(o.slot)!.armed);
              model.delete(o.slot);
            } else if (o.kind === "arm" && model.get(o.slot)?.armed === false) {
              book.arm(o.slot);
              model.get(o.slot)!.armed = true;
            } else if (o.kind === "advance") {
              price += o.step;
              // The index's order: the row's peak gates, then the row alone when it can, the book otherwise.
              if (tops.array[peakAt]! < price) {
                if (advanceOnRow(tops.array, peakAt, fireAt, fastAt, percent, false, price)) onRow++;
                else book.advance(price);
              }
              for (const m of model.values()) m.peak = Math.max(m.peak, price);
            } else if (o.kind === "collect") {
              const low = price - o.below;
              const fired: number[] = [];
              if (tops.array[fireAt]! <= -low) book.collect(low, fired);
              const expected = [...model.entries()]
                .filter(([, m]) => m.armed && low <= trailingLevel(percent, false, m.peak, m.key))
                .map(([s]) => s);
              expect(fired.sort()).toEqual(expected.sort());
              for (const s of expected) model.delete(s);
            }
            const armedLevels = [...model.values()]
              .filter((m) => m.armed)
              .map((m) => trailingLevel(percent, false, m.peak, m.key));
            const highestLevel =
              armedLevels.length === 0 ? Number.NEGATIVE_INFINITY : Math.max(...armedLevels);
            expect(tops.array[fireAt]).toBe(-highestLevel);
            expect(book.size).toBe(model.size);
            for (const [s, m] of model) expect(book.peakOf(s)).toBe(m.peak);
          }
        },
      ),
      { numRuns: 200 },
    );
    expect(onRow).toBeGreaterThan(1000);
  });
});
