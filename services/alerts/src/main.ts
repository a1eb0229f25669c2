import { serve } from "@hono/node-server";
import { createLogger, createMetricsRegistry, EnvError } from "@tickerbell/config";
import { loadEnv } from "./env.ts";
import { startAlertService } from "./service.ts";

let env: ReturnType<typeof loadEnv>;
try {
  env = loadEnv();
} catch (error) {
  if (error instanceof EnvError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}
const logger = createLogger({ service: "alerts", level: env.LOG_LEVEL });

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
  userCommandsPerMinute: env.ALERTS_USER_COMMANDS_PER_MINUTE,
  logger,
  metrics: createMetricsRegistry("alerts"),
});

const server = serve({ fetch: service.app.fetch, port: env.PORT }, (info) =>
  logger.info(
    { port: info.port, database: env.DATABASE_URL ? "postgres" : `pglite (${env.DATA_DIR})` },
    "alert service listening",
  ),
);

const sweep = setInterval(() => {
  service.alerts
    .expireDue()
    .then((n) => n > 0 && logger.info({ expired: n }, "expired alerts"))
    .catch((err) => logger.error({ err }, "expiry sweep failed"));
}, env.ALERTS_EXPIRY_SWEEP_SECONDS * 1000);

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, "shutting down");
  clearInterval(sweep);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await service.close();
  process.exit(0);
}
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
