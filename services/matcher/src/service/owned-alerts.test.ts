import { describe, expect, it } from "vitest";
import { makeAlert } from "../../test/alert-fixtures.ts";
import { OwnedAlerts } from "./owned-alerts.ts";

const T0 = Date.parse("2026-03-02T15:00:00Z");
const tick = (price: number, ts = T0) => ({ v: 1 as const, symbol: "OWN", price, ts });

describe("OwnedAlerts", () => {
  it("marks firings on ticks a predecessor may have handled (below the end at take-over) as sent again", () => {
    const owned = new OwnedAlerts({ partitionOf: () => 0 });
    const alert = (n: number, target: number) =>
      makeAlert({
        id: `00000000-0000-4000-8000-00000000000${n}`,
        symbol: "OWN",
        condition: { kind: "price", direction: "above", target },
        referencePrice: 100,
      });
    owned.takeOver(new Set([0]), [alert(1, 101), alert(2, 102)], {}, new Map([[0, "5"]]));
    expect(owned.onTick(tick(101.5), 0, 3n)?.map((f) => f.again)).toEqual([true]);
    expect(owned.onTick(tick(102.5), 0, 5n)?.map((f) => f.again)).toEqual([false]);
    // Already handled (the bus redelivers after a rebalance): nothing happens again.
    expect(owned.onTick(tick(103), 0, 4n)).toBeNull();
  });

  it("keeps a partition uncommitted until its first checkpoint is committed", () => {
    const owned = new OwnedAlerts({ partitionOf: () => 0 });
    owned.takeOver(new Set([0]), [], {});
    expect(owned.uncommitted(0)).toBe(false);
    owned.onTick(tick(100), 0, 0n);
    expect(owned.uncommitted(0)).toBe(true);
    const checkpoint = owned.checkpoint();
    expect(checkpoint.positions).toEqual([{ topic: "prices.ticks", partition: 0, offset: "1" }]);
    checkpoint.committed();
    expect(owned.uncommitted(0)).toBe(false);
  });
});
