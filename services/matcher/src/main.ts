// The matcher as its own process: Kafka in and out, the alert service over HTTP, ops endpoints on PORT.
import { serve } from "@hono/node-server";
import { consumerTuningOf, KafkaBus } from "@tickerbell/bus";
import { runService } from "@tickerbell/config";
import { TOPIC_CATALOG } from "@tickerbell/contracts";
import { loadMatcherEnv } from "./env.ts";
import { AlertSnapshotClient } from "./service/alert-snapshot-client.ts";
import { createOpsApp } from "./service/http.ts";
import { MatcherService } from "./service/matcher-service.ts";

await runService(
  "matcher",
  () => loadMatcherEnv(),
  async ({ env, logger, metrics }) => {
    const bus = new KafkaBus({
      catalog: TOPIC_CATALOG,
      brokers: env.KAFKA_BROKERS,
      clientId: "matcher",
      metrics,
      logger,
      consumer: {
        sessionTimeout: env.KAFKA_SESSION_TIMEOUT_MS,
        heartbeatInterval: Math.min(3_000, Math.floor(env.KAFKA_SESSION_TIMEOUT_MS / 3)),
        ...consumerTuningOf(env),
      },
    });
    const snapshots = new AlertSnapshotClient({
      baseUrl: env.ALERTS_URL,
      internalToken: env.API_TOKEN_INTERNAL,
    });
    const matcher = new MatcherService({
      bus,
      snapshots,
      logger,
      metrics,
      checkpointMs: env.MATCHER_CHECKPOINT_MS,
      groupId: env.MATCHER_GROUP_ID,
    });
    const server = serve({ fetch: createOpsApp({ matcher, metrics }).fetch, port: env.PORT }, (info) =>
      logger.info({ port: info.port }, "matcher ops endpoints listening"),
    );
    await matcher.start();
    return async () => {
      // Checkpoints and hands the partitions over, then disconnects.
      await matcher.stop();
      await bus.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    };
  },
);
