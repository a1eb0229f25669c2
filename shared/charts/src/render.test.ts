import type { Bar } from "@tickerbell/contracts";
import { PNG } from "pngjs";
import { describe, expect, it } from "vitest";
import { buildChartSpec, type ChartRequest } from "./chart-data.ts";
import { CHART_COLOURS, ChartRenderer } from "./render.ts";

const MINUTE = 60_000;
const OPEN = Date.UTC(2026, 11, 3, 14, 30);

function bars(): Bar[] {
  // A slow wave, so the line covers a good part of the grid.
  return Array.from({ length: 390 }, (_, i) => {
    const c = 190 + 4 * Math.sin(i / 40);
    return { t: OPEN + i * MINUTE, o: c, h: c + 0.1, l: c - 0.1, c, v: 1_000 + (i % 7) * 500, n: 4 };
  });
}

function request(overrides: Partial<ChartRequest> = {}): ChartRequest {
  const at = OPEN + 300 * MINUTE + 12_000;
  return {
    symbol: "AAPL",
    window: "1d",
    bars: { symbol: "AAPL", resolution: "1m", from: 0, to: at + MINUTE, bars: bars(), previousClose: 188 },
    now: at,
    timeZone: "America/New_York",
    levels: [{ price: 195, label: "above 195.00" }],
    alert: {
      level: { price: 192, label: "above 192.00" },
      reference: { kind: "previousClose", price: 188 },
      trigger: { at, price: 192.05 },
    },
    ...overrides,
  };
}

function rgb(hex: string): [number, number, number] {
  return [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];
}

/** Pixels within a small distance of `hex` (anti-aliasing shifts edges, not the middle of a stroke). */
function pixelsOf(png: PNG, hex: string, region = { top: 0, bottom: png.height }): number {
  const [r, g, b] = rgb(hex);
  let count = 0;
  for (let y = region.top; y < region.bottom; y++) {
    for (let x = 0; x < png.width; x++) {
      const i = (y * png.width + x) * 4;
      const distance =
        Math.abs(png.data[i]! - r) + Math.abs(png.data[i + 1]! - g) + Math.abs(png.data[i + 2]! - b);
      if (distance <= 12) count += 1;
    }
  }
  return count;
}

/** The centre of the one filled 5x5 block of `hex`: only the trigger's disc is that solid (lines and text are thin). */
function solidDisc(png: PNG, hex: string): { x: number; y: number } | null {
  const [r, g, b] = rgb(hex);
  const near = (x: number, y: number) => {
    const i = (y * png.width + x) * 4;
    return Math.abs(png.data[i]! - r) + Math.abs(png.data[i + 1]! - g) + Math.abs(png.data[i + 2]! - b) <= 12;
  };
  const hits: { x: number; y: number }[] = [];
  for (let y = 2; y < png.height - 2; y++) {
    for (let x = 2; x < png.width - 2; x++) {
      let solid = true;
      for (let dy = -2; dy <= 2 && solid; dy++)
        for (let dx = -2; dx <= 2 && solid; dx++) solid = near(x + dx, y + dy);
      if (solid) hits.push({ x, y });
    }
  }
  if (hits.length === 0) return null;
  return {
    x: hits.reduce((sum, hit) => sum + hit.x, 0) / hits.length,
    y: hits.reduce((sum, hit) => sum + hit.y, 0) / hits.length,
  };
}

function distinctColours(png: PNG): number {
  const colours = new Set<number>();
  for (let i = 0; i < png.data.length; i += 4) {
    colours.add((png.data[i]! << 16) | (png.data[i + 1]! << 8) | png.data[i + 2]!);
  }
  return colours.size;
}

describe("ChartRenderer", () => {
  const renderer = new ChartRenderer({ width: 800, height: 450 });

  it("renders a PNG of the asked size that is no blank image", async () => {
    const png = PNG.sync.read(await renderer.render(buildChartSpec(request())));
    expect([png.width, png.height]).toEqual([800, 450]);
    expect(distinctColours(png)).toBeGreaterThan(50);
    expect(pixelsOf(png, CHART_COLOURS.price)).toBeGreaterThan(300);
    expect(pixelsOf(png, CHART_COLOURS.volume)).toBeGreaterThan(1_000);
    // The alert's level line and the trigger point share the alert's red.
    expect(pixelsOf(png, CHART_COLOURS.trigger)).toBeGreaterThan(80);
    expect(pixelsOf(png, CHART_COLOURS.lines.level)).toBeGreaterThan(100);
    expect(pixelsOf(png, CHART_COLOURS.lines.reference)).toBeGreaterThan(100);
  });

  it("draws the labels' text: the title area holds dark glyph pixels", async () => {
    const png = PNG.sync.read(await renderer.render(buildChartSpec(request())));
    // Title and subtitle sit in the top 50 rows; without a font resvg draws no text there at all.
    const titleInk = pixelsOf(png, CHART_COLOURS.text, { top: 0, bottom: 30 });
    expect(titleInk).toBeGreaterThan(40);
    expect(pixelsOf(png, CHART_COLOURS.muted, { top: 30, bottom: 50 })).toBeGreaterThan(20);
  });

  it("draws the trigger point at the trigger's time and price", async () => {
    for (const trigger of [
      { at: OPEN + 300 * MINUTE + 12_000, price: 192.05 },
      { at: OPEN + 120 * MINUTE, price: 193.4 },
    ]) {
      const spec = buildChartSpec(request({ now: trigger.at, alert: { ...request().alert!, trigger } }));
      const png = PNG.sync.read(await renderer.render(spec));
      // The price grid: 64 px from the left, 24 from the right, from y 56 down for 64% of the rest.
      const left = 64;
      const right = 800 - 24;
      const top = 56;
      const bottom = top + Math.round((450 - top) * 0.64);
      const expectedX = left + ((trigger.at - spec.from) / (spec.to - spec.from)) * (right - left);
      const expectedY =
        top + ((spec.priceMax - trigger.price) / (spec.priceMax - spec.priceMin)) * (bottom - top);
      const centre = solidDisc(png, CHART_COLOURS.trigger);
      expect(centre).not.toBeNull();
      expect(Math.abs(centre!.x - expectedX)).toBeLessThanOrEqual(3);
      expect(Math.abs(centre!.y - expectedY)).toBeLessThanOrEqual(3);
    }
  });

  it("reuses the base chart for another alert on the same bars, and gives what a cold render gives", async () => {
    const cached = new ChartRenderer();
    const first = buildChartSpec(request());
    const second = buildChartSpec(
      request({
        alert: {
          level: { price: 193, label: "above 193.00" },
          trigger: { at: OPEN + 299 * MINUTE, price: 193 },
        },
      }),
    );
    await cached.render(first);
    const warm = await cached.render(second);
    expect(cached.stats).toEqual({ hits: 1, misses: 1, entries: 1 });
    const cold = await new ChartRenderer().render(second);
    expect(warm.equals(cold)).toBe(true);
    // Another symbol's bars never come from the cache.
    const other = buildChartSpec(
      request({
        symbol: "MSFT",
        bars: { ...(request().bars as { symbol: string }), symbol: "MSFT" } as never,
      }),
    );
    await cached.render(other);
    expect(cached.stats.misses).toBe(2);
  });

  it("keeps at most the configured number of base charts", async () => {
    const small = new ChartRenderer({ cacheEntries: 1 });
    await small.render(buildChartSpec(request()));
    await small.render(buildChartSpec(request({ timeZone: "Asia/Tokyo" })));
    await small.render(buildChartSpec(request()));
    expect(small.stats).toEqual({ hits: 0, misses: 3, entries: 1 });
  });

  it("draws labels holding XML's special characters as text", async () => {
    const spec = buildChartSpec(request({ levels: [{ price: 193, label: `R&D <"pivot"> 'x'` }] }));
    expect(renderer.svg(spec)).toContain("R&#38;D &#60;&#34;pivot&#34;&#62; &#39;x&#39;");
    const png = PNG.sync.read(await renderer.render(spec));
    expect(png.width).toBe(800);
  });

  it("stops before rasterising once the signal has aborted", async () => {
    const controller = new AbortController();
    controller.abort(new Error("too late"));
    await expect(renderer.render(buildChartSpec(request()), controller.signal)).rejects.toThrow("too late");
  });

  it("draws at most `concurrency` charts at once; one whose signal aborts while queued is never drawn", async () => {
    const single = new ChartRenderer({ concurrency: 1 });
    const first = single.render(buildChartSpec(request()));
    const controller = new AbortController();
    const queued = single.render(buildChartSpec(request({ timeZone: "Asia/Tokyo" })), controller.signal);
    controller.abort(new Error("deadline passed"));
    await expect(queued).rejects.toThrow("deadline passed");
    await first;
    expect(single.stats).toEqual({ hits: 0, misses: 1, entries: 1 });
    // The slot is free again afterwards.
    await single.render(buildChartSpec(request({ timeZone: "Asia/Tokyo" })));
    expect(single.stats.misses).toBe(2);
  });

  it("refuses a size too small to read and a font that is not there", () => {
    expect(() => new ChartRenderer({ width: 100, height: 50 })).toThrow(/at least 320x200/);
    expect(() => new ChartRenderer({ concurrency: 0 })).toThrow(
      /concurrency is a whole number of 1 or more, got 0/,
    );
    expect(() => new ChartRenderer({ fontFile: "/nowhere/font.ttf" })).toThrow(
      /chart font \/nowhere\/font.ttf not found/,
    );
  });
});
