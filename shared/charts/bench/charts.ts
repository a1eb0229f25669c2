// Chart benchmark: chart-spec building, PNG rendering cold (base chart drawn by ECharts) and cached (only the
// alert's own marks drawn on the cached base), a burst of alerts on one symbol in one minute, the event-loop
// delay a cold render causes, and the PNG sizes. Writes bench-results/charts.json and sample PNGs beside it.
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import type { Bar, BarsResponse } from "@tickerbell/contracts";
import { buildChartSpec, ChartRenderer, type ChartRequest, chartWithin } from "../src/index.ts";

const ROUNDS = Number(process.env.BENCH_CHARTS_ROUNDS ?? 40);
const BURST = 50;
const RESULT_FILE = fileURLToPath(new URL("../../../bench-results/charts.json", import.meta.url));
const SAMPLES_DIR = join(dirname(RESULT_FILE), "charts");
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
// Friday 4 Dec 2026, 15:00 New York.
const NOW = Date.UTC(2026, 11, 4, 20, 0);

/** A random walk of minute bars, 4:00-20:00 New York (pre- and post-market), on the last `days` weekdays. */
function minuteBars(days: number, seed: number): Bar[] {
  let price = 100 + seed;
  const bars: Bar[] = [];
  for (let day = days + 3; day >= 0; day--) {
    const date = new Date(NOW - day * DAY);
    if (date.getUTCDay() === 0 || date.getUTCDay() === 6) continue;
    const start = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate(), 9, 0);
    for (let minute = 0; minute < 16 * 60; minute++) {
      const t = start + minute * MINUTE;
      if (t > NOW) break;
      const open = price;
      price = Math.max(1, price * (1 + (Math.random() - 0.5) * 0.002));
      bars.push({
        t,
        o: open,
        h: Math.max(open, price) * 1.0005,
        l: Math.min(open, price) * 0.9995,
        c: price,
        v: Math.round(Math.random() * 20_000),
        n: 20,
      });
    }
  }
  return bars;
}

function dailyBars(days: number): Bar[] {
  let price = 80;
  const bars: Bar[] = [];
  for (let day = days; day >= 1; day--) {
    const t = Math.floor((NOW - day * DAY) / DAY) * DAY;
    const weekday = new Date(t).getUTCDay();
    if (weekday === 0 || weekday === 6) continue;
    const open = price;
    price *= 1 + (Math.random() - 0.48) * 0.03;
    bars.push({
      t,
      o: open,
      h: Math.max(open, price) * 1.01,
      l: Math.min(open, price) * 0.99,
      c: price,
      v: 5e7,
      n: 4e5,
    });
  }
  return bars;
}

function response(symbol: string, resolution: "1m" | "1d", bars: Bar[]): BarsResponse {
  return { symbol, resolution, from: 0, to: NOW + MINUTE, bars, previousClose: bars[0]!.c };
}

/** Alert `variant` on a symbol: levels and triggers vary, all at prices of the day (so the axis stays the same). */
function notification(symbol: string, bars: Bar[], variant: number): ChartRequest {
  const index = variant % 50;
  const level = bars[bars.length - 1 - index * 5]!.c;
  const reference = bars[bars.length - 300]!.c;
  const at = NOW - index * 1_000;
  return {
    symbol,
    window: "1d",
    bars: response(symbol, "1m", bars),
    now: NOW,
    timeZone: "America/New_York",
    levels: [{ price: reference, label: `above ${reference.toFixed(2)}` }],
    alert: {
      level: { price: level, label: `below ${level.toFixed(2)}` },
      reference: { kind: "whenSet", price: reference },
      trigger: { at, price: level },
    },
  };
}

function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return round(sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!);
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

function summary(samples: number[]) {
  return { p50: percentile(samples, 50), p99: percentile(samples, 99), max: round(Math.max(...samples)) };
}

/** CPU time (all threads: resvg rasterises on libuv's pool) of the last `timed` call, ms. */
let lastCpuMs = 0;

async function timed(work: () => Promise<unknown>): Promise<number> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  await work();
  const used = process.cpuUsage(cpu);
  lastCpuMs = (used.user + used.system) / 1000;
  return performance.now() - started;
}

const renderer = new ChartRenderer({ cacheEntries: 256 });
const intraday = minuteBars(7, 0);
const daily = dailyBars(400);

// Warm-up: the first render loads ECharts' modules and the font.
await renderer.render(buildChartSpec(notification("WARM", intraday, 0)));

const specBuild: Record<"1d" | "5d" | "1y", number[]> = { "1d": [], "5d": [], "1y": [] };
for (let i = 0; i < ROUNDS; i++) {
  for (const [window, bars, resolution] of [
    ["1d", intraday, "1m"],
    ["5d", intraday, "1m"],
    ["1y", daily, "1d"],
  ] as const) {
    const started = performance.now();
    buildChartSpec({
      symbol: "AAPL",
      window,
      bars: response("AAPL", resolution, bars),
      now: NOW,
      timeZone: "Europe/Berlin",
    });
    specBuild[window].push(performance.now() - started);
  }
}

// Cold and cached, interleaved so load from other processes falls on both alike. Cold: a new symbol each round,
// so the base chart is drawn (ECharts) and rasterised (resvg). Cached: one symbol's bars in one minute and a new
// alert each round, so only the alert's marks are drawn on the cached base before resvg. The event-loop delay is
// what other work in the process (a bot's gateway, the next DM) waits meanwhile: ECharts' drawing is synchronous.
const cold: Record<"1d" | "5d" | "1y", number[]> = { "1d": [], "5d": [], "1y": [] };
const cached: number[] = [];
// Wall time on a shared machine mostly measures the other processes; CPU time is what a chart itself costs.
const coldCpu: number[] = [];
const cachedCpu: number[] = [];
const loopDelay = monitorEventLoopDelay({ resolution: 5 });
loopDelay.enable();
for (let i = 0; i < ROUNDS; i++) {
  for (const window of ["1d", "5d", "1y"] as const) {
    const symbol = `C${i}`;
    const spec =
      window === "1y"
        ? buildChartSpec({ symbol, window, bars: response(symbol, "1d", daily), now: NOW, timeZone: "UTC" })
        : window === "1d"
          ? buildChartSpec(notification(symbol, intraday, i))
          : buildChartSpec({
              symbol,
              window,
              bars: response(symbol, "1m", intraday),
              now: NOW,
              timeZone: "UTC",
            });
    cold[window].push(await timed(() => renderer.render(spec)));
    if (window === "1d") coldCpu.push(lastCpuMs);
    const hot = buildChartSpec(notification("HOT", intraday, cached.length + 1));
    cached.push(await timed(() => renderer.render(hot)));
    cachedCpu.push(lastCpuMs);
  }
}
loopDelay.disable();
const renderLoopDelay = { p50: round(loopDelay.percentile(50) / 1e6), max: round(loopDelay.max / 1e6) };

// Where the time goes: the SVG (ECharts base + marks) cold and cached, and resvg's rasterising + PNG encoding.
const breakdown = { svgCold: [] as number[], svgCached: [] as number[], rasterise: [] as number[] };
for (let i = 0; i < ROUNDS; i++) {
  const coldSpec = buildChartSpec(notification(`S${i}`, intraday, i));
  let started = performance.now();
  const svg = renderer.svg(coldSpec);
  breakdown.svgCold.push(performance.now() - started);
  const hotSpec = buildChartSpec(notification("HOT", intraday, i + 1_000));
  started = performance.now();
  renderer.svg(hotSpec);
  breakdown.svgCached.push(performance.now() - started);
  breakdown.rasterise.push(await timed(() => renderer.rasterise(svg)));
}

// Burst: BURST alerts on one symbol fired in one minute, all rendered at once under a 2 s budget each.
const burstStarted = performance.now();
const burst = await Promise.all(
  Array.from({ length: BURST }, (_, i) =>
    chartWithin(2_000, (signal) =>
      renderer.render(buildChartSpec(notification("BURST", intraday, i)), signal),
    ),
  ),
);
const burstMs = performance.now() - burstStarted;

await mkdir(SAMPLES_DIR, { recursive: true });
const samples = {
  notification1d: await renderer.render(buildChartSpec(notification("AAPL", intraday, 7))),
  chart5d: await renderer.render(
    buildChartSpec({
      symbol: "AAPL",
      window: "5d",
      bars: response("AAPL", "1m", intraday),
      now: NOW,
      timeZone: "Asia/Tokyo",
      levels: [{ price: intraday.at(-1)!.c * 0.99, label: "below 1%" }],
    }),
  ),
  chart1y: await renderer.render(
    buildChartSpec({
      symbol: "AAPL",
      window: "1y",
      bars: response("AAPL", "1d", daily),
      now: NOW,
      timeZone: "UTC",
    }),
  ),
};
for (const [name, png] of Object.entries(samples)) await writeFile(join(SAMPLES_DIR, `${name}.png`), png);

const result = {
  rounds: ROUNDS,
  size: { width: renderer.width, height: renderer.height },
  specBuildMs: Object.fromEntries(Object.entries(specBuild).map(([window, s]) => [window, summary(s)])),
  renderColdMs: { "1d": summary(cold["1d"]), "5d": summary(cold["5d"]), "1y": summary(cold["1y"]) },
  renderCachedMs: summary(cached),
  renderCpuMs: { cold1d: summary(coldCpu), cached: summary(cachedCpu) },
  renderEventLoopDelayMs: renderLoopDelay,
  breakdownMs: {
    svgCold: summary(breakdown.svgCold),
    svgCached: summary(breakdown.svgCached),
    rasterise: summary(breakdown.rasterise),
  },
  burst: {
    alerts: BURST,
    totalMs: round(burstMs),
    charted: burst.filter((outcome) => outcome.png !== null).length,
    withoutChart: burst.filter((outcome) => outcome.png === null).length,
  },
  pngBytes: Object.fromEntries(Object.entries(samples).map(([name, png]) => [name, png.length])),
  cache: renderer.stats,
  details: {
    bars: { "1d/5d minute bars": intraday.length, "1y daily bars": daily.length },
    note:
      "cold: a new symbol each round (ECharts draws the base SVG, resvg rasterises); cached: the same bars, a " +
      "new alert each round (only its level, reference and trigger drawn on the cached base, resvg rasterises). " +
      "Sequential renders; burst: 50 concurrent renders of one symbol's alerts under a 2 s budget each.",
  },
};
await mkdir(dirname(RESULT_FILE), { recursive: true });
await writeFile(RESULT_FILE, `${JSON.stringify(result, null, 2)}\n`);
console.log(
  `charts bench (${ROUNDS} rounds, ${renderer.width}x${renderer.height}):\n` +
    `  spec build p50/p99 ms: 1d ${result.specBuildMs["1d"]!.p50}/${result.specBuildMs["1d"]!.p99}, ` +
    `5d ${result.specBuildMs["5d"]!.p50}/${result.specBuildMs["5d"]!.p99}, 1y ${result.specBuildMs["1y"]!.p50}/${result.specBuildMs["1y"]!.p99}\n` +
    `  render cold p50/p99 ms: 1d ${result.renderColdMs["1d"].p50}/${result.renderColdMs["1d"].p99}, ` +
    `5d ${result.renderColdMs["5d"].p50}/${result.renderColdMs["5d"].p99}, 1y ${result.renderColdMs["1y"].p50}/${result.renderColdMs["1y"].p99}\n` +
    `  render cached p50/p99 ms: ${result.renderCachedMs.p50}/${result.renderCachedMs.p99}\n` +
    `  render CPU time p50/p99 ms: cold 1d ${result.renderCpuMs.cold1d.p50}/${result.renderCpuMs.cold1d.p99}, ` +
    `cached ${result.renderCpuMs.cached.p50}/${result.renderCpuMs.cached.p99}\n` +
    `  of which (1d, p50/p99 ms): SVG cold ${result.breakdownMs.svgCold.p50}/${result.breakdownMs.svgCold.p99}, ` +
    `SVG cached ${result.breakdownMs.svgCached.p50}/${result.breakdownMs.svgCached.p99}, ` +
    `resvg raster+PNG ${result.breakdownMs.rasterise.p50}/${result.breakdownMs.rasterise.p99}\n` +
    `  event-loop delay while rendering: p50 ${renderLoopDelay.p50} ms, max ${renderLoopDelay.max} ms\n` +
    `  burst of ${BURST} on one symbol: ${result.burst.totalMs} ms, ${result.burst.charted} charted, ${result.burst.withoutChart} without\n` +
    `  PNG bytes: ${JSON.stringify(result.pngBytes)}\n` +
    `  written to ${RESULT_FILE} (sample images in ${SAMPLES_DIR})`,
);
