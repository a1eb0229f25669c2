import { Worker } from "node:worker_threads";
import { buildChartSpec, type ChartSpec } from "./chart-data.ts";
import type { ChartRendererOptions } from "./render.ts";

/** What draws a chart spec as a PNG: the renderer in this thread, or one in a thread of its own. */
export interface ChartDrawer {
  render(spec: ChartSpec, signal?: AbortSignal): Promise<Buffer>;
}

/** To the render thread: a chart to draw, or one no longer wanted. */
export type RenderRequest = { kind: "render"; id: number; spec: ChartSpec } | { kind: "cancel"; id: number };
/** From the render thread: the PNG, or why there is none. */
export type RenderReply = { id: number; png: Uint8Array } | { id: number; error: string };

interface Pending {
  resolve: (png: Buffer) => void;
  reject: (error: unknown) => void;
}

export interface ThreadedChartRendererOptions extends ChartRendererOptions {
  /**
   * The thread's niceness on Linux (default 0): 10 makes its drawing take only CPU the other threads of the machine
   * leave over. A raised niceness cannot be lowered again without privileges, hence a thread per priority.
   */
  niceness?: number;
}

/**
 * Draws charts in a worker thread (a ChartRenderer there, with its cache, one chart at a time), so drawing never
 * holds the event loop that sends DMs: ECharts lays a chart out in plain JavaScript. The thread starts on the first
 * chart, does not keep the process alive, and is started again if it dies.
 */
export class ThreadedChartRenderer implements ChartDrawer {
  readonly #options: ThreadedChartRendererOptions & { niceness: number };
  #worker: Worker | undefined;
  readonly #pending = new Map<number, Pending>();
  #nextId = 0;
  #warming: Promise<void> | undefined;

  constructor(options: ThreadedChartRendererOptions = {}) {
    const niceness = options.niceness ?? 0;
    if (!Number.isInteger(niceness) || niceness < 0 || niceness > 19)
      throw new RangeError(`a chart thread's niceness is a whole number from 0 to 19, got ${niceness}`);
    this.#options = { ...options, niceness };
  }

  async render(spec: ChartSpec, signal?: AbortSignal): Promise<Buffer> {
    signal?.throwIfAborted();
    const worker = this.#thread();
    const id = this.#nextId++;
    return new Promise<Buffer>((resolve, reject) => {
      const onAbort = () => {
        this.#pending.delete(id);
        worker.postMessage({ kind: "cancel", id } satisfies RenderRequest);
        reject(signal!.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#pending.set(id, {
        resolve: (png) => {
          signal?.removeEventListener("abort", onAbort);
          resolve(png);
        },
        reject: (error) => {
          signal?.removeEventListener("abort", onAbort);
          reject(error);
        },
      });
      worker.postMessage({ kind: "render", id, spec } satisfies RenderRequest);
    });
  }

  /**
   * Starts the thread now and has it draw a small chart, so the first chart somebody waits for finds it warm: a
   * cold thread loads ECharts and the rasteriser first (1.7 s on two quiet cores, past a chart's 1.5 s budget).
   * Resolves once that chart is drawn, or failed (the next chart then says why); once per renderer.
   */
  warm(): Promise<void> {
    this.#warming ??= this.render(warmUpChart()).then(
      () => {},
      () => {},
    );
    return this.#warming;
  }

  /** Whether the thread is running (it starts on the first chart, or on warm()). */
  get running(): boolean {
    return this.#worker !== undefined;
  }

  /** Stops the thread; charts still being drawn fail. */
  async close(): Promise<void> {
    const worker = this.#worker;
    this.#worker = undefined;
    await worker?.terminate();
  }

  #thread(): Worker {
    if (this.#worker) return this.#worker;
    const worker = new Worker(new URL("./render-worker.ts", import.meta.url), { workerData: this.#options });
    worker.unref();
    worker.on("message", (reply: RenderReply) => {
      const pending = this.#pending.get(reply.id);
      if (pending === undefined) return; // given up on meanwhile
      this.#pending.delete(reply.id);
      if ("png" in reply)
        pending.resolve(Buffer.from(reply.png.buffer, reply.png.byteOffset, reply.png.byteLength));
      else pending.reject(new Error(reply.error));
    });
    const lost = (error: Error) => {
      if (this.#worker === worker) this.#worker = undefined;
      for (const [id, pending] of this.#pending) {
        this.#pending.delete(id);
        pending.reject(error);
      }
    };
    worker.on("error", lost);
    worker.on("exit", (code) => lost(new Error(`the chart thread stopped (exit ${code})`)));
    this.#worker = worker;
    return worker;
  }
}

/** An hour of a made-up symbol's minutes: what a thread draws to warm up. */
function warmUpChart(): ChartSpec {
  const start = Date.UTC(2026, 0, 6, 15);
  const bars = Array.from({ length: 60 }, (_, i) => {
    const price = 100 + Math.sin(i / 7);
    return { t: start + i * 60_000, o: price, h: price + 0.2, l: price - 0.2, c: price, v: 100, n: 1 };
  });
  return buildChartSpec({
    symbol: "WARM",
    window: "1d",
    bars: { symbol: "WARM", resolution: "1m", from: start, to: start + 3_600_000, bars, previousClose: 100 },
    now: start + 3_600_000,
    timeZone: "UTC",
    levels: [{ price: 101, label: "above 101" }],
  });
}
