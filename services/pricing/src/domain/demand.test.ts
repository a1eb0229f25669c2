import { Writable } from "node:stream";
import { createLogger } from "@tickerbell/config";
import type { AlertChangeEvent } from "@tickerbell/contracts";
import { describe, expect, it } from "vitest";
import { type DemandChange, DemandTracker } from "./demand.ts";
import type { DemandSnapshotSource } from "./ports.ts";

const silent = createLogger({
  service: "test",
  destination: new Writable({ write: (_c, _e, done) => done() }),
});

/** The alert service's answer, as a test controls it. */
class ScriptedSnapshot implements DemandSnapshotSource {
  symbols: string[] = [];
  calls = 0;
  async fetchDemand(): Promise<string[]> {
    this.calls++;
    return [...this.symbols];
  }
}

function change(id: string, symbol: string, status: AlertChangeEvent["alert"]["status"]): AlertChangeEvent {
  // Only the fields the tracker reads matter; the rest is a plausible alert.
  return {
    v: 1,
    seq: "1",
    change: status === "active" ? "created" : "cancelled",
    at: new Date().toISOString(),
    alert: { id, symbol, status } as AlertChangeEvent["alert"],
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

  it("asks the alert service again when an alert on a snapshot symbol stops, and follows its answer", async () => {
    const snapshot = new ScriptedSnapshot();
    snapshot.symbols = ["AAPL", "NVDA"];
    const tracker = new DemandTracker(snapshot, silent, { recheckDelayMs: 1 });
    await tracker.refresh();
    // NVDA is still on a watchlist: the recheck keeps it.
    tracker.apply(change("a1", "NVDA", "cancelled"));
    await until(() => snapshot.calls === 2);
    expect(tracker.symbols().sort()).toEqual(["AAPL", "NVDA"]);
    // AAPL's last alert was paused and nobody else wants it.
    snapshot.symbols = ["NVDA"];
    tracker.apply(change("a2", "AAPL", "paused"));
    await until(() => !tracker.symbols().includes("AAPL"));
    expect(tracker.symbols()).toEqual(["NVDA"]);
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
