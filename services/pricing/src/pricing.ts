import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Bus, Subscription } from "@tickerbell/bus";
import { type BackoffPolicy, type Logger, type Registry, registerSecret } from "@tickerbell/config";
import { type PriceTick, TOPIC_ALERT_CHANGES, type TOPIC_CATALOG } from "@tickerbell/contracts";
import { BusTickPublisher } from "./adapters/bus-tick-publisher.ts";
import { Backfiller, BackfillingBarStore, type HistorySource } from "./domain/backfill.ts";
import { BarRecorder } from "./domain/bar-recorder.ts";
import { CachedMarketData, type CacheTtls } from "./domain/cached-market-data.ts";
import { DemandTracker } from "./domain/demand.ts";
import {
  type BarStore,
  type DemandSnapshotSource,
  isTiered,
  type MarketData,
  type PriceSource,
} from "./domain/ports.ts";
import { PricingService } from "./domain/pricing-service.ts";
import { ConflatingPublisher } from "./domain/publisher.ts";
import { StudiesBook } from "./domain/studies.ts";
import type { PricingEnv } from "./env.ts";
import { CallBudget } from "./finnhub/call-budget.ts";
import { FinnhubHistory } from "./finnhub/finnhub-history.ts";
import { FinnhubMarketData } from "./finnhub/finnhub-market-data.ts";
import { FinnhubSource } from "./finnhub/finnhub-source.ts";
import { PairDirectory } from "./finnhub/pair-directory.ts";
import { FinnhubRestClient } from "./finnhub/rest-client.ts";
import { createHttpApp } from "./http/app.ts";
import { PricingMetrics } from "./metrics.ts";
import { SimulatedFeed } from "./simulated/simulated-feed.ts";
import { SimulatedHistory } from "./simulated/simulated-history.ts";
import { SimulatedMarketData } from "./simulated/simulated-market-data.ts";
import { SimulatedSource } from "./simulated/simulated-source.ts";

/** Knobs tests and benchmarks turn; production uses the defaults. */
export interface PricingTuning {
  reconnect?: BackoffPolicy;
  staleAfterMs?: number;
  pollSpacingMs?: number;
  /** The REST budget's window (default one minute, as Finnhub counts). */
  restWindowMs?: number;
  cacheTtls?: Partial<CacheTtls>;
  /** Consumer group for alerts.changes (default "pricing"). */
  groupId?: string;
  /** Read alerts.changes from the beginning for a new group (default false: the snapshot covers the past). */
  alertChangesFromBeginning?: boolean;
  demandRecheckDelayMs?: number;
  /** Wait after an active alert's change before re-reading the snapshot for its levels (default 5 s). */
  urgencyRecheckDelayMs?: number;
  /** Replace the price source (e.g. a ReplaySource); the market data then follows FINNHUB_API_KEY as usual. */
  source?: PriceSource;
  /** The clock the HTTP API's earnings calendar takes today from. */
  now?: () => number;
  /** How often built bars are written (default 2 s). */
  barFlushMs?: number;
  /**
   * How long GET /v1/bars waits for the history provider on a symbol's first back-fill before answering what there
   * is (default 3 s); history the provider gave in that time is stored before the answer.
   */
  backfillWaitMs?: number;
  /** Replace where history is back-filled from (default: Finnhub candles, or the simulated feed's past). */
  history?: HistorySource;
}

export type PricingConfig = Pick<
  PricingEnv,
  | "FINNHUB_API_KEY"
  | "FINNHUB_WS_URL"
  | "FINNHUB_REST_URL"
  | "FINNHUB_SYMBOL_CAP"
  | "FINNHUB_REST_CALLS_PER_MINUTE"
  | "SIMULATION_SEED"
  | "SIMULATION_MARKET_HOURS"
  | "SIMULATION_SPEED"
  | "DEMAND_REFRESH_SECONDS"
> &
  /** How often the streamed symbols are re-ranked (default 60 s). */
  Partial<Pick<PricingEnv, "STREAM_REBALANCE_SECONDS">> &
  /** Retention of price history (defaults: 30 days of minute bars, 400 of daily). */
  Partial<Pick<PricingEnv, "PRICE_HISTORY_MINUTE_DAYS" | "PRICE_HISTORY_DAILY_DAYS">>;

export interface PricingDeps {
  config: PricingConfig;
  bus: Bus<typeof TOPIC_CATALOG>;
  demandSource: DemandSnapshotSource;
  log: Logger;
  metrics: Registry;
  /** Where price history is recorded; none: no history (the bars API answers 503). Closing it is the caller's. */
  barStore?: BarStore;
  tuning?: PricingTuning;
}

export interface RunningPricing {
  service: PricingService;
  source: PriceSource;
  demand: DemandTracker;
  publisher: ConflatingPublisher;
  marketData: MarketData;
  http: OpenAPIHono;
  metrics: PricingMetrics;
  /** Records minute bars from the ticks, when there is a bar store. */
  bars: BarRecorder | undefined;
  /** Fetches a symbol's history on its first demand, when there is a bar store. */
  backfiller: Backfiller | undefined;
  /** The demanded studies per symbol, sent on their ticks, when there is a bar store. */
  studies: StudiesBook | undefined;
  /** Stops consuming, stops the source and publishes what is pending. The bus is the caller's to close. */
  stop(): Promise<void>;
}

/** Wires the pricing service from its configuration and ports, starts it, and returns the running parts. */
export async function startPricing(deps: PricingDeps): Promise<RunningPricing> {
  const { config, bus, log, tuning = {} } = deps;
  const metrics = new PricingMetrics(deps.metrics);
  let source: PriceSource;
  let upstream: MarketData;
  let history: HistorySource;
  if (config.FINNHUB_API_KEY) {
    registerSecret(config.FINNHUB_API_KEY);
    const perMinute = config.FINNHUB_REST_CALLS_PER_MINUTE;
    const windowMs = tuning.restWindowMs ?? 60_000;
    const budget = new CallBudget({ callsPerWindow: perMinute, windowMs });
    const rest = new FinnhubRestClient({
      baseUrl: config.FINNHUB_REST_URL,
      apiKey: config.FINNHUB_API_KEY,
      budget,
      onCall: (path, status) => metrics.restCall(path, status),
    });
    // Polls are spread evenly over the share of the budget that interactive requests leave them.
    const backgroundPerWindow = Math.max(1, Math.floor(perMinute * 0.8));
    source =
      tuning.source ??
      new FinnhubSource({
        wsUrl: config.FINNHUB_WS_URL,
        apiKey: config.FINNHUB_API_KEY,
        rest,
        symbolCap: config.FINNHUB_SYMBOL_CAP,
        log,
        observer: metrics,
        pollSpacingMs: tuning.pollSpacingMs ?? Math.ceil(windowMs / backgroundPerWindow),
        ...(tuning.reconnect ? { reconnect: tuning.reconnect } : {}),
        ...(tuning.staleAfterMs ? { staleAfterMs: tuning.staleAfterMs } : {}),
      });
    const pairs = new PairDirectory({ rest, log: log.child({ component: "pair-directory" }) });
    upstream = new CachedMarketData(new FinnhubMarketData(rest, pairs), tuning.cacheTtls);
    history = new FinnhubHistory(rest);
  } else {
    const feed = new SimulatedFeed({
      seed: config.SIMULATION_SEED,
      startMs: Date.now(),
      marketHours: config.SIMULATION_MARKET_HOURS,
      speed: config.SIMULATION_SPEED,
    });
    // After a restart the walks go on from the prices recorded last (before any walk advances or any quote,
    // back-fill or made-up past reads a price); without that they would jump back to the listed prices.
    if (deps.barStore) {
      const recorded = await deps.barStore.latestCloses().catch((err: unknown) => {
        log.warn(
          { err },
          "could not read the last recorded prices: the simulated walks start from listed prices",
        );
        return new Map<string, number>();
      });
      feed.resumeFrom(recorded);
    }
    source = tuning.source ?? new SimulatedSource(feed);
    const simulatedHistory = new SimulatedHistory(feed, {
      seed: config.SIMULATION_SEED,
      marketHours: config.SIMULATION_MARKET_HOURS,
    });
    history = simulatedHistory;
    // A simulated quote's day is its made-up past's (made at the symbol's first quote).
    upstream = new SimulatedMarketData(feed, Date.now, simulatedHistory);
    log.info({ seed: config.SIMULATION_SEED }, "FINNHUB_API_KEY not set: serving the simulated feed");
  }

  const bars = deps.barStore
    ? new BarRecorder({
        store: deps.barStore,
        log: log.child({ component: "price-history" }),
        retention: {
          minuteDays: config.PRICE_HISTORY_MINUTE_DAYS ?? 30,
          dailyDays: config.PRICE_HISTORY_DAILY_DAYS ?? 400,
        },
        observer: metrics,
        ...(tuning.barFlushMs !== undefined ? { flushEveryMs: tuning.barFlushMs } : {}),
        // One clock for the service: retention sweeps count back from the same now as the back-fill.
        ...(tuning.now ? { now: tuning.now } : {}),
      })
    : undefined;
  if (bars) {
    metrics.watchBarRecorder(bars);
    bars.start();
  }
  const backfiller = deps.barStore
    ? new Backfiller({
        source: tuning.history ?? history,
        store: deps.barStore,
        log: log.child({ component: "price-history" }),
        // Ten days of minutes hold the 5 sessions before today a volume alert needs (6 or more, a holiday aside),
        // in one candle call. The simulated past is made up per symbol on its first demand (a chart asks, an
        // alert is set), not for the whole universe at start: days of it for a hundred symbols would be millions
        // of rows.
        minuteDays: 10,
        ...(tuning.now ? { now: tuning.now } : {}),
      })
    : undefined;

  // Reads see a back-fill's history while it is being written (seconds on an embedded database).
  const readableBars =
    deps.barStore && backfiller ? new BackfillingBarStore(deps.barStore, backfiller) : deps.barStore;
  const studies = readableBars
    ? new StudiesBook({
        store: readableBars,
        log: log.child({ component: "studies" }),
        ...(tuning.now ? { now: tuning.now } : {}),
        // Its back-fill first (daily bars not recorded), and what the recorder holds (today's volume so far).
        beforeLoad: async (symbol) => {
          await backfiller?.fetched(symbol);
          await bars?.flush();
        },
      })
    : undefined;

  const capped = isTiered(source);
  const publisher = new ConflatingPublisher(new BusTickPublisher(bus), log, { observer: metrics });
  const demand = new DemandTracker(deps.demandSource, log, {
    ...(tuning.demandRecheckDelayMs !== undefined ? { recheckDelayMs: tuning.demandRecheckDelayMs } : {}),
    ...(tuning.urgencyRecheckDelayMs !== undefined
      ? { urgencyRecheckDelayMs: tuning.urgencyRecheckDelayMs }
      : {}),
  });
  const service = new PricingService({
    source,
    demand,
    publisher,
    log,
    demandRefreshMs: config.DEMAND_REFRESH_SECONDS * 1000,
    onTick: (tick) => {
      metrics.ticksReceived.inc({ source: source.name });
      // A capped source reports its paths itself; an uncapped one (simulated, replay) streams everything.
      if (!capped) metrics.delivered("streamed", Math.max(0, Date.now() - tick.ts));
      bars?.offer(tick);
    },
    ...(studies ? { decorate: (tick: PriceTick) => studies.decorate(tick) } : {}),
    onDemand: (n) => {
      metrics.demandedSymbols.set(n);
      if (!capped) metrics.symbols(n, 0);
    },
    rebalanceMs: (config.STREAM_REBALANCE_SECONDS ?? 60) * 1000,
    balancerObserver: metrics,
  });

  // The first demand of a symbol back-fills its history (within the REST budget, in the background).
  if (backfiller) {
    demand.onChange(({ added }) => {
      for (const symbol of added) void backfiller.request(symbol);
    });
  }

  // The studies follow the demand: loaded when a symbol's alerts need them, forgotten when none do.
  if (studies) {
    metrics.watchStudies(studies);
    demand.onStudiesChange((symbols) => {
      for (const symbol of symbols) studies.want(symbol, demand.studiesOf(symbol));
    });
    demand.onChange(({ removed }) => {
      for (const symbol of removed) studies.want(symbol, []);
    });
  }

  await bus.start();
  // Subscribe before reading the snapshot, so no change between the two is missed.
  const subscription: Subscription = await bus.subscribe({
    groupId: tuning.groupId ?? "pricing",
    topics: [TOPIC_ALERT_CHANGES],
    fromBeginning: tuning.alertChangesFromBeginning ?? false,
    handler: async (message) => service.onAlertChange(message.value),
  });
  await service.start();

  const http = createHttpApp({
    marketData: upstream,
    rangeSource: upstream instanceof SimulatedMarketData ? "simulated" : "finnhub",
    metrics: deps.metrics,
    log,
    isReady: () => service.isReady(),
    feedOf: (symbol) => source.feedOf(symbol),
    ...(tuning.now ? { now: tuning.now } : {}),
    ...(readableBars ? { bars: readableBars } : {}),
    ...(studies ? { studies } : {}),
    ...(backfiller
      ? {
          onBarsDemand: (symbol: string) => backfiller.awaitHistory(symbol, tuning.backfillWaitMs ?? 3_000),
        }
      : {}),
  });
  return {
    service,
    source,
    demand,
    publisher,
    marketData: upstream,
    http,
    metrics,
    bars,
    backfiller,
    studies,
    async stop() {
      await subscription.stop();
      await service.stop();
      // Before the store closes: the back-fill being written finishes (cut short, the next run would redo it).
      await backfiller?.stop();
      await bars?.stop();
    },
  };
}
