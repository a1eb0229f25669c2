// A local stand-in for Finnhub that speaks its wire protocol (REST under /api/v1 with a `token` query parameter,
// a websocket at `/?token=` with subscribe/unsubscribe, trade and ping frames) and enforces its limits, so the
// pricing service's real adapter runs unmodified against it. Tests script prices, inject faults, and read back
// what the client did.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { type WebSocket, WebSocketServer } from "ws";
import { type CandleHistoryOptions, candleHistory } from "./candle-history.ts";

export interface FakeQuote {
  /** Current price. */
  c: number;
  /** Day high / low / open, previous close. */
  h: number;
  l: number;
  o: number;
  pc: number;
  /** Quote time, epoch seconds (as Finnhub sends it). */
  t: number;
}

export interface FakeSymbolInfo {
  symbol: string;
  description: string;
  type?: string;
}

/** One pair of a crypto exchange's or forex broker's list, as Finnhub's `/crypto/symbol` and `/forex/symbol` send it. */
export interface FakePair {
  /** `BINANCE:BTCUSDT`, `COINBASE:BTC-USD`, `OANDA:EUR_USD`: what the websocket and /quote take. */
  symbol: string;
  /** `BTC/USDT`. */
  displaySymbol: string;
  /** `Binance BTCUSDT`. */
  description: string;
  /** Starting /quote price (default 100). */
  price?: number;
}

export interface FakeTrade {
  symbol: string;
  price: number;
  /** Epoch milliseconds; defaults to now. */
  ts?: number;
  volume?: number;
  conditions?: string[];
}

export interface FakeMarketStatus {
  isOpen: boolean;
  session: "pre-market" | "regular" | "post-market" | null;
  holiday: string | null;
}

/** One row of Finnhub's `/calendar/earnings` (`earningsCalendar[]`), as Finnhub sends it. */
export interface FakeEarnings {
  symbol: string;
  /** The report day, `YYYY-MM-DD` (US/Eastern). */
  date: string;
  /** `bmo` before the open, `amc` after the close, `dmh` during market hours; empty when Finnhub does not know. */
  hour: "bmo" | "amc" | "dmh" | "";
  quarter: number;
  year: number;
  epsEstimate?: number | null;
  epsActual?: number | null;
  revenueEstimate?: number | null;
  revenueActual?: number | null;
}

/** One candle as Finnhub's `/stock/candle` holds it: `t` the start of the bar in epoch seconds. */
export interface FakeCandle {
  t: number;
  o: number;
  h: number;
  l: number;
  c: number;
  v: number;
}

export interface FakeFinnhubOptions {
  /** API keys the fake accepts (default: one, `DEFAULT_FAKE_FINNHUB_KEY`). */
  apiKeys?: string[];
  /** Symbols one socket may subscribe to (Finnhub free tier: 50). */
  symbolCap?: number;
  /** REST calls allowed per key within `restWindowMs` before 429 (Finnhub free tier: 60 per minute). */
  restCallsPerWindow?: number;
  restWindowMs?: number;
  /** Whether a 429 carries a Retry-After header (seconds until the window frees a call). Default true. */
  retryAfterHeader?: boolean;
  /** Interval of `{"type":"ping"}` frames to every socket; 0 turns them off. Default 10 s. */
  pingIntervalMs?: number;
  /** The symbol universe for /search and the starting quotes for /quote. */
  symbols?: Array<FakeSymbolInfo & { price?: number }>;
  marketStatus?: FakeMarketStatus;
  /** What /calendar/earnings answers from (filtered by its from, to and symbol parameters). */
  earnings?: FakeEarnings[];
  /** Whether the key may read `/stock/candle` (default true); Finnhub's free plan answers it with 403. */
  candleAccess?: boolean;
  /**
   * The 52-week range `/stock/metric` answers per symbol (default: each universe symbol's starting price +25% and
   * -20%); a symbol not listed answers Finnhub's empty `metric` object.
   */
  yearRanges?: Record<string, FakeYearRange>;
  /** Pairs per crypto exchange (Finnhub's lower-case exchange name) for `/crypto/symbol?exchange=` (default a few). */
  cryptoExchanges?: Record<string, FakePair[]>;
  /** Pairs per forex broker for `/forex/symbol?exchange=` (default OANDA's majors). Their trades carry no volume. */
  forexExchanges?: Record<string, FakePair[]>;
}

/** A symbol's 52-week range as `/stock/metric?metric=all` reports it (`metric["52WeekHigh"]`, `["52WeekLow"]`). */
export interface FakeYearRange {
  high: number;
  low: number;
}

/** What Finnhub answers a key whose plan does not include a resource. */
export const FINNHUB_NO_ACCESS_MSG = "You don't have access to this resource.";

export const DEFAULT_FAKE_FINNHUB_KEY = "fake-finnhub-key-0001";
export const FINNHUB_TOO_MANY_SYMBOLS_MSG = "Subscribing to too many symbols";
export const FINNHUB_LIMIT_REACHED_MSG = "API limit reached. Please try again later. Remaining Limit: 0";

export type FakeFinnhubEvent =
  | { kind: "connect"; key: string; at: number }
  | { kind: "refused"; key: string; reason: "invalid-key" | "already-connected" | "outage"; at: number }
  | { kind: "disconnect"; key: string; at: number }
  | { kind: "subscribe"; key: string; symbol: string; at: number }
  | { kind: "subscribe-refused"; key: string; symbol: string; at: number }
  | { kind: "unsubscribe"; key: string; symbol: string; at: number }
  | { kind: "client-message"; key: string; text: string; at: number };

export interface FakeRestCall {
  path: string;
  symbol: string | undefined;
  key: string | undefined;
  status: number;
  at: number;
  /** For a 429: when the fake said the client may call again (epoch ms), if it said so. */
  retryAt?: number;
}

interface Connection {
  key: string;
  socket: WebSocket;
  symbols: Set<string>;
}

const UNKNOWN_QUOTE = { c: 0, d: null, dp: null, h: 0, l: 0, o: 0, pc: 0, t: 0 };

export class FakeFinnhub {
  readonly restUrl: string;
  readonly wsUrl: string;
  readonly apiKey: string;
  /** Everything that happened on the websocket, in order. */
  readonly events: FakeFinnhubEvent[] = [];
  /** Every REST request, in order. */
  readonly restCalls: FakeRestCall[] = [];

  readonly #http: Server;
  readonly #wss: WebSocketServer;
  readonly #connections = new Set<Connection>();
  readonly #keys: Set<string>;
  readonly #symbolCap: number;
  readonly #restLimit: number;
  readonly #restWindowMs: number;
  readonly #retryAfterHeader: boolean;
  readonly #callTimes = new Map<string, number[]>();
  readonly #quotes = new Map<string, FakeQuote>();
  readonly #universe: FakeSymbolInfo[];
  #earnings: FakeEarnings[];
  #marketStatus: FakeMarketStatus;
  #pingTimer: NodeJS.Timeout | undefined;
  #refusing = false;
  #candleAccess: boolean;
  readonly #yearRanges = new Map<string, FakeYearRange>();
  readonly #candles = new Map<string, FakeCandle[]>();
  readonly #cryptoExchanges: Record<string, FakePair[]>;
  readonly #forexExchanges: Record<string, FakePair[]>;
  /** Forex symbols: Finnhub's trades for them carry volume 0 (a quote feed, not an exchange's prints). */
  readonly #forexSymbols: Set<string>;

  private constructor(http: Server, wss: WebSocketServer, port: number, options: FakeFinnhubOptions) {
    this.#http = http;
    this.#wss = wss;
    this.#candleAccess = options.candleAccess ?? true;
    this.restUrl = `http://127.0.0.1:${port}/api/v1`;
    this.wsUrl = `ws://127.0.0.1:${port}`;
    const keys = options.apiKeys ?? [DEFAULT_FAKE_FINNHUB_KEY];
    this.#keys = new Set(keys);
    this.apiKey = keys[0] ?? DEFAULT_FAKE_FINNHUB_KEY;
    this.#symbolCap = options.symbolCap ?? 50;
    this.#restLimit = options.restCallsPerWindow ?? 60;
    this.#restWindowMs = options.restWindowMs ?? 60_000;
    this.#retryAfterHeader = options.retryAfterHeader ?? true;
    this.#marketStatus = options.marketStatus ?? { isOpen: true, session: "regular", holiday: null };
    this.#earnings = [...(options.earnings ?? [])];
    this.#universe = (options.symbols ?? DEFAULT_SYMBOLS).map(({ symbol, description, type }) => ({
      symbol,
      description,
      type: type ?? "Common Stock",
    }));
    const nowSeconds = Math.floor(Date.now() / 1000);
    for (const s of options.symbols ?? DEFAULT_SYMBOLS) {
      const price = s.price ?? 100;
      this.#quotes.set(s.symbol, { c: price, h: price, l: price, o: price, pc: price, t: nowSeconds });
      this.#yearRanges.set(s.symbol, { high: round(price * 1.25, 2), low: round(price * 0.8, 2) });
    }
    for (const [symbol, range] of Object.entries(options.yearRanges ?? {}))
      this.#yearRanges.set(symbol, range);
    this.#cryptoExchanges = options.cryptoExchanges ?? DEFAULT_CRYPTO_EXCHANGES;
    this.#forexExchanges = options.forexExchanges ?? DEFAULT_FOREX_EXCHANGES;
    this.#forexSymbols = new Set(
      Object.values(this.#forexExchanges).flatMap((pairs) => pairs.map((p) => p.symbol)),
    );
    for (const pair of [
      ...Object.values(this.#cryptoExchanges),
      ...Object.values(this.#forexExchanges),
    ].flat()) {
      const price = pair.price ?? 100;
      this.#quotes.set(pair.symbol, { c: price, h: price, l: price, o: price, pc: price, t: nowSeconds });
    }
    http.on("request", (req, res) => this.#onRequest(req, res));
    http.on("upgrade", (req, socket, head) => this.#onUpgrade(req, socket, head));
    const pingMs = options.pingIntervalMs ?? 10_000;
    if (pingMs > 0) {
      this.#pingTimer = setInterval(() => this.sendPing(), pingMs);
      this.#pingTimer.unref();
    }
  }

  /** Starts the fake on a free loopback port. */
  static async start(options: FakeFinnhubOptions = {}): Promise<FakeFinnhub> {
    const http = createServer();
    const wss = new WebSocketServer({ noServer: true });
    await new Promise<void>((resolve, reject) => {
      http.once("error", reject);
      http.listen(0, "127.0.0.1", () => resolve());
    });
    return new FakeFinnhub(http, wss, (http.address() as AddressInfo).port, options);
  }

  // ---- scripting -------------------------------------------------------------------------------------------

  /** Sends trades (one frame) to every socket subscribed to their symbols; also moves the REST quotes. */
  pushTrades(trades: FakeTrade[]): number {
    const now = Date.now();
    const data = trades.map((t) => ({
      s: t.symbol,
      p: t.price,
      t: t.ts ?? now,
      v: t.volume ?? (this.#forexSymbols.has(t.symbol) ? 0 : 1),
      c: t.conditions ?? ["1"],
    }));
    for (const d of data) this.#moveQuote(d.s, d.p, d.t);
    let delivered = 0;
    for (const conn of this.#connections) {
      const mine = data.filter((d) => conn.symbols.has(d.s));
      if (mine.length === 0) continue;
      conn.socket.send(JSON.stringify({ data: mine, type: "trade" }));
      delivered += mine.length;
    }
    return delivered;
  }

  pushTrade(symbol: string, price: number, extra: Omit<FakeTrade, "symbol" | "price"> = {}): number {
    return this.pushTrades([{ symbol, price, ...extra }]);
  }

  /** Plays a price path for one symbol, one trade every `intervalMs` (0: one frame per trade, back to back). */
  async playPath(symbol: string, prices: readonly number[], intervalMs = 0): Promise<number> {
    let delivered = 0;
    for (const price of prices) {
      delivered += this.pushTrade(symbol, price);
      await new Promise((r) => setTimeout(r, intervalMs));
    }
    return delivered;
  }

  /** Sets what /quote answers for a symbol (a symbol without a quote answers like an unknown one). */
  setQuote(symbol: string, quote: Partial<FakeQuote> & { c: number }): void {
    const t = quote.t ?? Math.floor(Date.now() / 1000);
    this.#quotes.set(symbol, { h: quote.c, l: quote.c, o: quote.c, pc: quote.c, ...quote, t });
  }

  /** Sets (or, with null, removes) the 52-week range `/stock/metric` answers for a symbol. */
  setYearRange(symbol: string, range: FakeYearRange | null): void {
    if (range === null) this.#yearRanges.delete(symbol);
    else this.#yearRanges.set(symbol, range);
  }

  /** Replaces what /calendar/earnings answers from. */
  setEarnings(rows: FakeEarnings[]): void {
    this.#earnings = [...rows];
  }

  /** The candles `/stock/candle` answers for a symbol and resolution (`1`, `5`, ..., `D`), any order. */
  setCandles(symbol: string, resolution: string, candles: FakeCandle[]): void {
    this.#candles.set(
      `${symbol} ${resolution}`,
      [...candles].sort((a, b) => a.t - b.t),
    );
  }

  /**
   * Gives a symbol a plausible past as candles (daily for a year, minutes of the last 10 sessions, with volume):
   * enough for a back-fill to give volume, moving-average and RSI alerts their studies.
   */
  setHistory(symbol: string, options: CandleHistoryOptions): void {
    const { daily, minutes } = candleHistory(options);
    this.setCandles(symbol, "D", daily);
    this.setCandles(symbol, "1", minutes);
  }

  /** Grants or takes away the key's access to `/stock/candle` (without it: 403, as on the free plan). */
  setCandleAccess(allowed: boolean): void {
    this.#candleAccess = allowed;
  }

  setMarketStatus(status: FakeMarketStatus): void {
    this.#marketStatus = status;
  }

  // ---- fault injection -------------------------------------------------------------------------------------

  /** While on, websocket handshakes fail with 503 (an outage); REST keeps answering. */
  refuseConnections(on: boolean): void {
    this.#refusing = on;
  }

  /** Cuts every socket without a closing handshake, as a network failure would. */
  dropSockets(): void {
    for (const conn of this.#connections) conn.socket.terminate();
  }

  sendRaw(text: string): void {
    for (const conn of this.#connections) conn.socket.send(text);
  }

  /** Sends frames a client cannot parse as Finnhub messages. */
  sendGarbage(text = "}{not json"): void {
    this.sendRaw(text);
  }

  sendError(msg: string): void {
    this.sendRaw(JSON.stringify({ msg, type: "error" }));
  }

  sendPing(): void {
    this.sendRaw(JSON.stringify({ type: "ping" }));
  }

  // ---- assertions ------------------------------------------------------------------------------------------

  /** Symbols currently subscribed, over all sockets (sorted). */
  subscriptions(): string[] {
    const all = new Set<string>();
    for (const conn of this.#connections) for (const s of conn.symbols) all.add(s);
    return [...all].sort();
  }

  get openSockets(): number {
    return this.#connections.size;
  }

  eventsOf<K extends FakeFinnhubEvent["kind"]>(kind: K): Array<Extract<FakeFinnhubEvent, { kind: K }>> {
    return this.events.filter((e): e is Extract<FakeFinnhubEvent, { kind: K }> => e.kind === kind);
  }

  /** Polls `predicate` until it holds; throws with `what` after `timeoutMs`. */
  async waitFor(predicate: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`fake finnhub: timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  async close(): Promise<void> {
    if (this.#pingTimer) clearInterval(this.#pingTimer);
    for (const conn of this.#connections) conn.socket.terminate();
    this.#wss.close();
    this.#http.closeAllConnections();
    await new Promise<void>((resolve) => this.#http.close(() => resolve()));
  }

  // ---- REST ------------------------------------------------------------------------------------------------

  #onRequest(req: IncomingMessage, res: ServerResponse): void {
    const answer = this.#answer(req);
    res.writeHead(answer.status, { "content-type": "application/json; charset=utf-8", ...answer.headers });
    res.end(JSON.stringify(answer.body));
  }

  #answer(req: IncomingMessage): Answer {
    const url = new URL(req.url ?? "/", "http://fake");
    const key = url.searchParams.get("token") ?? headerValue(req.headers["x-finnhub-token"]);
    const symbol = url.searchParams.get("symbol") ?? undefined;
    const path = url.pathname.replace(/^\/api\/v1/, "");
    const now = Date.now();
    const record = (status: number, retryAt?: number) => {
      const call: FakeRestCall = { path, symbol, key: key ?? undefined, status, at: now };
      if (retryAt !== undefined) call.retryAt = retryAt;
      this.restCalls.push(call);
    };
    if (!url.pathname.startsWith("/api/v1/")) {
      record(404);
      return { status: 404, body: { error: "Not found" } };
    }
    if (!key) {
      record(401);
      return { status: 401, body: { error: "Please use an API key." } };
    }
    if (!this.#keys.has(key)) {
      record(401);
      return { status: 401, body: { error: "Invalid API key" } };
    }
    const limited = this.#overLimit(key, now);
    if (limited !== undefined) {
      const headers: Record<string, string> = {};
      if (this.#retryAfterHeader) headers["retry-after"] = String(Math.ceil((limited - now) / 1000));
      record(429, this.#retryAfterHeader ? now + Math.ceil((limited - now) / 1000) * 1000 : undefined);
      return { status: 429, body: { error: FINNHUB_LIMIT_REACHED_MSG }, headers };
    }
    switch (path) {
      case "/quote": {
        record(200);
        const q = symbol ? this.#quotes.get(symbol) : undefined;
        if (!q) return { status: 200, body: UNKNOWN_QUOTE };
        const d = round(q.c - q.pc, 4);
        return { status: 200, body: { ...q, d, dp: q.pc ? round((d / q.pc) * 100, 4) : 0 } };
      }
      case "/search": {
        record(200);
        const q = (url.searchParams.get("q") ?? "").trim().toUpperCase();
        const result = q
          ? this.#universe
              .filter((s) => s.symbol.startsWith(q) || s.description.toUpperCase().includes(q))
              .map((s) => ({
                description: s.description,
                displaySymbol: s.symbol,
                symbol: s.symbol,
                type: s.type,
              }))
          : [];
        return { status: 200, body: { count: result.length, result } };
      }
      case "/crypto/exchange":
      case "/forex/exchange": {
        record(200);
        const lists = path === "/crypto/exchange" ? this.#cryptoExchanges : this.#forexExchanges;
        // Finnhub names crypto exchanges in capitals and forex brokers in lower case.
        const names = Object.keys(lists).map((n) => (path === "/crypto/exchange" ? n.toUpperCase() : n));
        return { status: 200, body: names };
      }
      case "/crypto/symbol":
      case "/forex/symbol": {
        const exchange = url.searchParams.get("exchange");
        if (!exchange) {
          record(422);
          return { status: 422, body: { error: "Please provide exchange." } };
        }
        record(200);
        const lists = path === "/crypto/symbol" ? this.#cryptoExchanges : this.#forexExchanges;
        // An exchange Finnhub does not know answers an empty list.
        const pairs = lists[exchange.toLowerCase()] ?? [];
        return {
          status: 200,
          body: pairs.map((p) => ({
            description: p.description,
            displaySymbol: p.displaySymbol,
            symbol: p.symbol,
          })),
        };
      }
      case "/stock/market-status": {
        record(200);
        return {
          status: 200,
          body: {
            exchange: url.searchParams.get("exchange") ?? "US",
            holiday: this.#marketStatus.holiday,
            isOpen: this.#marketStatus.isOpen,
            session: this.#marketStatus.session,
            timezone: "America/New_York",
            t: Math.floor(now / 1000),
          },
        };
      }
      case "/stock/metric": {
        // Finnhub's shape: `metric` holds the figures (an empty object for a symbol it has none for); `metric` is
        // a required parameter (`all` is what Tickerbell asks).
        if (url.searchParams.get("metric") === null) {
          record(422);
          return { status: 422, body: { error: "Missing metric parameter." } };
        }
        record(200);
        const range = symbol ? this.#yearRanges.get(symbol) : undefined;
        const metric = range
          ? { "52WeekHigh": range.high, "52WeekLow": range.low, "52WeekHighDate": "2026-07-16", beta: 1.2 }
          : {};
        return {
          status: 200,
          body: { metric, metricType: range ? "all" : "", series: {}, symbol: symbol ?? "" },
        };
      }
      case "/calendar/earnings": {
        // Finnhub's shape: every row in the inclusive [from, to] day range, of one symbol when asked; a
        // malformed date is refused as Finnhub does, with 422 and a message.
        const from = url.searchParams.get("from");
        const to = url.searchParams.get("to");
        const day = /^\d{4}-\d{2}-\d{2}$/;
        if ((from !== null && !day.test(from)) || (to !== null && !day.test(to))) {
          record(422);
          return { status: 422, body: { error: "Wrong date format. Please use YYYY-MM-DD." } };
        }
        record(200);
        const earningsCalendar = this.#earnings
          .filter((e) => (from === null || e.date >= from) && (to === null || e.date <= to))
          .filter((e) => symbol === undefined || symbol === "" || e.symbol === symbol)
          .sort((a, b) => a.date.localeCompare(b.date))
          .map((e) => ({
            date: e.date,
            epsActual: e.epsActual ?? null,
            epsEstimate: e.epsEstimate ?? null,
            hour: e.hour,
            quarter: e.quarter,
            revenueActual: e.revenueActual ?? null,
            revenueEstimate: e.revenueEstimate ?? null,
            symbol: e.symbol,
            year: e.year,
          }));
        return { status: 200, body: { earningsCalendar } };
      }
      case "/stock/candle":
      case "/crypto/candle":
      case "/forex/candle": {
        if (!this.#candleAccess) {
          record(403);
          return { status: 403, body: { error: FINNHUB_NO_ACCESS_MSG } };
        }
        const resolution = url.searchParams.get("resolution") ?? "";
        const from = Number(url.searchParams.get("from"));
        const to = Number(url.searchParams.get("to"));
        if (!symbol || !resolution || !Number.isFinite(from) || !Number.isFinite(to)) {
          record(422);
          return { status: 422, body: { error: "Wrong resolution, symbol, from or to." } };
        }
        record(200);
        // Finnhub's shape: parallel arrays, t in epoch seconds, every candle with from <= t <= to.
        const rows = (this.#candles.get(`${symbol} ${resolution}`) ?? []).filter(
          (k) => k.t >= from && k.t <= to,
        );
        if (rows.length === 0) return { status: 200, body: { s: "no_data" } };
        return {
          status: 200,
          body: {
            c: rows.map((k) => k.c),
            h: rows.map((k) => k.h),
            l: rows.map((k) => k.l),
            o: rows.map((k) => k.o),
            s: "ok",
            t: rows.map((k) => k.t),
            v: rows.map((k) => k.v),
          },
        };
      }
      default:
        record(404);
        return { status: 404, body: { error: "Not found" } };
    }
  }

  /** Sliding window per key: returns when a call frees up if this call is over the limit, else counts it. */
  #overLimit(key: string, now: number): number | undefined {
    const times = (this.#callTimes.get(key) ?? []).filter((t) => t > now - this.#restWindowMs);
    this.#callTimes.set(key, times);
    if (times.length >= this.#restLimit) return (times[0] ?? now) + this.#restWindowMs;
    times.push(now);
    return undefined;
  }

  #moveQuote(symbol: string, price: number, tsMs: number): void {
    const q = this.#quotes.get(symbol);
    const t = Math.floor(tsMs / 1000);
    if (!q) {
      this.#quotes.set(symbol, { c: price, h: price, l: price, o: price, pc: price, t });
      return;
    }
    q.c = price;
    q.h = Math.max(q.h, price);
    q.l = Math.min(q.l, price);
    q.t = t;
  }

  // ---- websocket -------------------------------------------------------------------------------------------

  #onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    // Past the upgrade the HTTP server no longer handles the socket's errors: a client resetting it while it is
    // refused (a restarting pricing service's second socket) would be an uncaught exception.
    socket.on("error", () => socket.destroy());
    const url = new URL(req.url ?? "/", "http://fake");
    const key = url.searchParams.get("token") ?? "";
    const at = Date.now();
    if (url.pathname !== "/" || !this.#keys.has(key)) {
      this.events.push({ kind: "refused", key, reason: "invalid-key", at });
      refuseUpgrade(socket, 401, "Unauthorized");
      return;
    }
    if (this.#refusing) {
      this.events.push({ kind: "refused", key, reason: "outage", at });
      refuseUpgrade(socket, 503, "Service Unavailable");
      return;
    }
    // One socket per key: a second connection is refused while the first is open.
    if ([...this.#connections].some((c) => c.key === key)) {
      this.events.push({ kind: "refused", key, reason: "already-connected", at });
      refuseUpgrade(socket, 429, "Too Many Requests");
      return;
    }
    this.#wss.handleUpgrade(req, socket, head, (ws) => this.#onConnection(ws, key));
  }

  #onConnection(socket: WebSocket, key: string): void {
    const conn: Connection = { key, socket, symbols: new Set() };
    this.#connections.add(conn);
    this.events.push({ kind: "connect", key, at: Date.now() });
    socket.on("message", (raw) => this.#onClientMessage(conn, String(raw)));
    socket.on("close", () => {
      this.#connections.delete(conn);
      this.events.push({ kind: "disconnect", key, at: Date.now() });
    });
    socket.on("error", () => socket.terminate());
  }

  #onClientMessage(conn: Connection, text: string): void {
    const at = Date.now();
    let msg: { type?: unknown; symbol?: unknown };
    try {
      msg = JSON.parse(text) as typeof msg;
    } catch {
      this.events.push({ kind: "client-message", key: conn.key, text, at });
      return;
    }
    const symbol = typeof msg.symbol === "string" ? msg.symbol : undefined;
    if (msg.type === "subscribe" && symbol) {
      if (!conn.symbols.has(symbol) && conn.symbols.size >= this.#symbolCap) {
        this.events.push({ kind: "subscribe-refused", key: conn.key, symbol, at });
        conn.socket.send(JSON.stringify({ msg: FINNHUB_TOO_MANY_SYMBOLS_MSG, type: "error" }));
        return;
      }
      conn.symbols.add(symbol);
      this.events.push({ kind: "subscribe", key: conn.key, symbol, at });
    } else if (msg.type === "unsubscribe" && symbol) {
      conn.symbols.delete(symbol);
      this.events.push({ kind: "unsubscribe", key: conn.key, symbol, at });
    } else {
      this.events.push({ kind: "client-message", key: conn.key, text, at });
    }
  }
}

interface Answer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

function refuseUpgrade(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

function headerValue(v: string | string[] | undefined): string | null {
  return (Array.isArray(v) ? v[0] : v) ?? null;
}

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** A small universe for /search and /quote when a test brings none. */
export const DEFAULT_SYMBOLS: Array<FakeSymbolInfo & { price: number }> = [
  { symbol: "AAPL", description: "APPLE INC", price: 190 },
  { symbol: "MSFT", description: "MICROSOFT CORP", price: 410 },
  { symbol: "AMZN", description: "AMAZON.COM INC", price: 180 },
  { symbol: "GOOGL", description: "ALPHABET INC-CL A", price: 165 },
  { symbol: "TSLA", description: "TESLA INC", price: 240 },
  { symbol: "NVDA", description: "NVIDIA CORP", price: 120 },
  { symbol: "META", description: "META PLATFORMS INC-CLASS A", price: 500 },
  { symbol: "BRK.B", description: "BERKSHIRE HATHAWAY INC-CL B", price: 420 },
  { symbol: "AMD", description: "ADVANCED MICRO DEVICES", price: 160 },
  { symbol: "SPY", description: "SPDR S&P 500 ETF TRUST", price: 520, type: "ETP" },
];

/** A few pairs per crypto exchange, written as Finnhub writes them (Binance glued, Coinbase with a dash). */
export const DEFAULT_CRYPTO_EXCHANGES: Record<string, FakePair[]> = {
  binance: [
    { symbol: "BINANCE:BTCUSDT", displaySymbol: "BTC/USDT", description: "Binance BTCUSDT", price: 97_000 },
    { symbol: "BINANCE:ETHUSDT", displaySymbol: "ETH/USDT", description: "Binance ETHUSDT", price: 3_600 },
    { symbol: "BINANCE:SOLUSDT", displaySymbol: "SOL/USDT", description: "Binance SOLUSDT", price: 230 },
    { symbol: "BINANCE:BNBUSDT", displaySymbol: "BNB/USDT", description: "Binance BNBUSDT", price: 700 },
  ],
  coinbase: [
    { symbol: "COINBASE:BTC-USD", displaySymbol: "BTC/USD", description: "Coinbase BTC-USD", price: 97_050 },
    { symbol: "COINBASE:SOL-USD", displaySymbol: "SOL/USD", description: "Coinbase SOL-USD", price: 230 },
  ],
  kraken: [
    { symbol: "KRAKEN:XBTUSD", displaySymbol: "XBT/USD", description: "Kraken XBTUSD", price: 97_020 },
  ],
};

/** OANDA's majors, as Finnhub's `/forex/symbol?exchange=oanda` lists them. */
export const DEFAULT_FOREX_EXCHANGES: Record<string, FakePair[]> = {
  oanda: [
    { symbol: "OANDA:EUR_USD", displaySymbol: "EUR/USD", description: "Oanda EUR/USD", price: 1.0842 },
    { symbol: "OANDA:GBP_USD", displaySymbol: "GBP/USD", description: "Oanda GBP/USD", price: 1.271 },
    { symbol: "OANDA:USD_JPY", displaySymbol: "USD/JPY", description: "Oanda USD/JPY", price: 150.2 },
  ],
};
