import { Writable } from "node:stream";
import { createLogger } from "@tickerbell/config";
import type { AlertChangeEvent, Demand } from "@tickerbell/contracts";
import { describe, expect, it } from "vitest";
import { type DemandChange, DemandTracker } from "./demand.ts";
import type { DemandSnapshotSource } from "./ports.ts";

const silent = createLogger({
  service: "test",
  destination: new Writable({ write: (_c, _e, done) => done() }),
});

/** The alert service's answer, as a test controls it: of every symbol, or of those asked (as GET /demand). */
class ScriptedSnapshot implements DemandSnapshotSource {
  symbols: string[] = [];
  calls = 0;
  /** The symbols each scoped question asked for (a whole snapshot asks for none). */
  readonly asked: string[][] = [];
  async fetchDemand(symbols?: readonly string[]): Promise<Demand> {
    this.calls++;
    if (symbols !== undefined) this.asked.push([...symbols]);
    const answered = this.symbols.filter((s) => symbols === undefined || symbols.includes(s.toUpperCase()));
    return {
      symbols: answered,
      bySymbol: answered.map((symbol) => ({ symbol, alerts: 1, nearestAbove: null, nearestBelow: null })),
    };
  }
}

/** Each alert's events get the next version unless the test names one (a replay of an older event). */
const versions = new Map<string, number>();
function change(
  id: string,
  symbol: string,
  status: AlertChangeEvent["alert"]["status"],
  version = (versions.get(id) ?? 0) + 1,
  condition: AlertChangeEvent["alert"]["condition"] = { kind: "price", direction: "above", target: 1 },
): AlertChangeEvent {
  versions.set(id, Math.max(version, versions.get(id) ?? 0));
  // Only the fields the tracker reads matter; the rest is a plausible alert.
  return {
    v: 1,
    seq: String(version),
    change: status === "active" ? "created" : "cancelled",
    at: new Date().toISOString(),
    alert: {
      id,
      symbol,
      status,
      version,
      condition,
      referencePrice: 1,
      thresholds:
        condition.kind === "price" ? { upper: condition.target, lower: null } : { upper: null, lower: null },
      extreme: null,
    } as AlertChangeEvent["alert"],
  };
}

async function until(predicate: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !predicate(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(predicate()).toBe(true);
}

describe("DemandTracker", () => {
  it("starts from the snapshot and reports what was added", async () => {
    const snapshot = new ScriptedSnapshot();
    snapshot.symbols = ["AAPL", "msft"];
    const tracker = new DemandTracker(snapshot, silent);
    const changes: DemandChange[] = [];
    tracker.onChange((c) => changes.push(c));
    await tracker.refresh();
    expect(changes).toEqual([{ added: ["AAPL", "MSFT"], removed: [] }]);
  });

  it("adds demand when an alert becomes active and drops it when its only alert stops", async () => {
    const tracker = new DemandTracker(new ScriptedSnapshot(), silent, { recheckDelayMs: 1 });
    const changes: DemandChange[] = [];
    tracker.onChange((c) => changes.push(c));
    tracker.apply(change("a1", "TSLA", "active"));
    tracker.apply(change("a2", "TSLA", "active"));
    tracker.apply(change("a1", "TSLA", "cancelled"));
    expect(tracker.symbols()).toEqual(["TSLA"]);
    tracker.apply(change("a2", "TSLA", "triggered"));
    expect(tracker.symbols()).toEqual([]);
    expect(changes).toEqual([
      { added: ["TSLA"], removed: [] },
      { added: [], removed: ["TSLA"] },
    ]);
  });

  it("adds no demand for an earnings alert: it is due by the calendar, not a price", async () => {
    const tracker = new DemandTracker(new ScriptedSnapshot(), silent, { recheckDelayMs: 1 });
    tracker.apply(change("e1", "NFLX", "active", undefined, { kind: "earnings" }));
    expect(tracker.symbols()).toEqual([]);
    // Edited into a price alert, it streams prices; back to earnings, it stops.
    tracker.apply(change("e1", "NFLX", "active"));
    expect(tracker.symbols()).toEqual(["NFLX"]);
    tracker.apply(change("e1", "NFLX", "active", undefined, { kind: "earnings" }));
    expect(tracker.symbols()).toEqual([]);
  });

  it("counts alerts per symbol: thousands on one symbol, the symbol goes only with the last of them", async () => {
    const tracker = new DemandTracker(new ScriptedSnapshot(), silent, { recheckDelayMs: 1 });
    const changes: DemandChange[] = [];
    tracker.onChange((c) => changes.push(c));
    for (let i = 0; i < 5000; i++) tracker.apply(change(`m${i}`, i % 2 ? "META" : "AMZN", "active"));
    // An alert seen again as active on another symbol moves its demand with it.
    tracker.apply(change("m0", "ORCL", "active"));
    for (let i = 1; i < 5000; i++) tracker.apply(change(`m${i}`, i % 2 ? "META" : "AMZN", "triggered"));
    expect(tracker.symbols()).toEqual(["ORCL"]);
    expect(changes).toEqual([
      { added: ["AMZN"], removed: [] },
      { added: ["META"], removed: [] },
      { added: ["ORCL"], removed: [] },
      { added: [], removed: ["AMZN"] },
      { added: [], removed: ["META"] },
    ]);
    tracker.stop();
  });

  it("asks the alert service again about a snapshot symbol whose alert stopped, and follows its answer", async () => {
    const snapshot = new ScriptedSnapshot();
    snapshot.symbols = ["AAPL", "NVDA", "MSFT"];
    const tracker = new DemandTracker(snapshot, silent, { recheckDelayMs: 1 });
    await tracker.refresh();
    // NVDA is still on a watchlist: the recheck keeps it. It asks about NVDA only, not every symbol.
    tracker.apply(change("a1", "NVDA", "cancelled"));
    await until(() => snapshot.calls === 2);
    expect(snapshot.asked).toEqual([["NVDA"]]);
    expect(tracker.symbols().sort()).toEqual(["AAPL", "MSFT", "NVDA"]);
    // AAPL's last alert was paused and nobody else wants it; what nobody asked about stays as it was.
    snapshot.symbols = ["NVDA"];
    tracker.apply(change("a2", "AAPL", "paused"));
    await until(() => !tracker.symbols().includes("AAPL"));
    expect(snapshot.asked).toEqual([["NVDA"], ["AAPL"]]);
    expect(tracker.symbols().sort()).toEqual(["MSFT", "NVDA"]);
    tracker.stop();
  });

  it("asks about a stopped alert's symbol again when the alert service did not answer", async () => {
    const snapshot = new ScriptedSnapshot();
    snapshot.symbols = ["AAPL", "NVDA"];
    const tracker = new DemandTracker(snapshot, silent, { recheckDelayMs: 1 });
    await tracker.refresh();
    snapshot.symbols = ["NVDA"];
    const answer = snapshot.fetchDemand.bind(snapshot);
    let failures = 2;
    snapshot.fetchDemand = async (symbols) => {
      if (failures-- > 0) throw new Error("connection refused");
      return answer(symbols);
    };
    tracker.apply(change("f1", "AAPL", "cancelled"));
    await until(() => !tracker.symbols().includes("AAPL"));
    expect(snapshot.asked).toEqual([["AAPL"]]);
    expect(tracker.symbols()).toEqual(["NVDA"]);
    tracker.stop();
  });

  it("rechecks the symbols of a burst of stopped alerts in one question per 200 symbols", async () => {
    const snapshot = new ScriptedSnapshot();
    snapshot.symbols = Array.from({ length: 450 }, (_, i) => `S${i}`);
    const tracker = new DemandTracker(snapshot, silent, { recheckDelayMs: 20 });
    await tracker.refresh();
    snapshot.symbols = [];
    for (let i = 0; i < 450; i++) tracker.apply(change(`b${i}`, `S${i}`, "triggered"));
    await until(() => tracker.symbols().length === 0);
    expect(snapshot.asked.map((symbols) => symbols.length)).toEqual([200, 200, 50]);
    tracker.stop();
  });

  it("ignores an event whose alert version is not newer than the one applied (a replay or a duplicate)", async () => {
    const tracker = new DemandTracker(new ScriptedSnapshot(), silent, { recheckDelayMs: 1 });
    const changes: DemandChange[] = [];
    tracker.onChange((c) => changes.push(c));
    const created = change("r1", "AMD", "active");
    const cancelled = change("r1", "AMD", "cancelled");
    tracker.apply(created);
    tracker.apply(cancelled);
    expect(tracker.symbols()).toEqual([]);
    // The relay published the batch again after a crash: the old "active" must not bring AMD back.
    tracker.apply(created);
    expect(tracker.symbols()).toEqual([]);
    // The same version twice, and an older one after a newer one, change nothing either.
    const resumed = change("r2", "INTC", "active", 5);
    tracker.apply(resumed);
    tracker.apply(change("r2", "INTC", "paused", 4));
    tracker.apply(resumed);
    expect(tracker.symbols()).toEqual(["INTC"]);
    tracker.apply(change("r2", "INTC", "paused", 6));
    expect(tracker.symbols()).toEqual([]);
    expect(changes).toEqual([
      { added: ["AMD"], removed: [] },
      { added: [], removed: ["AMD"] },
      { added: ["INTC"], removed: [] },
      { added: [], removed: ["INTC"] },
    ]);
    tracker.stop();
  });

  it("forgets the versions of the oldest stopped alerts past its cap, never those of active ones", async () => {
    const tracker = new DemandTracker(new ScriptedSnapshot(), silent, { recheckDelayMs: 1, versionCap: 3 });
    tracker.apply(change("k1", "KEEP", "active"));
    for (const id of ["s1", "s2", "s3", "s4"]) {
      tracker.apply(change(id, "GONE", "active"));
      tracker.apply(change(id, "GONE", "cancelled"));
    }
    expect(tracker.trackedVersions).toBeLessThanOrEqual(3);
    expect(tracker.symbols()).toEqual(["KEEP"]);
    // The active alert's version was kept: its replayed creation still counts as stale after its cancel.
    const cancel = change("k1", "KEEP", "cancelled");
    tracker.apply(cancel);
    tracker.apply(change("k1", "KEEP", "active", 1));
    expect(tracker.symbols()).toEqual([]);
    tracker.stop();
  });

  it("keeps each symbol's alert count and nearest levels from the snapshot, tightened by events until the next", async () => {
    const snapshot = new ScriptedSnapshot();
    snapshot.symbols = ["AAPL", "WATCHED"];
    const tracker = new DemandTracker(snapshot, silent, { urgencyRecheckDelayMs: 20 });
    let changes = 0;
    tracker.onUrgencyChange(() => changes++);
    await tracker.refresh();
    expect(changes).toBe(1);
    expect(tracker.urgency()).toEqual([
      { symbol: "AAPL", alerts: 1, nearestAbove: null, nearestBelow: null },
      { symbol: "WATCHED", alerts: 1, nearestAbove: null, nearestBelow: null },
    ]);
    // A new alert's level counts at once; a farther one does not loosen what is known.
    tracker.apply(change("u1", "AAPL", "active", 1, { kind: "price", direction: "above", target: 210 }));
    tracker.apply(change("u2", "AAPL", "active", 1, { kind: "price", direction: "above", target: 250 }));
    // Two active alerts told of by events: at least two, whatever the snapshot said.
    expect(tracker.urgency()[0]).toEqual({
      symbol: "AAPL",
      alerts: 2,
      nearestAbove: 210,
      nearestBelow: null,
    });
    // A symbol known only from an event: its event-known count and level.
    tracker.apply(change("u3", "NEWCO", "active", 1, { kind: "price", direction: "above", target: 12 }));
    expect(tracker.urgency().find((d) => d.symbol === "NEWCO")).toEqual({
      symbol: "NEWCO",
      alerts: 1,
      nearestAbove: 12,
      nearestBelow: null,
    });
    // Shortly after, the alert service is asked about those symbols again (only them): its answer replaces the
    // event-tightened levels.
    const calls = snapshot.calls;
    await until(() => snapshot.calls > calls);
    expect(snapshot.asked).toEqual([["AAPL", "NEWCO"]]);
    await until(() => tracker.urgency()[0]?.nearestAbove === null);
    tracker.stop();
  });

  it("keeps the previous snapshot when the alert service is unreachable", async () => {
    const snapshot = new ScriptedSnapshot();
    snapshot.symbols = ["AAPL"];
    const tracker = new DemandTracker(snapshot, silent);
    await tracker.refresh();
    snapshot.fetchDemand = async () => {
      throw new Error("connection refused");
    };
    await expect(tracker.refresh()).rejects.toThrow("connection refused");
    expect(tracker.symbols()).toEqual(["AAPL"]);
  });
});

describe("DemandTracker studies", () => {
  it("names the studies of the snapshot and of active alerts seen since, per symbol, and tells who changed", async () => {
    const snapshot = new ScriptedSnapshot();
    snapshot.symbols = ["AAPL"];
    const source: DemandSnapshotSource = {
      fetchDemand: async () => ({
        ...(await snapshot.fetchDemand()),
        bySymbol: [{ symbol: "AAPL", alerts: 1, nearestAbove: null, nearestBelow: null, studies: ["sma50"] }],
      }),
    };
    const tracker = new DemandTracker(source, silent, {
      recheckDelayMs: 10_000,
      urgencyRecheckDelayMs: 10_000,
    });
    const told: string[][] = [];
    tracker.onStudiesChange((symbols) => told.push([...symbols]));
    await tracker.refresh();
    expect(tracker.studiesOf("AAPL")).toEqual(["sma50"]);
    expect(told).toEqual([["AAPL"]]);

    const rsi = { kind: "rsi", direction: "below", level: 30, period: 14, interval: "1h" } as const;
    tracker.apply(change("s1", "TSLA", "active", undefined, rsi));
    tracker.apply(change("s2", "TSLA", "active", undefined, { kind: "volume", multiple: 3 }));
    tracker.apply(change("s3", "TSLA", "active", undefined, rsi));
    expect(tracker.studiesOf("TSLA")).toEqual(["rsi14:1h", "volume"]);
    expect(told.slice(1)).toEqual([["TSLA"], ["TSLA"]]);
    // One of two RSI alerts cancelled: still watched; the other too: gone.
    tracker.apply(change("s1", "TSLA", "cancelled"));
    expect(tracker.studiesOf("TSLA")).toEqual(["rsi14:1h", "volume"]);
    tracker.apply(change("s3", "TSLA", "cancelled"));
    expect(tracker.studiesOf("TSLA")).toEqual(["volume"]);
    expect(tracker.symbolsWithStudies().sort()).toEqual(["AAPL", "TSLA"]);
    // A symbol nobody demands has no studies.
    expect(tracker.studiesOf("MSFT")).toEqual([]);
    tracker.stop();
  });
});
