import { Writable } from "node:stream";
import { createLogger } from "@tickerbell/config";
import type { PriceTick } from "@tickerbell/contracts";
import { describe, expect, it } from "vitest";
import type { TickPublisher } from "./ports.ts";
import { ConflatingPublisher } from "./publisher.ts";

const silent = createLogger({
  service: "test",
  destination: new Writable({ write: (_c, _e, done) => done() }),
});

/** A bus that takes its time (or fails) per batch, as the test says. */
class SlowBus implements TickPublisher {
  readonly batches: PriceTick[][] = [];
  failNext = 0;
  #release: (() => void) | undefined;
  held = false;

  async publish(ticks: readonly PriceTick[]): Promise<void> {
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error("broker unavailable");
    }
    if (this.held) await new Promise<void>((r) => (this.#release = r));
    this.batches.push([...ticks]);
  }

  release(): void {
    this.held = false;
    this.#release?.();
  }
}

const tick = (symbol: string, price: number, ts: number): PriceTick => ({
  v: 1,
  symbol,
  price,
  ts,
  volume: 10,
});

describe("ConflatingPublisher", () => {
  it("publishes ticks as they come while the bus keeps up", async () => {
    const bus = new SlowBus();
    const publisher = new ConflatingPublisher(bus, silent);
    publisher.offer(tick("AAPL", 100, 1));
    await publisher.flush();
    publisher.offer(tick("AAPL", 101, 2));
    await publisher.flush();
    expect(bus.batches).toEqual([[tick("AAPL", 100, 1)], [tick("AAPL", 101, 2)]]);
  });

  it("does not conflate several trades of a symbol arriving together when the bus is idle", async () => {
    const bus = new SlowBus();
    const publisher = new ConflatingPublisher(bus, silent);
    publisher.offer(tick("AAPL", 100, 1));
    publisher.offer(tick("AAPL", 102, 2));
    publisher.offer(tick("AAPL", 99, 3));
    await publisher.flush();
    expect(bus.batches).toEqual([[tick("AAPL", 100, 1), tick("AAPL", 102, 2), tick("AAPL", 99, 3)]]);
  });

  it("conflates once more than a batch arrives at once", async () => {
    const bus = new SlowBus();
    const publisher = new ConflatingPublisher(bus, silent, { maxBatch: 2 });
    for (const [i, p] of [10, 12, 8, 11].entries()) publisher.offer(tick("AMD", p, i));
    await publisher.flush();
    expect(bus.batches).toEqual([
      [{ v: 1, symbol: "AMD", price: 11, ts: 3, open: 10, high: 12, low: 8, count: 4, volume: 40 }],
    ]);
  });

  it("conflates per symbol while a batch is in flight, keeping high, low and last", async () => {
    const bus = new SlowBus();
    const publisher = new ConflatingPublisher(bus, silent);
    bus.held = true;
    publisher.offer(tick("AAPL", 100, 1));
    await new Promise((r) => setTimeout(r, 10));
    for (const [i, p] of [105, 95, 99].entries()) publisher.offer(tick("AAPL", p, 2 + i));
    publisher.offer(tick("MSFT", 400, 5));
    bus.release();
    await publisher.flush();
    expect(bus.batches).toEqual([
      [tick("AAPL", 100, 1)],
      [
        { v: 1, symbol: "AAPL", price: 99, ts: 4, open: 105, high: 105, low: 95, count: 3, volume: 30 },
        tick("MSFT", 400, 5),
      ],
    ]);
  });

  it("retries a failed batch without losing its extremes", async () => {
    const bus = new SlowBus();
    bus.failNext = 2;
    const publisher = new ConflatingPublisher(bus, silent, { retryDelayMs: 1 });
    publisher.offer(tick("TSLA", 250, 1));
    publisher.offer(tick("TSLA", 240, 2));
    await publisher.flush();
    expect(bus.batches).toEqual([
      [{ v: 1, symbol: "TSLA", price: 240, ts: 2, open: 250, high: 250, low: 240, count: 2, volume: 20 }],
    ]);
  });

  it("drops ticks that are not prices", async () => {
    const bus = new SlowBus();
    const publisher = new ConflatingPublisher(bus, silent);
    publisher.offer(tick("BAD", 0, 1));
    publisher.offer(tick("BAD", Number.NaN, 2));
    await publisher.flush();
    expect(bus.batches).toEqual([]);
  });
});
