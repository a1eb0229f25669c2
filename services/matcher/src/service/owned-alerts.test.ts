import type { Alert, AlertChangeEvent, AlertRuntimeState } from "@tickerbell/contracts";
import { describe, expect, it } from "vitest";
import { makeAlert } from "../../test/alert-fixtures.ts";
import { fingerprintOf, OwnedAlerts } from "./owned-alerts.ts";

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

  it("carries each alert's own recipient and note, while users share one copy across their alerts", () => {
    const owned = new OwnedAlerts({ partitionOf: () => 0 });
    const alertOf = (n: number, userId: string, chatId: string, note: string | null): Alert => ({
      ...makeAlert({
        id: `00000000-0000-4000-8000-00000000010${n}`,
        symbol: "OWN",
        condition: { kind: "price", direction: "above", target: 101 + n },
        referencePrice: 100,
      }),
      userId,
      origin: { platform: n % 2 === 0 ? "telegram" : "discord", chatId },
      note,
      urgent: n === 2,
    });
    const ann = "00000000-0000-4000-8000-00000000a001";
    const bob = "00000000-0000-4000-8000-00000000b002";
    owned.takeOver(
      new Set([0]),
      [alertOf(1, ann, "11", "first"), alertOf(2, ann, "12", null), alertOf(3, bob, "21", "third")],
      {},
    );
    const fired = owned.onTick(tick(110), 0, 0n)!;
    expect(fired.map((f) => [f.firing.alertId.slice(-1), f.recipient])).toEqual([
      ["1", { userId: ann, origin: { platform: "discord", chatId: "11" }, note: "first" }],
      ["2", { userId: ann, origin: { platform: "telegram", chatId: "12" }, note: null, urgent: true }],
      ["3", { userId: bob, origin: { platform: "discord", chatId: "21" }, note: "third" }],
    ]);
  });

  it("writes a state again after a checkpoint whose write failed, and not again once one succeeded", () => {
    const owned = new OwnedAlerts({ partitionOf: () => 0 });
    const trailing = makeAlert({
      id: "00000000-0000-4000-8000-000000000201",
      symbol: "OWN",
      condition: { kind: "trailing", direction: "down", offset: { unit: "percent", value: 5 } },
      referencePrice: 100,
    });
    owned.takeOver(new Set([0]), [trailing], {});
    owned.onTick(tick(104), 0, 0n);
    const first = owned.checkpoint();
    expect(first.events.map((e) => e.state?.extreme)).toEqual([104]);
    first.failed();
    const second = owned.checkpoint();
    expect(second.events.map((e) => e.state?.extreme)).toEqual([104]);
    second.written();
    owned.onTick(tick(103), 0, 1n);
    expect(owned.checkpoint().events).toEqual([]);
  });

  it("does not count a write as another alert's when the row was reused while the write was under way", () => {
    const owned = new OwnedAlerts({ partitionOf: () => 0 });
    const trailing = (n: number) =>
      makeAlert({
        id: `00000000-0000-4000-8000-00000000030${n}`,
        symbol: "OWN",
        condition: { kind: "trailing", direction: "down", offset: { unit: "percent", value: 5 } },
        referencePrice: 100,
      });
    let seq = 0;
    const change = (alert: Alert, kind: AlertChangeEvent["change"]): AlertChangeEvent => ({
      v: 1,
      seq: String(++seq),
      change: kind,
      at: new Date(T0).toISOString(),
      alert,
    });
    owned.takeOver(new Set([0]), [trailing(1)], {});
    owned.onTick(tick(104), 0, 0n);
    const pending = owned.checkpoint();
    // The alert is cancelled and a new one takes its row before the write completes.
    owned.onChange(change({ ...trailing(1), status: "cancelled", version: 2 }, "cancelled"), 0, 0n);
    owned.onChange(change(trailing(2), "created"), 0, 1n);
    // The same state the first one had: counted as written, it would never be.
    owned.onTick(tick(104), 0, 1n);
    pending.written();
    expect(owned.checkpoint().events.map((e) => [e.alertId, e.state?.extreme])).toEqual([
      [trailing(2).id, 104],
    ]);
  });

  it("fingerprints every field of a runtime state", () => {
    const base: AlertRuntimeState = {
      generation: 3,
      phase: "cooling",
      referencePrice: 100,
      upper: 105,
      lower: null,
      extreme: null,
      lastFiredAt: T0,
      lastFirePrice: 104.5,
    };
    const variants: AlertRuntimeState[] = [
      { ...base, generation: 4 },
      { ...base, phase: "armed" },
      { ...base, referencePrice: 100.01 },
      { ...base, upper: null },
      { ...base, lower: 95 },
      { ...base, extreme: 106 },
      { ...base, lastFiredAt: T0 + 1 },
      { ...base, lastFirePrice: null },
      { ...base, extremeSince: T0 },
      { ...base, extremeSince: T0 + 86_400_000 },
      // A moving-average cross that fired and now watches the other side differs only here.
      { ...base, watch: "upper" },
      { ...base, watch: "lower" },
    ];
    expect(fingerprintOf({ ...base })).toBe(fingerprintOf(base));
    const prints = new Set([base, ...variants].map(fingerprintOf));
    expect(prints.size).toBe(variants.length + 1);
    expect(fingerprintOf(null)).toBeNaN();
  });
});
