import type { Alert, AlertChangeEvent } from "@tickerbell/contracts";
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

  it("takes the record's re-based state when an edit raises the levels revision, also while paused", () => {
    const owned = new OwnedAlerts({ partitionOf: () => 0 });
    const v1 = makeAlert({
      id: "00000000-0000-4000-8000-000000000009",
      symbol: "OWN",
      condition: { kind: "price", direction: "above", target: 101 },
      referencePrice: 100,
      cooldownSeconds: 60,
    });
    owned.takeOver(new Set([0]), [v1], {});
    expect(owned.onTick(tick(101.5), 0, 0n)?.map((f) => f.firing.triggerId)).toEqual([`${v1.id}:0`]);
    let seq = 0;
    const change = (alert: Alert): AlertChangeEvent => ({
      v: 1,
      seq: String(++seq),
      change: "updated",
      at: new Date(T0).toISOString(),
      alert,
    });
    // Paused, then edited while paused (the record's generation is still 0: the firing is not recorded yet).
    owned.onChange(change({ ...v1, status: "paused", version: 2 }), 0, 0n);
    const edited: Alert = {
      ...v1,
      status: "paused",
      version: 3,
      condition: { kind: "price", direction: "above", target: 110 },
      thresholds: { upper: 110, lower: null },
      referencePrice: 101.5,
      generation: 1,
      levelsRevision: 1,
    };
    owned.onChange(change(edited), 0, 1n);
    expect(owned.stateOf(v1.id)).toMatchObject({ upper: 110, phase: "armed", generation: 1 });
    owned.onChange(change({ ...edited, status: "active", version: 4 }), 0, 2n);
    // Back under the old level's band, then above the old level: the old alert would fire here.
    expect(owned.onTick(tick(100, T0 + 3_600_000), 0, 1n)).toEqual([]);
    expect(owned.onTick(tick(105, T0 + 3_601_000), 0, 2n)).toEqual([]);
    const fired = owned.onTick(tick(110.5, T0 + 3_602_000), 0, 3n);
    expect(fired?.map((f) => [f.firing.triggerId, f.firing.price])).toEqual([[`${v1.id}:1`, 110.5]]);
    // A later note edit (same revision) leaves the state alone: still cooling from that firing.
    owned.onChange(change({ ...edited, status: "active", version: 5, note: "hi" }), 0, 3n);
    expect(owned.stateOf(v1.id)).toMatchObject({ phase: "cooling", generation: 2 });
    // Re-armed after its cooldown and the band: the checkpoint says which revision the state was computed under.
    expect(owned.onTick(tick(100, T0 + 7_200_000), 0, 4n)).toEqual([]);
    expect(owned.checkpoint().events.map((e) => [e.state?.phase, e.levelsRevision])).toEqual([["armed", 1]]);
  });
});
