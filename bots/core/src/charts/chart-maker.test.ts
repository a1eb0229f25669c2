import { ChartRenderer } from "@tickerbell/charts";
import type { Bar, BarsResponse, Notification } from "@tickerbell/contracts";
import { describe, expect, it } from "vitest";
import {
  BarChartMaker,
  type BarsLookup,
  chartMakerFrom,
  notificationAlert,
  processChartRenderer,
  processNotificationChartRenderer,
} from "./chart-maker.ts";

const MINUTE = 60_000;
const NOW = Date.UTC(2026, 10, 24, 16, 0); // Tuesday 11:00 New York

/** Width and height from a PNG's header (IHDR follows the 8-byte signature). */
function pngSize(png: Buffer): { width: number; height: number } {
  expect(png.subarray(0, 8).toString("hex")).toBe("89504e470d0a1a0a");
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

/** A morning of minute bars climbing from 100 by 5 cents a minute. */
function morning(): Bar[] {
  const open = Date.UTC(2026, 10, 24, 14, 30);
  return Array.from({ length: 90 }, (_, i) => {
    const c = 100 + i * 0.05;
    return { t: open + i * MINUTE, o: c, h: c + 0.02, l: c - 0.02, c, v: 100, n: 3 };
  });
}

/** Recorded bars kept in memory, as the pricing service would answer them; remembers what was asked. */
class RecordedBars implements BarsLookup {
  readonly asked: string[] = [];
  readonly recorded: Bar[];
  constructor(recorded: Bar[]) {
    this.recorded = recorded;
  }
  async bars(symbol: string, query: { resolution: "1m" | "1d"; from: number; to: number }) {
    this.asked.push(`${symbol} ${query.resolution}`);
    const inRange = this.recorded.filter((bar) => bar.t >= query.from && bar.t < query.to);
    return {
      symbol,
      ...query,
      bars: inRange,
      previousClose: 99.5,
    } as BarsResponse;
  }
}

const fired: Notification = {
  v: 1,
  type: "triggered",
  triggerId: "0f8fad5b-d9cb-469f-a165-70867728950e:0",
  alertId: "0f8fad5b-d9cb-469f-a165-70867728950e",
  generation: 0,
  userId: "7c9e6679-7425-40de-944b-e07fc1f90ae7",
  origin: { platform: "telegram", chatId: "1" },
  symbol: "AAPL",
  condition: { kind: "trailing", direction: "down", offset: { unit: "percent", value: 2 } },
  price: 102.9,
  referencePrice: 105,
  moveAbs: -2.1,
  movePercent: -2,
  note: null,
  repeating: false,
  firedAt: new Date(NOW - 5 * MINUTE).toISOString(),
  side: "lower",
  level: 102.9,
  lastPrice: 102.9,
  referenceKind: "whenSet",
  extreme: 105,
  rearm: null,
};

describe("notificationAlert", () => {
  it("marks a trailing alert's level, the peak it trailed from, and the trade that fired it", () => {
    expect(notificationAlert(fired)).toEqual({
      level: { price: 102.9, label: "below 102.9" },
      reference: { kind: "peak", price: 105 },
      trigger: { at: NOW - 5 * MINUTE, price: 102.9 },
    });
  });

  it("marks a percent alert's reference by its kind, and gives a fixed level none", () => {
    const percent = notificationAlert({
      ...fired,
      condition: { kind: "percent", direction: "up", percent: 3, basis: "close" },
      side: "upper",
      level: 103,
      referencePrice: 100,
      referenceKind: "previousClose",
      extreme: null,
    });
    expect(percent?.reference).toEqual({ kind: "previousClose", price: 100 });
    expect(percent?.level.label).toBe("above 103");
    const fixed = notificationAlert({
      ...fired,
      condition: { kind: "price", direction: "below", target: 102.9 },
    });
    expect(fixed?.reference).toBeUndefined();
  });

  it("marks a moving-average alert at the average, and an RSI or volume alert (whose level is no price) at the trade", () => {
    const average = notificationAlert({
      ...fired,
      condition: { kind: "average", average: "sma", period: 50, direction: "cross" },
      side: "lower",
      level: 103.1,
      price: 102.9,
      referencePrice: 106,
      extreme: null,
      study: { key: "sma50", value: 103.1 },
    });
    expect(average).toEqual({
      level: { price: 103.1, label: "50-day SMA 103.1" },
      trigger: { at: NOW - 5 * MINUTE, price: 102.9 },
    });
    // The RSI's level is 30 and the volume's 4 million: neither belongs on a price axis.
    const rsi = notificationAlert({
      ...fired,
      condition: { kind: "rsi", direction: "below", level: 30, period: 14, interval: "1d" },
      side: "lower",
      level: 30,
      price: 102.9,
      referencePrice: 106,
      extreme: null,
      study: { key: "rsi14:1d", value: 29.43 },
    });
    expect(rsi).toEqual({
      level: { price: 102.9, label: "daily RSI(14) 29.4" },
      trigger: { at: NOW - 5 * MINUTE, price: 102.9 },
    });
    const volume = notificationAlert({
      ...fired,
      condition: { kind: "volume", multiple: 3 },
      side: "upper",
      level: 4_050_000,
      price: 102.9,
      referencePrice: 106,
      extreme: null,
      study: { key: "volume", value: 4_200_000, typical: 1_350_000 },
    });
    expect(volume?.level).toEqual({ price: 102.9, label: "volume 3.1× the usual" });
    expect(volume?.reference).toBeUndefined();
  });

  it("marks a move within a window from the window's low (a rise) or high (a fall), as a trough or a peak", () => {
    const window = { kind: "window" as const, direction: "move" as const, percent: 3, windowSeconds: 3600 };
    const rise = notificationAlert({
      ...fired,
      condition: window,
      side: "upper",
      level: 103,
      price: 103.2,
      referencePrice: 100,
      referenceKind: "window",
      extreme: 100,
    });
    expect(rise?.reference).toEqual({ kind: "trough", price: 100 });
    expect(rise?.level.label).toBe("above 103");
    const fall = notificationAlert({
      ...fired,
      condition: window,
      side: "lower",
      level: 97,
      price: 96.9,
      referencePrice: 100,
      referenceKind: "window",
      extreme: 100,
    });
    expect(fall?.reference).toEqual({ kind: "peak", price: 100 });
  });

  it("gives expiries and earnings notices no chart", () => {
    expect(notificationAlert({ ...fired, type: "expired" })).toBeNull();
  });
});

describe("BarChartMaker", () => {
  const renderer = new ChartRenderer();

  it("draws /chart as an 800x450 PNG from the window's bars, with the last price and a sparkline", async () => {
    const bars = new RecordedBars(morning());
    const maker = new BarChartMaker({ bars, renderer, budgetMs: 60_000, now: () => NOW });
    const answer = await maker.chart({ symbol: "AAPL", window: "1d", timeZone: "Europe/Berlin", levels: [] });
    expect(answer.kind).toBe("chart");
    if (answer.kind !== "chart") return;
    expect(pngSize(answer.png)).toEqual({ width: 800, height: 450 });
    expect(answer.lastPrice).toBeCloseTo(100 + 89 * 0.05);
    expect(answer.sparkline).toMatch(/^▁[▁-█]+█$/);
    expect(bars.asked).toEqual(["AAPL 1m"]);
  });

  it("says a window without bars is empty instead of drawing nothing", async () => {
    const maker = new BarChartMaker({
      bars: new RecordedBars([]),
      renderer,
      budgetMs: 60_000,
      now: () => NOW,
    });
    const answer = await maker.chart({ symbol: "AAPL", window: "5d", timeZone: "UTC", levels: [] });
    expect(answer).toEqual({ kind: "empty", symbol: "AAPL", window: "5d" });
  });

  it("draws a notification's day, and says why there is no chart when it cannot be made", async () => {
    const maker = new BarChartMaker({
      bars: new RecordedBars(morning()),
      renderer,
      budgetMs: 60_000,
      now: () => NOW,
    });
    const outcome = await maker.forNotification(fired, "America/New_York");
    expect(outcome?.missing).toBeNull();
    expect(pngSize(outcome!.png!)).toEqual({ width: 800, height: 450 });

    const late = await maker.forNotification(
      { ...fired, firedAt: new Date(NOW - 9 * 86_400_000).toISOString() },
      "UTC",
    );
    expect(late?.png).toBeNull();
    expect(late?.missing).toMatch(/^chart failed: .*before the 1d window/);
  });

  it("made from the environment, starts both of the process's chart threads at once (warm before the first chart)", async () => {
    const off = chartMakerFrom({ CHARTS: false, CHART_BUDGET_MS: 1500 }, new RecordedBars([]));
    expect(off).toBeUndefined();
    expect(processChartRenderer().running).toBe(false);
    expect(processNotificationChartRenderer().running).toBe(false);
    chartMakerFrom({ CHARTS: true, CHART_BUDGET_MS: 1500 }, new RecordedBars([]));
    expect(processChartRenderer().running).toBe(true);
    expect(processNotificationChartRenderer().running).toBe(true);
    await Promise.all([processChartRenderer().warm(), processNotificationChartRenderer().warm()]);
    await Promise.all([processChartRenderer().close(), processNotificationChartRenderer().close()]);
  });

  it("never takes longer than its budget: past it the outcome is no chart, with the reason", async () => {
    const maker = new BarChartMaker({
      bars: new RecordedBars(morning()),
      renderer: new ChartRenderer(),
      budgetMs: 1,
      now: () => NOW,
    });
    const outcome = await maker.forNotification(fired, "UTC");
    expect(outcome).toEqual({ png: null, missing: "chart not ready within 1 ms" });
  });
});
