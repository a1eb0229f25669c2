// The pricing service as its own process: Finnhub (or the simulated feed) -> prices.ticks, plus the HTTP API.
import { serve } from "@hono/node-server";
import { consumerTuningOf, InMemoryBus, KafkaBus } from "@tickerbell/bus";
import { runService } from "@tickerbell/config";
import { TOPIC_CATALOG } from "@tickerbell/contracts";
import { AlertsDemandClient, NoDemandSnapshot } from "./adapters/alerts-demand-client.ts";
import { openPricingDb } from "./db/orm.ts";
import { SqlBarStore } from "./db/sql-bar-store.ts";
import { loadPricingEnv } from "./env.ts";
import { startPricing } from "./pricing.ts";

await runService(
  "pricing",
  () => loadPricingEnv(),
  async ({ env, logger: log, metrics }) => {
    const bus = env.KAFKA_BROKERS
      ? new KafkaBus({
          catalog: TOPIC_CATALOG,
          brokers: env.KAFKA_BROKERS,
          clientId: "pricing",
          metrics,
          logger: log,
          consumer: consumerTuningOf(env),
        })
      : new InMemoryBus({ catalog: TOPIC_CATALOG, metrics, logger: log });
    if (!env.KAFKA_BROKERS)
      log.warn("KAFKA_BROKERS not set: publishing to an in-memory bus nobody else reads");

    const demandSource =
      env.ALERTS_URL && env.API_TOKEN_INTERNAL
        ? new AlertsDemandClient({ alertsUrl: env.ALERTS_URL, internalToken: env.API_TOKEN_INTERNAL })
        : new NoDemandSnapshot();
    if (!env.ALERTS_URL) log.warn("ALERTS_URL not set: demand comes from alerts.changes events only");

    let barStore: SqlBarStore | undefined;
    if (env.DATABASE_URL) {
      const where = hostOf(env.DATABASE_URL);
      try {
        barStore = new SqlBarStore(await openPricingDb({ kind: "postgres", url: env.DATABASE_URL }));
      } catch (error) {
        log.fatal({ err: error }, `cannot open the price history database at ${where} (DATABASE_URL)`);
        process.exit(1);
      }
      log.info({ database: where }, "recording price history");
    } else log.warn("DATABASE_URL not set: no price history is recorded and GET /v1/bars answers 503");

    const pricing = await startPricing({
      config: env,
      bus,
      demandSource,
      log,
      metrics,
      ...(barStore ? { barStore } : {}),
    });
    const server = serve({ fetch: pricing.http.fetch, port: env.PORT }, (info) =>
      log.info({ port: info.port }, "pricing service listening"),
    );
    return async () => {
      server.close();
      await pricing.stop();
      await barStore?.close();
      await bus.close();
    };
  },
);

/** Where a database URL points, without its user and password. */
function hostOf(url: string): string {
  try {
    const u = new URL(url);
    return `${u.host}${u.pathname}`;
  } catch {
    return "DATABASE_URL";
  }
}
