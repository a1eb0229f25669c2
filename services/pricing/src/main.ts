// The pricing service as its own process: Finnhub (or the simulated feed) -> prices.ticks, plus the HTTP API.
import { serve } from "@hono/node-server";
import { consumerTuningOf, InMemoryBus, KafkaBus } from "@tickerbell/bus";
import { runService } from "@tickerbell/config";
import { TOPIC_CATALOG } from "@tickerbell/contracts";
import { AlertsDemandClient, NoDemandSnapshot } from "./adapters/alerts-demand-client.ts";
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

    const pricing = await startPricing({ config: env, bus, demandSource, log, metrics });
    const server = serve({ fetch: pricing.http.fetch, port: env.PORT }, (info) =>
      log.info({ port: info.port }, "pricing service listening"),
    );
    return async () => {
      server.close();
      await pricing.stop();
      await bus.close();
    };
  },
);
