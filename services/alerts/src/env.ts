import { KafkaConsumerTuningEnvShape } from "@tickerbell/bus";
import {
  envBrokers,
  envInt,
  envList,
  envLogLevel,
  envPort,
  envSecret,
  envUrl,
  isPlaceholder,
  parseEnv,
  registerSecret,
} from "@tickerbell/config";
import { z } from "zod";
import { DEFAULT_CREATE_BATCH_MAX } from "./db/alert-repository.ts";
import {
  DEFAULT_ALERT_HISTORY_DAYS,
  DEFAULT_MAX_OPEN_ALERTS_PER_COMMUNITY,
  MAX_ALERT_HISTORY_DAYS,
} from "./domain/alert-service.ts";
import { DEFAULT_USER_COMMANDS_PER_MINUTE } from "./domain/command-rate-limit.ts";
import { type AllowList, EMPTY_ALLOW_LIST, parseAllowList } from "./webhooks/address-guard.ts";

/**
 * WEBHOOK_ALLOW_HOSTS, read the same way by the alert service and the standalone: host names, addresses or CIDR
 * ranges webhooks may reach although they are loopback, private or link-local (a receiver on the operator's own
 * network, or the tests' local receiver).
 */
export const webhookAllowHostsEnv = () =>
  envList()
    .transform((entries, ctx): AllowList => {
      try {
        return parseAllowList(entries);
      } catch (error) {
        ctx.addIssue({ code: "custom", message: (error as Error).message });
        return z.NEVER;
      }
    })
    .default(EMPTY_ALLOW_LIST);

/** ALERTS_HISTORY_DAYS, read the same way by the alert service and the standalone. */
export const alertHistoryDaysEnv = () =>
  envInt(DEFAULT_ALERT_HISTORY_DAYS).pipe(
    z
      .number()
      .min(1, "keep finished alerts at least 1 day")
      .max(MAX_ALERT_HISTORY_DAYS, `keep finished alerts at most ${MAX_ALERT_HISTORY_DAYS} days`),
  );

/** The per-user and per-community limits, read the same way by the alert service and the standalone. */
export const UserLimitsEnvShape = {
  ALERTS_MAX_ACTIVE_PER_USER: envInt(100).pipe(
    z
      .number()
      .int()
      .min(1, "allow each user at least 1 open alert")
      .max(100_000, "allow each user at most 100000 open alerts"),
  ),
  ALERTS_MAX_ACTIVE_PER_COMMUNITY: envInt(DEFAULT_MAX_OPEN_ALERTS_PER_COMMUNITY).pipe(
    z
      .number()
      .int()
      .min(1, "allow each server or group at least 1 open alert")
      .max(100_000, "allow each server or group at most 100000 open alerts"),
  ),
  ALERTS_USER_COMMANDS_PER_MINUTE: envInt(DEFAULT_USER_COMMANDS_PER_MINUTE).pipe(
    z
      .number()
      .int()
      .min(1, "allow each user at least 1 command a minute")
      .max(100_000, "allow each user at most 100000 commands a minute"),
  ),
};

const BOT_TOKENS = ["API_TOKEN_DISCORD", "API_TOKEN_TELEGRAM", "API_TOKEN_CONSOLE"] as const;

export const AlertsEnvSchema = z
  .object({
    PORT: envPort(8081),
    /** Unset: embedded PGlite under DATA_DIR. */
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, "must be a postgres:// or postgresql:// URL")
      .optional(),
    DATA_DIR: z.string().default("./data"),
    API_TOKEN_DISCORD: envSecret().optional(),
    API_TOKEN_TELEGRAM: envSecret().optional(),
    API_TOKEN_CONSOLE: envSecret().optional(),
    API_TOKEN_INTERNAL: envSecret().optional(),
    ...UserLimitsEnvShape,
    ALERTS_EXPIRY_SWEEP_SECONDS: envInt(30).pipe(z.number().min(1).max(3600)),
    /** Finished alerts (triggered, expired, cancelled) are deleted this many days after their last change. */
    ALERTS_HISTORY_DAYS: alertHistoryDaysEnv(),
    /** Creates that arrive together are written in one statement, up to this many (1: each alone). */
    ALERTS_CREATE_BATCH_MAX: envInt(DEFAULT_CREATE_BATCH_MAX).pipe(
      z
        .number()
        .min(1, "write at least 1 create a statement")
        .max(1000, "write at most 1000 creates a statement"),
    ),
    /** Comma-separated Kafka bootstrap brokers: enables the outbox relay, the runtime consumer and the re-emitter. */
    KAFKA_BROKERS: envBrokers().optional(),
    ...KafkaConsumerTuningEnvShape,
    /** Consumer group of the runtime consumer (one per deployment; tests sharing a broker use their own). */
    ALERTS_RUNTIME_GROUP_ID: z.string().min(1).default("alerts-runtime"),
    /** The pricing service, where earnings alerts read upcoming releases (unset: they send nothing). */
    PRICING_URL: envUrl().optional(),
    WEBHOOK_ALLOW_HOSTS: webhookAllowHostsEnv(),
    LOG_LEVEL: envLogLevel(),
  })
  .superRefine(
    (env, ctx) => {
      if (BOT_TOKENS.every((name) => env[name] === undefined)) {
        ctx.addIssue({
          code: "custom",
          path: ["API_TOKEN_DISCORD"],
          message: `at least one bot token is required (${BOT_TOKENS.join(", ")})`,
        });
      }
    },
    // Run even when other variables are invalid, so one start-up error names every problem.
    { when: () => true },
  );

export type AlertsEnv = z.output<typeof AlertsEnvSchema>;

const TOKEN_VARIABLES = [...BOT_TOKENS, "API_TOKEN_INTERNAL"] as const;

/**
 * The token variables still holding .env.example's placeholder. They count as unset: a bot left out of
 * COMPOSE_PROFILES must not stop the alert service, and a token every copy of the example knows must never
 * be accepted as a credential.
 */
export function placeholderTokensIn(source: NodeJS.ProcessEnv): (typeof TOKEN_VARIABLES)[number][] {
  return TOKEN_VARIABLES.filter((name) => isPlaceholder(source[name]));
}

/** Parses the environment once; every token and the database URL are registered so no log line shows them. */
export function loadEnv(source: NodeJS.ProcessEnv = process.env): AlertsEnv {
  const cleaned = { ...source };
  for (const name of placeholderTokensIn(source)) delete cleaned[name];
  const env = parseEnv("alerts", AlertsEnvSchema, cleaned);
  for (const name of TOKEN_VARIABLES) registerSecret(env[name]);
  if (env.DATABASE_URL) {
    registerSecret(env.DATABASE_URL);
    const password = safePassword(env.DATABASE_URL);
    if (password) registerSecret(password);
  }
  return env;
}

function safePassword(url: string): string | undefined {
  try {
    return decodeURIComponent(new URL(url).password) || undefined;
  } catch {
    return undefined;
  }
}
