// Chart spec -> PNG. Apache ECharts draws the base chart (price line, volume, axes, previous close) as SVG on the
// server; the request's own marks (levels, the alert's level and reference, the trigger point) are SVG drawn on
// top of it here; resvg rasterises the result off the event loop. The base is the costly part and the same for
// every alert on a symbol in a given minute, so it is cached by its content.
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { Resvg, type ResvgRenderOptions, renderAsync } from "@resvg/resvg-js";
import * as echarts from "echarts";
import { type ChartSpec, formatPrice, type LevelLine, type LineKind } from "./chart-data.ts";
import { WINDOWS } from "./windows.ts";

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

export const CHART_COLOURS = {
  background: "#ffffff",
  text: "#24292f",
  muted: "#6e7781",
  price: "#1f6feb",
  volume: "#afb8c1",
  trigger: "#cf222e",
  lines: {
    previousClose: "#6e7781",
    level: "#bf8700",
    alertLevel: "#cf222e",
    reference: "#8250df",
  } satisfies Record<LineKind, string>,
} as const;

const FONT_FAMILY = "DejaVu Sans";

/** DejaVu Sans from the `dejavu-fonts-ttf` package: resvg needs a TrueType/OpenType file to draw any text. */
export function bundledFontFile(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve("dejavu-fonts-ttf/package.json")), "ttf", "DejaVuSans.ttf");
}

export interface ChartRendererOptions {
  width?: number;
  height?: number;
  /** How many base charts to keep; each is one SVG of 100-300 KB. */
  cacheEntries?: number;
  /** How many charts are drawn at once (default 2); more wait their turn. */
  concurrency?: number;
  /**
   * Rasterise on the calling thread instead of libuv's pool: for a renderer in a thread of its own, whose
   * lowered priority then covers all of a chart's work.
   */
  rasteriseInThread?: boolean;
  /** A TrueType/OpenType font; default DejaVu Sans from `dejavu-fonts-ttf`, else the system's fonts. */
  fontFile?: string;
}

/** Where the price grid sits in pixels and how data maps onto it. */
interface Layout {
  left: number;
  right: number;
  top: number;
  bottom: number;
  from: number;
  to: number;
  priceMin: number;
  priceMax: number;
}

interface BaseChart {
  svg: string;
  layout: Layout;
}

export interface ChartCacheStats {
  hits: number;
  misses: number;
  entries: number;
}

export class ChartRenderer {
  readonly width: number;
  readonly height: number;
  #cacheEntries: number;
  #bases = new Map<string, BaseChart>();
  #hits = 0;
  #misses = 0;
  #resvgOptions: ResvgRenderOptions;
  #concurrency: number;
  readonly #rasteriseInThread: boolean;
  #busy = 0;
  #waiting: (() => void)[] = [];

  constructor(options: ChartRendererOptions = {}) {
    this.width = options.width ?? 800;
    this.height = options.height ?? 450;
    if (
      !Number.isInteger(this.width) ||
      !Number.isInteger(this.height) ||
      this.width < 320 ||
      this.height < 200
    ) {
      throw new RangeError(`a chart is at least 320x200 whole pixels, got ${this.width}x${this.height}`);
    }
    this.#cacheEntries = options.cacheEntries ?? 64;
    this.#concurrency = options.concurrency ?? 2;
    this.#rasteriseInThread = options.rasteriseInThread ?? false;
    if (!Number.isInteger(this.#concurrency) || this.#concurrency < 1) {
      throw new RangeError(`chart concurrency is a whole number of 1 or more, got ${this.#concurrency}`);
    }
    const fontFile = options.fontFile ?? bundledFontFile();
    if (options.fontFile !== undefined && !existsSync(fontFile)) {
      throw new Error(`chart font ${fontFile} not found: give a .ttf or .otf file`);
    }
    // Without the bundled font (a pruned install) the system's fonts still give the labels a face.
    this.#resvgOptions = existsSync(fontFile)
      ? { font: { fontFiles: [fontFile], loadSystemFonts: false, defaultFontFamily: FONT_FAMILY } }
      : { font: { loadSystemFonts: true } };
    this.#resvgOptions.background = CHART_COLOURS.background;
  }

  get stats(): ChartCacheStats {
    return { hits: this.#hits, misses: this.#misses, entries: this.#bases.size };
  }

  /** The chart as a PNG. Gives up with the signal's reason between stages once the signal aborts. */
  async render(spec: ChartSpec, signal?: AbortSignal): Promise<Buffer> {
    signal?.throwIfAborted();
    await this.#acquireSlot(signal);
    try {
      return await this.#draw(spec, signal);
    } finally {
      this.#releaseSlot();
    }
  }

  /**
   * At most `concurrency` charts are drawn at once: a burst of alerts queues here instead of taking every core
   * from the process, and a chart whose deadline passes while queued is dropped without being drawn.
   */
  async #acquireSlot(signal: AbortSignal | undefined): Promise<void> {
    if (this.#busy < this.#concurrency) {
      this.#busy += 1;
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const waiter = () => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      };
      const onAbort = () => {
        this.#waiting.splice(this.#waiting.indexOf(waiter), 1);
        reject(signal!.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#waiting.push(waiter);
    });
  }

  #releaseSlot(): void {
    const next = this.#waiting.shift();
    // The slot passes straight to the next waiter; only when none waits is it freed.
    if (next) next();
    else this.#busy -= 1;
  }

  async #draw(spec: ChartSpec, signal: AbortSignal | undefined): Promise<Buffer> {
    const svg = this.svg(spec);
    signal?.throwIfAborted();
    const image = this.#rasteriseInThread
      ? new Resvg(svg, this.#resvgOptions).render()
      : await renderAsync(svg, this.#resvgOptions, signal ?? null);
    signal?.throwIfAborted();
    return image.asPng();
  }

  /** The chart as SVG: the (cached) base with the request's own marks on top. What `render` rasterises. */
  svg(spec: ChartSpec): string {
    const base = this.#base(spec);
    const overlay = [
      ...spec.lines
        .filter((line) => line.kind !== "previousClose" && line.inView)
        .map((l) => drawLine(l, base.layout)),
      offChartNote(
        spec.lines.filter((line) => !line.inView),
        base.layout,
      ),
      ...spec.points.map((point) => drawTrigger(point.t, point.price, point.label, base.layout)),
    ].join("");
    return `${base.svg.slice(0, base.svg.lastIndexOf("</svg>"))}${overlay}</svg>`;
  }

  /** Rasterises an SVG from `svg` with the chart font: the other half of `render`, apart for measuring. */
  async rasterise(svg: string): Promise<Buffer> {
    return (await renderAsync(svg, this.#resvgOptions)).asPng();
  }

  #base(spec: ChartSpec): BaseChart {
    const key = baseKey(spec, this.width, this.height);
    const cached = this.#bases.get(key);
    if (cached) {
      this.#hits += 1;
      // Map order is insertion order: re-inserting keeps the most recently used last.
      this.#bases.delete(key);
      this.#bases.set(key, cached);
      return cached;
    }
    this.#misses += 1;
    const drawn = drawBase(spec, this.width, this.height);
    // resvg's own rewrite of the SVG has the text already turned into glyph outlines: every later render of
    // this base skips laying out its labels again (about a sixth of a cached render's CPU time, measured).
    const base = { svg: new Resvg(drawn.svg, this.#resvgOptions).toString(), layout: drawn.layout };
    this.#bases.set(key, base);
    while (this.#bases.size > this.#cacheEntries) {
      this.#bases.delete(this.#bases.keys().next().value!);
    }
    return base;
  }
}

/** Everything the base drawing depends on, hashed: the same bars in the same minute give the same key. */
function baseKey(spec: ChartSpec, width: number, height: number): string {
  const { lines, points, ...rest } = spec;
  const baseLines = lines.filter((line) => line.kind === "previousClose");
  return createHash("sha256")
    .update(JSON.stringify({ ...rest, baseLines, width, height }))
    .digest("base64url");
}

function drawBase(spec: ChartSpec, width: number, height: number): BaseChart {
  const top = 56;
  const left = 64;
  const right = 24;
  const priceHeight = Math.round((height - top) * 0.64);
  const volumeTop = top + priceHeight + 10;
  const volumeHeight = Math.round((height - top) * 0.18);
  const plotWidth = width - left - right;
  const definition = WINDOWS[spec.window];
  const barMs = definition.resolution === "1m" ? definition.bucketMinutes * MINUTE_MS : DAY_MS;
  const barWidth = Math.max(1, ((plotWidth * barMs) / (spec.to - spec.from)) * 0.7);
  const labels = new Map(spec.ticks.map((tick) => [tick.t, tick.label]));
  const tickValues = spec.ticks.map((tick) => tick.t);

  // One series with an empty point between stretches: ECharts breaks the line there.
  const priceData: (number | string)[][] = [];
  for (const segment of spec.segments) {
    if (priceData.length > 0) priceData.push([segment[0]!.t, "-"]);
    for (const point of segment) priceData.push([point.t, point.price]);
  }
  const xAxis = (gridIndex: number, showLabels: boolean) => ({
    type: "value" as const,
    gridIndex,
    min: spec.from,
    max: spec.to,
    splitLine: { show: false },
    axisLine: { lineStyle: { color: CHART_COLOURS.muted } },
    axisTick: { show: showLabels, customValues: tickValues },
    axisLabel: {
      show: showLabels,
      customValues: tickValues,
      color: CHART_COLOURS.text,
      formatter: (value: number) => labels.get(value) ?? "",
    },
  });

  const chart = echarts.init(null, null, { renderer: "svg", ssr: true, width, height });
  try {
    chart.setOption({
      animation: false,
      backgroundColor: CHART_COLOURS.background,
      textStyle: { fontFamily: FONT_FAMILY },
      title: {
        text: spec.title,
        subtext: spec.subtitle,
        left: left - 8,
        top: 6,
        textStyle: { fontSize: 16, color: CHART_COLOURS.text },
        subtextStyle: { fontSize: 11, color: CHART_COLOURS.muted },
        itemGap: 4,
      },
      grid: [
        { left, right, top, height: priceHeight, outerBoundsMode: "none" },
        { left, right, top: volumeTop, height: volumeHeight, outerBoundsMode: "none" },
      ],
      xAxis: [xAxis(0, false), xAxis(1, true)],
      yAxis: [
        {
          type: "value",
          gridIndex: 0,
          min: spec.priceMin,
          max: spec.priceMax,
          splitNumber: 5,
          splitLine: { lineStyle: { color: "#eaeef2" } },
          axisLabel: {
            color: CHART_COLOURS.text,
            showMinLabel: false,
            showMaxLabel: false,
            formatter: (value: number) => formatPrice(value, spec.symbol),
          },
        },
        {
          type: "value",
          gridIndex: 1,
          axisLabel: { show: false },
          axisTick: { show: false },
          axisLine: { show: false },
          splitLine: { show: false },
        },
      ],
      series: [
        {
          type: "line",
          xAxisIndex: 0,
          yAxisIndex: 0,
          data: priceData,
          showSymbol: false,
          connectNulls: false,
          lineStyle: { color: CHART_COLOURS.price, width: 2 },
          itemStyle: { color: CHART_COLOURS.price },
        },
        {
          type: "bar",
          xAxisIndex: 1,
          yAxisIndex: 1,
          data: spec.volume.map((point) => [point.t, point.volume]),
          // One path for all bars instead of one element each: a third of the SVG, and faster to rasterise.
          large: true,
          largeThreshold: 100,
          barWidth,
          itemStyle: { color: CHART_COLOURS.volume },
        },
      ],
    });
    const [x0, y0] = chart.convertToPixel({ gridIndex: 0 }, [spec.from, spec.priceMax]) as number[];
    const [x1, y1] = chart.convertToPixel({ gridIndex: 0 }, [spec.to, spec.priceMin]) as number[];
    const layout: Layout = {
      left: x0!,
      top: y0!,
      right: x1!,
      bottom: y1!,
      from: spec.from,
      to: spec.to,
      priceMin: spec.priceMin,
      priceMax: spec.priceMax,
    };
    const svg = chart.renderToSVGString();
    const baseLines = spec.lines
      .filter((line) => line.kind === "previousClose")
      .map((l) => drawLine(l, layout));
    return { svg: `${svg.slice(0, svg.lastIndexOf("</svg>"))}${baseLines.join("")}</svg>`, layout };
  } finally {
    chart.dispose();
  }
}

function xOf(t: number, layout: Layout): number {
  return layout.left + ((t - layout.from) / (layout.to - layout.from)) * (layout.right - layout.left);
}

function yOf(price: number, layout: Layout): number {
  return (
    layout.top +
    ((layout.priceMax - price) / (layout.priceMax - layout.priceMin)) * (layout.bottom - layout.top)
  );
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A labelled horizontal line across the price grid, the label above its right end on a white plate. */
function drawLine(line: LevelLine, layout: Layout): string {
  const colour = CHART_COLOURS.lines[line.kind];
  const y = yOf(line.price, layout).toFixed(1);
  const dash = line.kind === "previousClose" ? "2 3" : "6 4";
  const width = line.kind === "alertLevel" ? 1.6 : 1.2;
  // The alert's own lines meet the trigger point at the right edge, so their labels go to the left end.
  const atLeft = line.kind === "alertLevel" || line.kind === "reference";
  const labelX = atLeft ? layout.left + 6 : layout.right - 4;
  return (
    `<line x1="${layout.left}" x2="${layout.right}" y1="${y}" y2="${y}" stroke="${colour}" stroke-width="${width}" stroke-dasharray="${dash}"/>` +
    plate(line.label, labelX, Number(y) - 4, atLeft ? "start" : "end", colour)
  );
}

/** Levels too far away to draw, listed right of the title with which way they lie. */
function offChartNote(lines: LevelLine[], layout: Layout): string {
  if (lines.length === 0) return "";
  const text = `off chart: ${lines.map((line) => `${line.label} ${line.price > layout.priceMax ? "↑" : "↓"}`).join(", ")}`;
  return plate(text, layout.right, 22, "end", CHART_COLOURS.lines.level);
}

function drawTrigger(t: number, price: number, label: string, layout: Layout): string {
  const x = xOf(t, layout);
  const y = yOf(price, layout);
  const nearRight = x > layout.left + (layout.right - layout.left) * 0.7;
  const below = y < (layout.top + layout.bottom) / 2;
  return (
    `<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="6" fill="${CHART_COLOURS.trigger}" stroke="#ffffff" stroke-width="2"/>` +
    plate(
      label,
      nearRight ? x - 10 : x + 10,
      below ? y + 22 : y - 12,
      nearRight ? "end" : "start",
      CHART_COLOURS.trigger,
    )
  );
}

/** Text on a see-through white plate: readable over the grid, the price line still showing through it. */
function plate(text: string, x: number, y: number, anchor: "start" | "end", colour: string): string {
  const width = text.length * 6.6 + 6;
  const left = anchor === "end" ? x - width + 3 : x - 3;
  return (
    `<rect x="${left.toFixed(1)}" y="${(y - 11).toFixed(1)}" width="${width.toFixed(1)}" height="15" rx="2" fill="#ffffff" fill-opacity="0.6"/>` +
    `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" font-family="${FONT_FAMILY}" font-size="11" fill="${colour}" text-anchor="${anchor}">${escapeXml(text)}</text>`
  );
}
