import { Backoff, type Logger } from "@tickerbell/config";
import type { AlertChangeEvent, PriceTick } from "@tickerbell/contracts";
import type { DemandTracker } from "./demand.ts";
import { isTiered, type PriceSource } from "./ports.ts";
import type { ConflatingPublisher } from "./publisher.ts";
import { StreamBalancer, type StreamBalancerObserver } from "./stream-balancer.ts";

export interface PricingServiceOptions {
  source: PriceSource;
  demand: DemandTracker;
  publisher: ConflatingPublisher;
  log: Logger;
  /** Re-read the demand snapshot this often (watchlist changes have no event; default 5 min). */
  demandRefreshMs?: number;
  /** Every tick the source delivers, before conflation (metrics, price history); must not block. */
  onTick?: (tick: PriceTick) => void;
  /** What goes out for a tick (the studies its symbol's alerts need, attached); must not block. */
  decorate?: (tick: PriceTick) => PriceTick;
  onDemand?: (symbols: number) => void;
  /** A capped source's re-ranking of which symbols stream (default every 60 s, and on every demand change). */
  rebalanceMs?: number;
  balancerObserver?: StreamBalancerObserver;
}

/**
 * The pricing domain: keeps the price source subscribed to exactly the demanded symbols and sends what it
 * delivers to the publisher.
 */
export class PricingService {
  readonly #o: PricingServiceOptions;
  #demandLoaded = false;
  #refreshTimer: NodeJS.Timeout | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #stopped = false;
  /** Ranks the stream's symbols when the source caps them (Finnhub); none when everything streams. */
  readonly #balancer: StreamBalancer | undefined;

  constructor(options: PricingServiceOptions) {
    this.#o = options;
    const { source, demand, log } = options;
    this.#balancer = isTiered(source)
      ? new StreamBalancer({
          source,
          demand,
          log: log.child({ component: "stream-balancer" }),
          ...(options.rebalanceMs !== undefined ? { periodMs: options.rebalanceMs } : {}),
          ...(options.balancerObserver ? { observer: options.balancerObserver } : {}),
        })
      : undefined;
  }

  async start(): Promise<void> {
    const { source, demand, publisher, log } = this.#o;
    demand.onChange(({ added, removed }) => {
      if (removed.length > 0) source.unsubscribe(removed);
      if (added.length > 0) source.subscribe(added);
      this.#o.onDemand?.(demand.symbols().length);
    });
    this.#balancer?.start();
    await source.start((tick) => {
      this.#balancer?.offer(tick);
      this.#o.onTick?.(tick);
      publisher.offer(this.#o.decorate ? this.#o.decorate(tick) : tick);
    });
    await this.#loadDemand();
    const refreshMs = this.#o.demandRefreshMs ?? 300_000;
    this.#refreshTimer = setInterval(() => {
      demand.refresh().catch((error: unknown) => log.warn({ err: error }, "periodic demand refresh failed"));
    }, refreshMs);
    this.#refreshTimer.unref();
  }

  /** An `alerts.changes` event. */
  onAlertChange(event: AlertChangeEvent): void {
    this.#o.demand.apply(event);
  }

  isReady(): boolean {
    return this.#demandLoaded && this.#o.source.isReady();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#refreshTimer);
    clearTimeout(this.#retryTimer);
    this.#balancer?.stop();
    this.#o.demand.stop();
    await this.#o.source.stop();
    await this.#o.publisher.stop();
  }

  /** The first snapshot is retried in the background until it succeeds; events still add demand meanwhile. */
  async #loadDemand(backoff = new Backoff({ baseDelayMs: 1_000, maxDelayMs: 30_000 })): Promise<void> {
    try {
      await this.#o.demand.refresh();
      this.#demandLoaded = true;
    } catch (error) {
      if (this.#stopped) return;
      const retryInMs = backoff.next();
      this.#o.log.warn({ err: error, retryInMs }, "demand snapshot unavailable; retrying");
      this.#retryTimer = setTimeout(() => void this.#loadDemand(backoff), retryInMs);
    }
  }
}
