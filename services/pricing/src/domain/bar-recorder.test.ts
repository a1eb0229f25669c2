import { Writable } from "node:stream";
import { createLogger } from "@tickerbell/config";
import type { Bar, BarResolution } from "@tickerbell/contracts";
import { describe, expect, it } from "vitest";
import { BarRecorder, type BarRecorderObserver } from "./bar-recorder.ts";
import { type BarPart, DAY_MS, MINUTE_MS, mergeAll } from "./bars.ts";
import type { BarStore } from "./ports.ts";

const silent = createLogger({ service: "test", level: "silent" });
const T0 = Date.UTC(2026, 5, 2, 14, 0);

/** A store that keeps writes in memory and fails while told to (a database that is away). */
class FlakyStore implements BarStore {
  writes: BarPart[][] = [];
  down = false;
  sweeps: Array<{ minuteBefore: number; dailyBefore: number }> = [];
  async write(parts: readonly BarPart[]): Promise<void> {
    if (this.down) throw new Error("connection refused");
    this.writes.push([...parts]);
  }
  async writeHistory(): Promise<void> {}
  async backfilledUntil(): Promise<null> {
    return null;
  }
  async read(_s: string, _r: BarResolution, _f: number, _t: number): Promise<Bar[]> {
    return [];
  }
  async previousClose(): Promise<number | null> {
    return null;
  }
  async storedSpan(): Promise<null> {
    return null;
  }
  async latestCloses(): Promise<Map<string, number>> {
    return new Map();
  }
  async sweep(cutoffs: { minuteBefore: number; dailyBefore: number }) {
    this.sweeps.push(cutoffs);
    return { minute: 0, daily: 0 };
  }
  async close(): Promise<void> {}
}

function counting() {
  const seen = { written: 0, dropped: 0, failed: 0, buffered: 0 };
  const observer: BarRecorderObserver = {
    barsWritten: (n) => {
      seen.written += n;
    },
    barWriteFailed: () => {
      seen.failed++;
    },
    barsDropped: (n) => {
      seen.dropped += n;
    },
    barsBuffered: (n) => {
      seen.buffered = n;
    },
    barsSwept: () => {},
  };
  return { seen, observer };
}

const tick = (symbol: string, price: number, ts: number) => ({ v: 1 as const, symbol, price, ts, volume: 1 });

describe("BarRecorder", () => {
  it("writes nothing on offer; a flush writes the built minutes in one batch", async () => {
    const store = new FlakyStore();
    const recorder = new BarRecorder({ store, log: silent, retention: { minuteDays: 30, dailyDays: 400 } });
    recorder.offer(tick("AAPL", 10, T0));
    recorder.offer(tick("AAPL", 11, T0 + 1));
    recorder.offer(tick("MSFT", 20, T0 + MINUTE_MS));
    expect(store.writes).toEqual([]);
    await recorder.flush();
    expect(store.writes.map((w) => w.map((p) => [p.symbol, p.t, p.o, p.c, p.n]))).toEqual([
      [
        ["AAPL", T0, 10, 11, 2],
        ["MSFT", T0 + MINUTE_MS, 20, 20, 1],
      ],
    ]);
  });

  it("keeps what the database refused and writes it, merged with what came since, when it is back", async () => {
    const store = new FlakyStore();
    const { seen, observer } = counting();
    const recorder = new BarRecorder({
      store,
      log: silent,
      retention: { minuteDays: 30, dailyDays: 400 },
      observer,
    });
    store.down = true;
    recorder.offer(tick("AAPL", 10, T0));
    await recorder.flush();
    recorder.offer(tick("AAPL", 9, T0 + 5));
    recorder.offer(tick("AAPL", 12, T0 + 2 * MINUTE_MS));
    await recorder.flush();
    expect(seen.failed).toBe(2);
    expect(recorder.buffered).toBe(2);
    store.down = false;
    await recorder.flush();
    const written = mergeAll(store.writes.flat());
    expect(written.map((p) => [p.t, p.o, p.h, p.l, p.c, p.n])).toEqual([
      [T0, 10, 10, 9, 9, 2],
      [T0 + 2 * MINUTE_MS, 12, 12, 12, 12, 1],
    ]);
    expect(seen).toMatchObject({ written: 2, dropped: 0, buffered: 0 });
  });

  it("drops the oldest minutes past its bound, and counts them", async () => {
    const store = new FlakyStore();
    const { seen, observer } = counting();
    const recorder = new BarRecorder({
      store,
      log: silent,
      retention: { minuteDays: 30, dailyDays: 400 },
      observer,
      maxBuffered: 3,
    });
    store.down = true;
    for (let i = 0; i < 5; i++) recorder.offer(tick("AAPL", 10 + i, T0 + i * MINUTE_MS));
    await recorder.flush();
    expect(seen.dropped).toBe(2);
    store.down = false;
    await recorder.flush();
    expect(store.writes.flat().map((p) => p.o)).toEqual([12, 13, 14]);
  });

  it("tells how long its oldest unwritten tick has waited, across failed writes, until all of it is written", async () => {
    const store = new FlakyStore();
    let now = T0;
    const recorder = new BarRecorder({
      store,
      log: silent,
      retention: { minuteDays: 30, dailyDays: 400 },
      now: () => now,
    });
    expect(recorder.unwrittenForMs()).toBe(0);
    recorder.offer(tick("AAPL", 10, T0));
    now += 1_500;
    recorder.offer(tick("AAPL", 11, T0 + 1));
    expect(recorder.unwrittenForMs()).toBe(1_500);
    store.down = true;
    await recorder.flush();
    now += 2_000;
    recorder.offer(tick("MSFT", 20, T0 + 2));
    // Still the first tick's wait: the database refused it.
    expect(recorder.unwrittenForMs()).toBe(3_500);
    store.down = false;
    await recorder.flush();
    expect(recorder.unwrittenForMs()).toBe(0);
    now += 1_000;
    recorder.offer(tick("MSFT", 21, T0 + 3));
    now += 250;
    expect(recorder.unwrittenForMs()).toBe(250);
  });

  it("sweeps with cutoffs from its retention periods", async () => {
    const store = new FlakyStore();
    const recorder = new BarRecorder({
      store,
      log: silent,
      retention: { minuteDays: 30, dailyDays: 400 },
      now: () => T0,
    });
    await recorder.sweep();
    expect(store.sweeps).toEqual([{ minuteBefore: T0 - 30 * DAY_MS, dailyBefore: T0 - 400 * DAY_MS }]);
  });

  it("says nothing of a sweep cut short by stopping (the store closing under it), and warns of one that fails", async () => {
    const lines: string[] = [];
    const log = createLogger({
      service: "test",
      level: "info",
      destination: new Writable({
        write: (chunk, _encoding, done) => {
          lines.push(String(chunk));
          done();
        },
      }),
    });
    let closing = false;
    let release: () => void = () => {};
    const store = new FlakyStore();
    store.sweep = async () => {
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      throw new Error(closing ? "PGlite is closing" : "disk full");
    };
    const stopping = new BarRecorder({ store, log, retention: { minuteDays: 30, dailyDays: 400 } });
    const cutShort = stopping.sweep();
    closing = true;
    await stopping.stop();
    release();
    await cutShort;
    expect(lines).toEqual([]);
    const running = new BarRecorder({ store, log, retention: { minuteDays: 30, dailyDays: 400 } });
    closing = false;
    const failing = running.sweep();
    release();
    await failing;
    expect(lines.map((l) => JSON.parse(l).msg)).toEqual([
      "price history retention sweep failed; next try at the next sweep",
    ]);
  });
});
