import { type Logger, type LoggerOptions, pino } from "pino";

export type { Logger } from "pino";

/** Field names whose values are never printed, wherever they appear in a log object. */
const REDACTED_KEYS = [
  "token",
  "apiToken",
  "authorization",
  "password",
  "secret",
  "apiKey",
  "DATABASE_URL",
  "FINNHUB_API_KEY",
  "DISCORD_TOKEN",
  "TELEGRAM_TOKEN",
];
const REDACT_PATHS = [
  ...REDACTED_KEYS,
  ...REDACTED_KEYS.map((k) => `*.${k}`),
  "req.headers.authorization",
  "headers.authorization",
  "config.headers.Authorization",
];

const secrets = new Set<string>();

/**
 * Registers values that must never reach a log line (tokens, keys, passwords in URLs). Every logger made
 * here scrubs them from messages and string fields, whatever key they sit under.
 */
export function registerSecret(value: string | undefined): void {
  if (!value || value.length < 6) return;
  secrets.add(value);
  // Log lines are scrubbed after serialization, where a quote or backslash in the secret is escaped; errors
  // quote URLs, where it is percent-encoded. Those spellings are the same secret.
  secrets.add(JSON.stringify(value).slice(1, -1));
  secrets.add(encodeURIComponent(value));
}

export function scrubSecrets(text: string): string {
  let out = text;
  for (const s of secrets) if (out.includes(s)) out = out.split(s).join("[REDACTED]");
  return out;
}

export interface LoggerConfig {
  service: string;
  level?: string;
  destination?: NodeJS.WritableStream;
}

export function createLogger({ service, level, destination }: LoggerConfig): Logger {
  const options: LoggerOptions = {
    level: level ?? process.env.LOG_LEVEL ?? "info",
    base: { service },
    redact: { paths: REDACT_PATHS, censor: "[REDACTED]" },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    hooks: {
      streamWrite: (line) => (secrets.size === 0 ? line : scrubSecrets(line)),
    },
  };
  return destination ? pino(options, destination as pino.DestinationStream) : pino(options);
}

/** An error whose message is one sentence a person can act on (naming what to fix); logged without a stack. */
export class ActionableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ActionableError";
  }
}

/**
 * Sends a crash (an uncaught exception, an unhandled rejection, a failed top-level await in main.ts) through
 * the logger, which scrubs registered secrets, instead of Node's default printout of the raw error: client
 * errors quote URLs and API answers, and the Telegram Bot API URL holds the bot token. Then exits with 1.
 */
export function logFatalErrors(logger: Logger): void {
  const die = (err: unknown) => {
    // A start a person can fix (a refused token, an unreachable platform) is told in its one sentence; a stack
    // trace there only buries it.
    if (err instanceof ActionableError) logger.fatal(err.message);
    else logger.fatal({ err }, "fatal error, exiting");
    process.exit(1);
  };
  process.on("uncaughtException", die);
  process.on("unhandledRejection", die);
}
