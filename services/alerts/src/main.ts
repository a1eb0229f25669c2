import { serve } from "@hono/node-server";
import { consumerTuningOf, KafkaBus } from "@tickerbell/bus";
import { runService } from "@tickerbell/config";
import { TOPIC_CATALOG } from "@tickerbell/contracts";
import { PricingEarningsCalendar } from "./earnings-calendar-client.ts";
import { loadEnv, placeholderTokensIn } from "./env.ts";
import { startAlertService } from "./service.ts";
import { type AlertWorkers, startAlertWorkers } from "./workers.ts";

await runService("alerts", loadEnv, async ({ env, logger, metrics }) => {
  for (const name of placeholderTokensIn(process.env)) {
    logger.warn(`${name} still holds the placeholder of .env.example: no caller is accepted with it`);
  }

  const service = await startAlertService({
    database: env.DATABASE_URL
      ? { kind: "postgres", url: env.DATABASE_URL }
      : { kind: "pglite", dataDir: env.DATA_DIR },
    tokens: {
      discord: env.API_TOKEN_DISCORD,
      telegram: env.API_TOKEN_TELEGRAM,
      console: env.API_TOKEN_CONSOLE,
      internal: env.API_TOKEN_INTERNAL,
    },
    maxOpenAlertsPerUser: env.ALERTS_MAX_ACTIVE_PER_USER,
    maxOpenAlertsPerCommunity: env.ALERTS_MAX_ACTIVE_PER_COMMUNITY,
    userCommandsPerMinute: env.ALERTS_USER_COMMANDS_PER_MINUTE,
    historyDays: env.ALERTS_HISTORY_DAYS,
    createBatchMax: env.ALERTS_CREATE_BATCH_MAX,
    webhooks: { allow: env.WEBHOOK_ALLOW_HOSTS },
    logger,
    metrics,
    onStartup: (event) => {
      if (event.step === "waiting-for-migration-lock")
        logger.info("another replica is migrating the database: waiting for it to finish");
      if (event.step === "migrated")
        logger.info({ applied: event.applied, total: event.total }, "database schema up to date");
    },
  });

  const server = serve({ fetch: service.app.fetch, port: env.PORT }, (info) =>
    logger.info(
      { port: info.port, database: env.DATABASE_URL ? "postgres" : `pglite (${env.DATA_DIR})` },
      "alert service listening",
    ),
  );

  const sweepMs = env.ALERTS_EXPIRY_SWEEP_SECONDS * 1000;
  // With Kafka: relay the outbox to alerts.changes and record the matcher's firings. Without it (a local
  // try-out of this process alone) only the sweep runs; the standalone mode wires its own in-memory bus.
  const bus = env.KAFKA_BROKERS
    ? new KafkaBus({
        catalog: TOPIC_CATALOG,
        brokers: env.KAFKA_BROKERS,
        clientId: "alerts",
        metrics,
        logger,
        consumer: consumerTuningOf(env),
      })
    : undefined;
  let workers: AlertWorkers | undefined;
  let sweep: ReturnType<typeof setInterval> | undefined;
  if (bus) {
    workers = await startAlertWorkers({
      service,
      bus,
      logger,
      metrics,
      expirySweepMs: sweepMs,
      runtimeGroupId: env.ALERTS_RUNTIME_GROUP_ID,
      ...(env.PRICING_URL
        ? { earningsCalendar: new PricingEarningsCalendar({ baseUrl: env.PRICING_URL }) }
        : {}),
    });
  } else {
    logger.warn("KAFKA_BROKERS not set: alert changes stay in the outbox and no firings are consumed");
    let sweeping = false;
    sweep = setInterval(() => {
      // A sweep still at work (a long history backlog) is not joined by a second one.
      if (sweeping) return;
      sweeping = true;
      service.alerts
        .sweep()
        .then(
          ({ expired, resumed, purged, firingsPurged, outboxPruned }) =>
            expired + resumed + purged + firingsPurged + outboxPruned > 0 &&
            logger.info({ expired, resumed, purged, firingsPurged, outboxPruned }, "swept due alerts"),
        )
        .catch((err) => logger.error({ err }, "due-alert sweep failed"))
        .finally(() => {
          sweeping = false;
        });
    }, sweepMs);
  }

  return async () => {
    // Intake first, then the consumers drain, then the relay publishes what they wrote, then the database.
    clearInterval(sweep);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await workers?.stop();
    await bus?.close();
    await service.close();
  };
});
