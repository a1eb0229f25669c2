import { Backoff, type BackoffPolicy, type Logger } from "@tickerbell/config";
import type { PriceTick, SymbolFeed } from "@tickerbell/contracts";
import { hasVolume } from "@tickerbell/rules";
import WebSocket from "ws";
import { z } from "zod";
import type { TickSink, TieredPriceSource } from "../domain/ports.ts";
import { CallBudgetExhaustedError, FinnhubRateLimitedError } from "./errors.ts";
import type { FinnhubRestClient } from "./rest-client.ts";

const TradeFrameSchema = z.object({
  type: z.literal("trade"),
  data: z.array(
    z.object({ s: z.string(), p: z.number(), t: z.number(), v: z.number().nullable().optional() }).loose(),
  ),
});
const ErrorFrameSchema = z.object({ type: z.literal("error"), msg: z.string() });

/** What Finnhub sends when a subscription would exceed the key's symbol cap. */
const TOO_MANY_SYMBOLS = /too many symbols/i;

export type PollOutcome = "ok" | "unknown_symbol" | "rate_limited" | "error";
export type DeliveryPath = "streamed" | "polled";

export interface FinnhubObserver {
  connected(up: boolean): void;
  reconnectScheduled(delayMs: number): void;
  frameDropped(reason: "garbage" | "unexpected"): void;
  serverError(): void;
  symbols(streamed: number, overflow: number): void;
  polled(outcome: PollOutcome): void;
  /** A tick went to the sink: which path brought it and how old its trade was on arrival. */
  delivered(path: DeliveryPath, ageMs: number): void;
  /** The longest a polled symbol waits between two polls now (the round-robin cycle), in ms. */
  pollCycle(ms: number): void;
}

export interface FinnhubSourceOptions {
  wsUrl: string;
  apiKey: string;
  rest: FinnhubRestClient;
  /** Symbols one socket may carry; the rest are polled over REST. */
  symbolCap: number;
  log: Logger;
  reconnect?: BackoffPolicy;
  /** A socket silent this long (no trade, no ping) is presumed dead and replaced (default 60 s). */
  staleAfterMs?: number;
  /** Spacing of background REST polls, so the budget is spread over the minute (default 1.25 s). */
  pollSpacingMs?: number;
  observer?: FinnhubObserver;
}

/**
 * Finnhub prices: one websocket for the first `symbolCap` demanded symbols, REST polling for the rest and for
 * everything while the socket is down. The socket reconnects with jittered backoff and resubscribes all it
 * carried; REST calls stay within the shared budget and pause on 429.
 */
export class FinnhubSource implements TieredPriceSource {
  readonly name = "finnhub";
  readonly #o: FinnhubSourceOptions;
  readonly #log: Logger;
  readonly #backoff: Backoff;
  /** Demanded symbols in demand order; the first ones ride the socket. */
  readonly #demand = new Set<string>();
  readonly #streamed = new Set<string>();
  /** Streamed symbols the balancer moved to polling: unsubscribed once polled, so their prices never pause. */
  readonly #leaving = new Set<string>();
  /** Symbols the balancer moved to the stream, waiting for a slot (polled meanwhile), in order. */
  #joining: string[] = [];
  #cap: number;
  #sink: TickSink | undefined;
  #socket: WebSocket | undefined;
  #connected = false;
  #stopped = false;
  #reconnectTimer: NodeJS.Timeout | undefined;
  #watchdog: NodeJS.Timeout | undefined;
  #lastFrameAt = 0;
  readonly #lastTs = new Map<string, number>();
  readonly #lastPolledAt = new Map<string, number>();
  readonly #lastQuote = new Map<string, { ts: number; price: number }>();
  #pollLoop: Promise<void> | undefined;
  #wake: () => void = () => {};
  #lastOverflowLogged = -1;

  constructor(options: FinnhubSourceOptions) {
    this.#o = options;
    this.#log = options.log.child({ source: "finnhub" });
    this.#cap = options.symbolCap;
    this.#backoff = new Backoff(options.reconnect ?? { baseDelayMs: 1_000, maxDelayMs: 30_000 });
  }

  async start(sink: TickSink): Promise<void> {
    this.#sink = sink;
    this.#connect();
    const staleAfterMs = this.#o.staleAfterMs ?? 60_000;
    this.#watchdog = setInterval(
      () => {
        if (this.#connected && Date.now() - this.#lastFrameAt > staleAfterMs) {
          this.#log.warn(
            { silentMs: Date.now() - this.#lastFrameAt },
            "finnhub socket went silent; reconnecting",
          );
          this.#socket?.terminate();
        }
      },
      Math.min(staleAfterMs, 5_000),
    );
    this.#watchdog.unref();
    this.#pollLoop = this.#poll();
  }

  isReady(): boolean {
    return this.#connected;
  }

  /** Symbols on the socket and symbols polled over REST (for tests and diagnostics). */
  get allocation(): { streamed: string[]; overflow: string[] } {
    return { streamed: [...this.#streamed], overflow: this.#overflow() };
  }

  get streamCap(): number {
    return this.#cap;
  }

  streamedSymbols(): Set<string> {
    const chosen = new Set([...this.#streamed].filter((s) => !this.#leaving.has(s)));
    for (const s of this.#joining) chosen.add(s);
    return chosen;
  }

  setStreamed(symbols: ReadonlySet<string>): void {
    const socketUp = this.#connected;
    for (const symbol of this.#streamed) {
      if (symbols.has(symbol)) this.#leaving.delete(symbol);
      else if (!socketUp) this.#streamed.delete(symbol);
      // Nothing came for it yet (just subscribed, as at start): no run of trades to keep, it leaves at once.
      else if (!this.#lastTs.has(symbol)) {
        this.#streamed.delete(symbol);
        this.#send({ type: "unsubscribe", symbol });
      }
      // While the socket is up the symbol stays subscribed until the poller has its price (see #pollOne).
      else this.#leaving.add(symbol);
    }
    this.#joining = [...symbols].filter((s) => this.#demand.has(s) && !this.#streamed.has(s));
    this.#fillSlots();
    this.#allocationChanged();
  }

  feedOf(symbol: string): SymbolFeed {
    const streamCap = this.#cap;
    if (!this.#demand.has(symbol)) {
      // Not watched: what it would get once watched, if the stream is full by then.
      const full = this.#streamed.size - this.#leaving.size + this.#joining.length >= this.#cap;
      return {
        path: "idle",
        maxStalenessSeconds: full ? this.#pollCycleSeconds(this.#pollTargets().length + 1) : null,
        streamCap,
      };
    }
    if (this.#connected && this.#streamed.has(symbol) && !this.#leaving.has(symbol))
      return { path: "streamed", maxStalenessSeconds: null, streamCap };
    return {
      path: "polled",
      maxStalenessSeconds: this.#pollCycleSeconds(this.#pollTargets().length),
      streamCap,
    };
  }

  subscribe(symbols: readonly string[]): void {
    for (const symbol of symbols) {
      if (this.#demand.has(symbol)) continue;
      this.#demand.add(symbol);
      if (this.#streamed.size < this.#cap) this.#stream(symbol);
    }
    this.#allocationChanged();
  }

  unsubscribe(symbols: readonly string[]): void {
    for (const symbol of symbols) {
      if (!this.#demand.delete(symbol)) continue;
      this.#lastTs.delete(symbol);
      this.#lastPolledAt.delete(symbol);
      this.#lastQuote.delete(symbol);
      this.#leaving.delete(symbol);
      this.#joining = this.#joining.filter((s) => s !== symbol);
      if (this.#streamed.delete(symbol)) {
        this.#send({ type: "unsubscribe", symbol });
        // A freed slot goes to the balancer's next choice, else the longest-waiting overflow symbol.
        const next = this.#joining.shift() ?? this.#overflow()[0];
        if (next) this.#stream(next);
      }
    }
    this.#allocationChanged();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#reconnectTimer);
    clearInterval(this.#watchdog);
    this.#wake();
    this.#socket?.removeAllListeners();
    this.#socket?.on("error", () => {});
    this.#socket?.close();
    this.#socket = undefined;
    this.#connected = false;
    await this.#pollLoop;
  }

  // ---- websocket ---------------------------------------------------------------------------------------------

  #connect(): void {
    const url = new URL(this.#o.wsUrl);
    url.searchParams.set("token", this.#o.apiKey);
    const socket = new WebSocket(url);
    this.#socket = socket;
    socket.on("open", () => {
      this.#connected = true;
      this.#lastFrameAt = Date.now();
      this.#o.observer?.connected(true);
      this.#log.info(
        { streamed: this.#streamed.size, reconnects: this.#backoff.attempts },
        "finnhub socket open",
      );
      for (const symbol of this.#streamed) this.#send({ type: "subscribe", symbol });
      this.#wake();
    });
    socket.on("message", (data) => this.#onFrame(String(data)));
    // The error text never includes the URL (and so never the key); the close that follows reconnects.
    socket.on("error", (error) => this.#log.warn({ err: error.message }, "finnhub socket error"));
    socket.on("close", (code) => {
      if (this.#socket !== socket) return;
      this.#socket = undefined;
      if (this.#connected) this.#o.observer?.connected(false);
      this.#connected = false;
      this.#wake();
      if (this.#stopped) return;
      const delayMs = this.#backoff.next();
      this.#o.observer?.reconnectScheduled(delayMs);
      this.#log.warn(
        { code, delayMs, attempt: this.#backoff.attempts },
        "finnhub socket closed; reconnecting",
      );
      this.#reconnectTimer = setTimeout(() => this.#connect(), delayMs);
    });
  }

  #onFrame(text: string): void {
    this.#lastFrameAt = Date.now();
    let frame: unknown;
    try {
      frame = JSON.parse(text);
    } catch {
      this.#o.observer?.frameDropped("garbage");
      this.#log.warn({ sample: text.slice(0, 80), length: text.length }, "unparseable finnhub frame skipped");
      return;
    }
    const type = (frame as { type?: unknown } | null)?.type;
    if (type === "ping") {
      this.#backoff.reset();
      return;
    }
    if (type === "trade") {
      const trades = TradeFrameSchema.safeParse(frame);
      if (!trades.success) {
        this.#o.observer?.frameDropped("unexpected");
        this.#log.warn({ sample: text.slice(0, 80) }, "malformed finnhub trade frame skipped");
        return;
      }
      this.#backoff.reset();
      for (const t of trades.data.data) {
        if (!this.#demand.has(t.s) || !(t.p > 0)) continue;
        const tick: PriceTick = { v: 1, symbol: t.s, price: t.p, ts: Math.max(0, Math.trunc(t.t)) };
        // Forex prints carry volume 0: a quote feed with no traded volume, so the tick claims none.
        if (t.v !== undefined && t.v !== null && t.v >= 0 && hasVolume(t.s)) tick.volume = t.v;
        this.#emit(tick, "streamed");
      }
      return;
    }
    const error = ErrorFrameSchema.safeParse(frame);
    if (error.success) {
      this.#o.observer?.serverError();
      this.#log.warn({ msg: error.data.msg }, "finnhub sent an error");
      if (TOO_MANY_SYMBOLS.test(error.data.msg)) this.#shrinkCap();
      return;
    }
    this.#o.observer?.frameDropped("unexpected");
    this.#log.warn({ sample: text.slice(0, 80) }, "unexpected finnhub frame skipped");
  }

  /**
   * The server refused a subscription because the key's cap is lower than configured. Subscriptions go out in
   * stream order and the server refuses the newest, so the last streamed symbol moves to REST polling.
   */
  #shrinkCap(): void {
    const last = [...this.#streamed].at(-1);
    if (!last) return;
    this.#streamed.delete(last);
    this.#leaving.delete(last);
    this.#cap = Math.max(0, this.#streamed.size);
    this.#log.warn(
      { cap: this.#cap, symbol: last },
      "finnhub symbol cap is lower than configured; polling instead",
    );
    this.#allocationChanged();
  }

  /** Streams waiting joiners while there are free slots. */
  #fillSlots(): void {
    while (this.#streamed.size < this.#cap && this.#joining.length > 0) {
      const next = this.#joining.shift() as string;
      if (this.#demand.has(next) && !this.#streamed.has(next)) this.#stream(next);
    }
  }

  #stream(symbol: string): void {
    this.#streamed.add(symbol);
    this.#send({ type: "subscribe", symbol });
  }

  #send(message: { type: "subscribe" | "unsubscribe"; symbol: string }): void {
    if (this.#connected && this.#socket?.readyState === WebSocket.OPEN)
      this.#socket.send(JSON.stringify(message));
  }

  #overflow(): string[] {
    return [...this.#demand].filter((s) => !this.#streamed.has(s));
  }

  #allocationChanged(): void {
    const overflow = this.#overflow();
    this.#o.observer?.symbols(this.#streamed.size, overflow.length);
    this.#o.observer?.pollCycle(this.#pollCycleSeconds(this.#pollTargets().length) * 1000);
    if (
      overflow.length !== this.#lastOverflowLogged &&
      (overflow.length > 0 || this.#lastOverflowLogged > 0)
    ) {
      this.#log.warn(
        { overflow: overflow.length, cap: this.#cap, symbols: overflow.slice(0, 20) },
        "symbols beyond the websocket cap are polled over REST",
      );
    }
    this.#lastOverflowLogged = overflow.length;
    this.#wake();
  }

  #emit(tick: PriceTick, path: DeliveryPath): void {
    const last = this.#lastTs.get(tick.symbol) ?? 0;
    if (tick.ts > last) this.#lastTs.set(tick.symbol, tick.ts);
    this.#o.observer?.delivered(path, Math.max(0, Date.now() - tick.ts));
    this.#sink?.(tick);
  }

  /** How long a round of `targets` polls takes at the poll spacing: the most a polled price can lag. */
  #pollCycleSeconds(targets: number): number {
    if (targets === 0) return 0;
    return Math.ceil((targets * this.#spacingMs()) / 1000);
  }

  #spacingMs(): number {
    return this.#o.pollSpacingMs ?? 1_250;
  }

  // ---- REST polling ------------------------------------------------------------------------------------------

  /**
   * What the poller serves: the overflow and the symbols leaving the stream, or every symbol while the socket
   * is down.
   */
  #pollTargets(): string[] {
    return this.#connected ? [...this.#leaving, ...this.#overflow()] : [...this.#demand];
  }

  async #poll(): Promise<void> {
    const spacingMs = this.#spacingMs();
    const budget = this.#o.rest.budget;
    let lastCallAt = 0;
    while (!this.#stopped) {
      const targets = this.#pollTargets();
      if (targets.length === 0) {
        await this.#sleep(60_000);
        continue;
      }
      const at = Math.max(budget.availableAt("background"), lastCallAt + spacingMs);
      if (at > Date.now()) {
        await this.#sleep(at - Date.now());
        continue;
      }
      // A symbol leaving the stream goes first (its slot waits for it); else the least recently polled target
      // goes next, so every symbol gets its turn.
      let symbol = targets[0] as string;
      if (!this.#leaving.has(symbol))
        for (const s of targets) {
          if ((this.#lastPolledAt.get(s) ?? 0) < (this.#lastPolledAt.get(symbol) ?? 0)) symbol = s;
        }
      lastCallAt = Date.now();
      this.#lastPolledAt.set(symbol, lastCallAt);
      await this.#pollOne(symbol);
    }
  }

  async #pollOne(symbol: string): Promise<void> {
    try {
      const quote = await this.#o.rest.quote(symbol, "background");
      if (!quote) {
        this.#o.observer?.polled("unknown_symbol");
        this.#leftStream(symbol);
        return;
      }
      this.#o.observer?.polled("ok");
      this.#leftStream(symbol);
      if (!this.#demand.has(symbol)) return;
      // A quote older than what was already delivered would move the price backwards; an unchanged one is noise.
      const previous = this.#lastQuote.get(symbol);
      if (quote.ts < (this.#lastTs.get(symbol) ?? 0)) return;
      if (previous && previous.ts === quote.ts && previous.price === quote.price) return;
      this.#lastQuote.set(symbol, { ts: quote.ts, price: quote.price });
      this.#emit(
        { v: 1, symbol, price: quote.price, ts: quote.ts, previousClose: quote.previousClose },
        "polled",
      );
    } catch (error) {
      if (error instanceof CallBudgetExhaustedError) return;
      if (error instanceof FinnhubRateLimitedError) {
        this.#o.observer?.polled("rate_limited");
        this.#log.warn(
          { symbol, pausedUntil: new Date(this.#o.rest.budget.pausedUntil).toISOString() },
          "finnhub REST rate limited; backing off",
        );
        return;
      }
      this.#o.observer?.polled("error");
      this.#log.warn({ symbol, err: error }, "finnhub REST poll failed");
    }
  }

  /** A symbol leaving the stream has been polled: its slot goes to the next joiner. */
  #leftStream(symbol: string): void {
    if (!this.#leaving.delete(symbol)) return;
    this.#streamed.delete(symbol);
    this.#send({ type: "unsubscribe", symbol });
    this.#fillSlots();
    this.#allocationChanged();
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = done;
    });
  }
}
