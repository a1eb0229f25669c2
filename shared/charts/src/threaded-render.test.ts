import { PNG } from "pngjs";
import { afterAll, describe, expect, it } from "vitest";
import { buildChartSpec } from "./chart-data.ts";
import { ThreadedChartRenderer } from "./threaded-render.ts";

const renderer = new ThreadedChartRenderer();
afterAll(() => renderer.close());

const MINUTE = 60_000;
const OPEN = Date.UTC(2026, 10, 24, 14, 30);

function spec() {
  const bars = Array.from({ length: 120 }, (_, i) => {
    const price = 200 + Math.sin(i / 9) * 3;
    return { t: OPEN + i * MINUTE, o: price, h: price + 0.4, l: price - 0.4, c: price, v: 1000 + i, n: 10 };
  });
  return buildChartSpec({
    symbol: "AAPL",
    window: "1d",
    bars: {
      symbol: "AAPL",
      resolution: "1m",
      from: OPEN,
      to: OPEN + 120 * MINUTE,
      bars,
      previousClose: 199,
    },
    now: OPEN + 120 * MINUTE,
    timeZone: "America/New_York",
    levels: [{ price: 203, label: "above 203" }],
  });
}

describe("ThreadedChartRenderer", () => {
  it("draws in its own thread a PNG of the chart's size that is not blank", async () => {
    const png = PNG.sync.read(await renderer.render(spec()));
    expect([png.width, png.height]).toEqual([800, 450]);
    const colours = new Set<number>();
    for (let i = 0; i < png.data.length; i += 4 * 97) colours.add(png.data.readUInt32BE(i));
    expect(colours.size).toBeGreaterThan(3);
  });

  it("gives up on a chart whose signal aborts, with the signal's reason, and draws the next", async () => {
    const controller = new AbortController();
    const given = renderer.render(spec(), controller.signal);
    controller.abort(new Error("too late"));
    await expect(given).rejects.toThrow("too late");
    expect((await renderer.render(spec())).subarray(1, 4).toString()).toBe("PNG");
  });

  it("answers a spec it cannot draw with the renderer's error, not a hang", async () => {
    await expect(renderer.render({ ...spec(), ticks: null } as never)).rejects.toThrow();
  });

  it("warms up on request: the thread starts and draws once, before any chart is asked for", async () => {
    const fresh = new ThreadedChartRenderer();
    try {
      expect(fresh.running).toBe(false);
      const warming = fresh.warm();
      expect(fresh.running).toBe(true);
      expect(fresh.warm()).toBe(warming);
      await warming;
      const png = PNG.sync.read(await fresh.render(spec()));
      expect([png.width, png.height]).toEqual([800, 450]);
    } finally {
      await fresh.close();
    }
    expect(fresh.running).toBe(false);
  });

  it("refuses a niceness outside 0-19, naming it", () => {
    expect(() => new ThreadedChartRenderer({ niceness: 20 })).toThrow(
      "a chart thread's niceness is a whole number from 0 to 19, got 20",
    );
  });
});
