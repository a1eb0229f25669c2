import { describe, expect, it } from "vitest";
import { DeferredBarStore } from "./deferred-bar-store.ts";
import type { BarStore } from "./ports.ts";

/** A store that answers reads with one bar and remembers whether it was closed. */
function oneBarStore() {
  const state = { closed: false };
  const store: BarStore = {
    write: async () => {},
    writeHistory: async () => {},
    backfilledUntil: async () => null,
    read: async () => [{ t: 0, o: 1, h: 1, l: 1, c: 1, v: 0, n: 1 }],
    previousClose: async () => 1,
    storedSpan: async () => null,
    latestCloses: async () => new Map([["AAPL", 1]]),
    sweep: async () => ({ minute: 0, daily: 0 }),
    close: async () => {
      state.closed = true;
    },
  };
  return { store, state };
}

describe("DeferredBarStore", () => {
  it("answers once the store has opened, and closes it", async () => {
    const { store, state } = oneBarStore();
    let open: (s: BarStore) => void = () => {};
    const deferred = new DeferredBarStore(new Promise((resolve) => (open = resolve)));
    const reading = deferred.read("AAPL", "1m", 0, 1);
    open(store);
    expect(await reading).toHaveLength(1);
    await deferred.close();
    expect(state.closed).toBe(true);
  });

  it("fails calls with the reason the store did not open, and closes quietly", async () => {
    const deferred = new DeferredBarStore(Promise.reject(new Error("disk full")));
    await expect(deferred.write([])).rejects.toThrow(/disk full/);
    await expect(deferred.previousClose("AAPL", 0)).rejects.toThrow(/disk full/);
    await expect(deferred.close()).resolves.toBeUndefined();
  });
});
