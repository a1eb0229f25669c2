import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { type PriceTick, PriceTickSchema, type SymbolFeed } from "@tickerbell/contracts";
import type { PriceSource, TickSink } from "../domain/ports.ts";

export interface ReplaySourceOptions {
  /** A file with one PriceTick JSON object per line (blank lines and `#` comments are skipped). */
  path: string;
  /** `max`: as fast as the sink takes them. A number: replay at that multiple of the recorded pace. */
  speed?: "max" | number;
}

/** Ticks from a JSONL recording, for tests and benchmarks. Only subscribed symbols are delivered. */
export class ReplaySource implements PriceSource {
  readonly name = "replay";
  readonly #options: ReplaySourceOptions;
  readonly #subscribed = new Set<string>();
  #stopped = false;
  #finished: Promise<number> = Promise.resolve(0);

  constructor(options: ReplaySourceOptions) {
    this.#options = options;
  }

  /** Resolves with the number of ticks delivered once the file is exhausted (or the source stopped). */
  get finished(): Promise<number> {
    return this.#finished;
  }

  async start(sink: TickSink): Promise<void> {
    this.#finished = this.#replay(sink);
    // An unreadable file or a bad line fails `finished`; keep it from becoming an unhandled rejection here.
    this.#finished.catch(() => {});
  }

  subscribe(symbols: readonly string[]): void {
    for (const s of symbols) this.#subscribed.add(s);
  }

  unsubscribe(symbols: readonly string[]): void {
    for (const s of symbols) this.#subscribed.delete(s);
  }

  isReady(): boolean {
    return true;
  }

  /** A recording has no cap: every subscribed symbol streams. */
  feedOf(symbol: string): SymbolFeed {
    return {
      path: this.#subscribed.has(symbol) ? "streamed" : "idle",
      maxStalenessSeconds: null,
      streamCap: null,
    };
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#finished.catch(() => {});
  }

  async #replay(sink: TickSink): Promise<number> {
    const speed = this.#options.speed ?? "max";
    const lines = createInterface({
      input: createReadStream(this.#options.path),
      crlfDelay: Number.POSITIVE_INFINITY,
    });
    let delivered = 0;
    let lineNo = 0;
    let firstTs: number | undefined;
    const startedAt = Date.now();
    for await (const line of lines) {
      lineNo++;
      if (this.#stopped) break;
      const trimmed = line.trim();
      if (!trimmed || trimmed.startsWith("#")) continue;
      const parsed = PriceTickSchema.safeParse(JSON.parse(trimmed));
      if (!parsed.success)
        throw new Error(`${this.#options.path}:${lineNo}: not a price tick: ${parsed.error.message}`);
      const tick: PriceTick = parsed.data;
      if (speed !== "max") {
        firstTs ??= tick.ts;
        const due = startedAt + (tick.ts - firstTs) / speed;
        if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
      } else if (delivered % 1000 === 999) {
        // Yield now and then so a long replay does not starve the event loop.
        await new Promise((r) => setImmediate(r));
      }
      if (!this.#subscribed.has(tick.symbol)) continue;
      sink(tick);
      delivered++;
    }
    lines.close();
    return delivered;
  }
}
