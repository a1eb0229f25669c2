import { join } from "node:path";
import { alertHistoryDaysEnv, UserLimitsEnvShape, webhookAllowHostsEnv } from "@tickerbell/alerts";
import {
  ChartsEnvShape,
  DiscordDeliveryEnvShape,
  DryRunEnvShape,
  QuietHoursEnvShape,
  TelegramDeliveryEnvShape,
} from "@tickerbell/bot-core";
import { KafkaConsumerTuningEnvShape } from "@tickerbell/bus";
import { envBrokers, envInt, envLogLevel, isPlaceholder, parseEnv, registerSecret } from "@tickerbell/config";
import { PriceHistoryEnvShape } from "@tickerbell/pricing";
import { z } from "zod";

/** Everything optional: with nothing set, `npm start` runs on PGlite, the in-memory bus and simulated prices. */
export const StandaloneEnvSchema = z.object({
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "must be a postgres:// or postgresql:// URL")
    .optional(),
  DATA_DIR: z.string().default("./data"),
  KAFKA_BROKERS: envBrokers().optional(),
  ...KafkaConsumerTuningEnvShape,
  FINNHUB_API_KEY: z.string().min(1).optional(),
  FINNHUB_WS_URL: z.url().default("wss://ws.finnhub.io"),
  FINNHUB_REST_URL: z.url().default("https://finnhub.io/api/v1"),
  FINNHUB_SYMBOL_CAP: envInt(50).pipe(z.number().int().min(1)),
  FINNHUB_REST_CALLS_PER_MINUTE: envInt(60).pipe(z.number().int().min(1)),
  TELEGRAM_TOKEN: z
    .string()
    .regex(/^\d+:[A-Za-z0-9_-]+$/, "must look like 123456:ABC-DEF")
    .optional(),
  TELEGRAM_API_ROOT: z.url().default("https://api.telegram.org"),
  DISCORD_TOKEN: z.string().min(20, "does not look like a Discord bot token").optional(),
  DISCORD_API_BASE: z.url().default("https://discord.com/api"),
  /**
   * The bearer token for trying the alert API (its reference page at /docs): it acts for console users. Unset: a
   * fresh one each run, printed in the banner.
   */
  ALERTS_API_TOKEN: z
    .string()
    .regex(/^\S{16,}$/, "must be at least 16 characters without spaces")
    .optional(),
  /** Where the alert and pricing APIs listen (on 127.0.0.1 only). */
  ALERTS_PORT: envInt(8081).pipe(z.number().int().min(0).max(65535)),
  PRICING_PORT: envInt(8082).pipe(z.number().int().min(0).max(65535)),
  SIMULATION_SEED: envInt(42),
  /** The try-out market trades around the clock, fast-forwarded so alerts fire while you watch. */
  SIMULATION_MARKET_HOURS: z.enum(["real", "always-open"]).default("always-open"),
  SIMULATION_SPEED: envInt(60).pipe(z.number().int().min(1).max(3600)),
  ...UserLimitsEnvShape,
  /** Days finished alerts stay listed (from their last change) before the sweep deletes them. */
  ALERTS_HISTORY_DAYS: alertHistoryDaysEnv(),
  /** How many days of minute and daily price history are kept (the charts' data). */
  ...PriceHistoryEnvShape,
  /** Loopback/private hosts, addresses or ranges webhooks may reach anyway (comma-separated). */
  WEBHOOK_ALLOW_HOSTS: webhookAllowHostsEnv(),
  /**
   * Where the console chat keeps the lines typed, for the up arrow in the next run (default: `console-history`
   * in DATA_DIR); `off` keeps them for the session only.
   */
  CONSOLE_HISTORY_FILE: z.string().optional(),
  LOG_LEVEL: envLogLevel(),
  // The bots' delivery pace: the same variables, and defaults, as the bot processes.
  ...TelegramDeliveryEnvShape,
  ...DiscordDeliveryEnvShape,
  ...QuietHoursEnvShape,
  /** CHARTS (on|off) and CHART_BUDGET_MS: /chart and the chart in each notification. */
  ...ChartsEnvShape,
  /** DRY_RUN_BUDGET_MS: how long the dry run under a new alert's confirmation may take (0: no dry run). */
  ...DryRunEnvShape,
});
export type StandaloneEnv = z.output<typeof StandaloneEnvSchema>;

/** The console's history file, or none when CONSOLE_HISTORY_FILE is `off`. */
export function consoleHistoryFile(
  env: Pick<StandaloneEnv, "CONSOLE_HISTORY_FILE" | "DATA_DIR">,
): string | null {
  if (env.CONSOLE_HISTORY_FILE?.toLowerCase() === "off") return null;
  return env.CONSOLE_HISTORY_FILE ?? join(env.DATA_DIR, "console-history");
}

/** The variables .env.example ships with a placeholder, and the platform each one turns on. */
export const PLACEHOLDER_VARIABLES = {
  TELEGRAM_TOKEN: "Telegram",
  DISCORD_TOKEN: "Discord",
  FINNHUB_API_KEY: "Finnhub",
} as const;

/**
 * The variables still holding .env.example's placeholder ("replace-with-…"). A .env copied from the example
 * and only partly filled in means "not configured" there, so those count as unset rather than fail a login.
 */
export function placeholdersIn(source: NodeJS.ProcessEnv): (keyof typeof PLACEHOLDER_VARIABLES)[] {
  return (Object.keys(PLACEHOLDER_VARIABLES) as (keyof typeof PLACEHOLDER_VARIABLES)[]).filter((name) =>
    isPlaceholder(source[name]),
  );
}

export function loadEnv(source: NodeJS.ProcessEnv = process.env): StandaloneEnv {
  const placeholders = placeholdersIn(source);
  const cleaned = { ...source };
  for (const name of placeholders) delete cleaned[name];
  const env = parseEnv("tickerbell", StandaloneEnvSchema, cleaned);
  for (const secret of [
    env.FINNHUB_API_KEY,
    env.TELEGRAM_TOKEN,
    env.DISCORD_TOKEN,
    env.DATABASE_URL,
    env.ALERTS_API_TOKEN,
  ]) {
    registerSecret(secret);
  }
  return env;
}
