import { Counter, Gauge, Histogram, type Registry } from "@tickerbell/config";
import type { BarRecorderObserver } from "./domain/bar-recorder.ts";
import type { PublishObserver } from "./domain/publisher.ts";
import type { StreamBalancerObserver } from "./domain/stream-balancer.ts";
import type { DeliveryPath, FinnhubObserver, PollOutcome } from "./finnhub/finnhub-source.ts";

/** The pricing service's Prometheus metrics; also the observer its components report to. */
export class PricingMetrics
  implements FinnhubObserver, PublishObserver, BarRecorderObserver, StreamBalancerObserver
{
  readonly ticksReceived: Counter<"source">;
  readonly ticksPublished: Counter;
  readonly tradesPublished: Counter;
  readonly publishFailures: Counter;
  readonly pendingSymbolsGauge: Gauge;
  readonly demandedSymbols: Gauge;
  readonly streamedSymbols: Gauge;
  readonly overflowSymbols: Gauge;
  readonly socketConnected: Gauge;
  readonly reconnects: Counter;
  readonly framesDropped: Counter<"reason">;
  readonly serverErrors: Counter;
  readonly restCalls: Counter<"path" | "status">;
  readonly polls: Counter<"outcome">;
  readonly barPartsWritten: Counter;
  readonly barWriteFailures: Counter;
  readonly barPartsDropped: Counter;
  readonly barPartsBuffered: Gauge;
  readonly barOldestUnwritten: Gauge;
  /** Read when scraped: the bar recorder's wait, once there is a recorder. */
  #barWaitMs: (() => number) | undefined;
  readonly studySymbols: Gauge;
  #studySymbolCount: (() => number) | undefined;
  readonly barsSweptTotal: Counter<"resolution">;
  readonly feedSymbols: Gauge<"path">;
  readonly feedTicks: Counter<"path">;
  readonly feedTickAge: Histogram<"path">;
  readonly feedMaxStaleness: Gauge<"path">;
  readonly streamRebalances: Counter<"outcome">;
  readonly streamMoves: Counter<"to">;

  constructor(registry: Registry) {
    const registers = [registry];
    this.ticksReceived = new Counter({
      name: "pricing_ticks_received_total",
      help: "Ticks received from the price source",
      labelNames: ["source"],
      registers,
    });
    this.ticksPublished = new Counter({
      name: "pricing_ticks_published_total",
      help: "Messages published to prices.ticks",
      registers,
    });
    this.tradesPublished = new Counter({
      name: "pricing_trades_published_total",
      help: "Source ticks the published messages stand for (higher than ticks when conflated)",
      registers,
    });
    this.publishFailures = new Counter({
      name: "pricing_publish_failures_total",
      help: "Failed publish attempts (retried)",
      registers,
    });
    this.pendingSymbolsGauge = new Gauge({
      name: "pricing_pending_symbols",
      help: "Symbols with ticks waiting to be published",
      registers,
    });
    this.demandedSymbols = new Gauge({
      name: "pricing_demanded_symbols",
      help: "Symbols with active alerts or on a watchlist",
      registers,
    });
    this.streamedSymbols = new Gauge({
      name: "pricing_streamed_symbols",
      help: "Symbols subscribed on the Finnhub websocket",
      registers,
    });
    this.overflowSymbols = new Gauge({
      name: "pricing_overflow_symbols",
      help: "Demanded symbols beyond the websocket symbol cap, polled over REST",
      registers,
    });
    this.socketConnected = new Gauge({
      name: "pricing_finnhub_socket_connected",
      help: "1 while the Finnhub websocket is open",
      registers,
    });
    this.reconnects = new Counter({
      name: "pricing_finnhub_reconnects_total",
      help: "Websocket reconnects scheduled",
      registers,
    });
    this.framesDropped = new Counter({
      name: "pricing_finnhub_frames_dropped_total",
      help: "Websocket frames skipped, by reason",
      labelNames: ["reason"],
      registers,
    });
    this.serverErrors = new Counter({
      name: "pricing_finnhub_server_errors_total",
      help: "Error messages received on the websocket",
      registers,
    });
    this.restCalls = new Counter({
      name: "pricing_finnhub_rest_calls_total",
      help: "Finnhub REST calls by path and status",
      labelNames: ["path", "status"],
      registers,
    });
    this.polls = new Counter({
      name: "pricing_finnhub_polls_total",
      help: "REST quote polls by outcome",
      labelNames: ["outcome"],
      registers,
    });
    this.barPartsWritten = new Counter({
      name: "pricing_bar_parts_written_total",
      help: "Minute bar parts written to the price history store",
      registers,
    });
    this.barWriteFailures = new Counter({
      name: "pricing_bar_write_failures_total",
      help: "Failed price history writes (kept in the buffer and retried)",
      registers,
    });
    this.barPartsDropped = new Counter({
      name: "pricing_bar_parts_dropped_total",
      help: "Minute bar parts dropped because the write buffer was full (the database too slow or away)",
      registers,
    });
    this.barPartsBuffered = new Gauge({
      name: "pricing_bar_parts_buffered",
      help: "Minute bar parts waiting to be written",
      registers,
    });
    this.barOldestUnwritten = new Gauge({
      name: "pricing_bar_oldest_unwritten_seconds",
      help: "How long the oldest tick whose minute bar is not yet in the price history store has waited (up to the flush interval and back; climbing on means writes fall behind)",
      registers,
      collect: () => {
        this.barOldestUnwritten.set((this.#barWaitMs?.() ?? 0) / 1000);
      },
    });
    this.studySymbols = new Gauge({
      name: "pricing_study_symbols",
      help: "Symbols whose ticks carry the studies their alerts watch (volume, moving averages, RSI): bars loaded",
      registers,
      collect: () => {
        this.studySymbols.set(this.#studySymbolCount?.() ?? 0);
      },
    });
    this.feedSymbols = new Gauge({
      name: "pricing_feed_symbols",
      help: "Demanded symbols per feed path: streamed on the websocket or polled over REST",
      labelNames: ["path"],
      registers,
    });
    this.feedTicks = new Counter({
      name: "pricing_feed_ticks_total",
      help: "Ticks delivered per feed path",
      labelNames: ["path"],
      registers,
    });
    this.feedTickAge = new Histogram({
      name: "pricing_feed_tick_age_seconds",
      help: "How old a tick's trade was when it arrived, per feed path (polled prices lag by up to the poll cycle)",
      labelNames: ["path"],
      buckets: [0.1, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 900],
      registers,
    });
    this.feedMaxStaleness = new Gauge({
      name: "pricing_feed_max_staleness_seconds",
      help: "The longest a price can lag per feed path now (polled: the round-robin cycle; streamed: 0)",
      labelNames: ["path"],
      registers,
    });
    this.streamRebalances = new Counter({
      name: "pricing_stream_rebalances_total",
      help: "Re-balances of which symbols stream, by outcome (changed: some symbol moved)",
      labelNames: ["outcome"],
      registers,
    });
    this.streamMoves = new Counter({
      name: "pricing_stream_moves_total",
      help: "Symbols moved between feed paths by a re-balance, by the path they moved to",
      labelNames: ["to"],
      registers,
    });
    this.barsSweptTotal = new Counter({
      name: "pricing_bars_swept_total",
      help: "Bars deleted by the retention sweep, by resolution",
      labelNames: ["resolution"],
      registers,
    });
  }

  barsWritten(parts: number): void {
    this.barPartsWritten.inc(parts);
  }
  barWriteFailed(): void {
    this.barWriteFailures.inc();
  }
  barsDropped(parts: number): void {
    this.barPartsDropped.inc(parts);
  }
  barsBuffered(parts: number): void {
    this.barPartsBuffered.set(parts);
  }
  /** Reports the recorder's `unwrittenForMs` on every scrape. */
  watchBarRecorder(recorder: { unwrittenForMs(): number }): void {
    this.#barWaitMs = () => recorder.unwrittenForMs();
  }
  watchStudies(studies: { symbols(): string[] }): void {
    this.#studySymbolCount = () => studies.symbols().length;
  }
  barsSwept(resolution: "1m" | "1d", bars: number): void {
    this.barsSweptTotal.inc({ resolution }, bars);
  }

  connected(up: boolean): void {
    this.socketConnected.set(up ? 1 : 0);
  }
  reconnectScheduled(): void {
    this.reconnects.inc();
  }
  frameDropped(reason: "garbage" | "unexpected"): void {
    this.framesDropped.inc({ reason });
  }
  serverError(): void {
    this.serverErrors.inc();
  }
  symbols(streamed: number, overflow: number): void {
    this.streamedSymbols.set(streamed);
    this.overflowSymbols.set(overflow);
    this.feedSymbols.set({ path: "streamed" }, streamed);
    this.feedSymbols.set({ path: "polled" }, overflow);
  }
  delivered(path: DeliveryPath, ageMs: number): void {
    this.feedTicks.inc({ path });
    this.feedTickAge.observe({ path }, ageMs / 1000);
  }
  pollCycle(ms: number): void {
    this.feedMaxStaleness.set({ path: "streamed" }, 0);
    this.feedMaxStaleness.set({ path: "polled" }, ms / 1000);
  }
  rebalanced(moves: { toStream: number; toPoll: number }): void {
    this.streamRebalances.inc({ outcome: moves.toStream + moves.toPoll > 0 ? "changed" : "unchanged" });
    if (moves.toStream > 0) this.streamMoves.inc({ to: "streamed" }, moves.toStream);
    if (moves.toPoll > 0) this.streamMoves.inc({ to: "polled" }, moves.toPoll);
  }
  polled(outcome: PollOutcome): void {
    this.polls.inc({ outcome });
  }
  published(ticks: number, trades: number): void {
    this.ticksPublished.inc(ticks);
    this.tradesPublished.inc(trades);
  }
  publishFailed(): void {
    this.publishFailures.inc();
  }
  pendingSymbols(n: number): void {
    this.pendingSymbolsGauge.set(n);
  }
  restCall(path: string, status: number): void {
    this.restCalls.inc({ path, status: String(status) });
  }
}
