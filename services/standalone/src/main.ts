// `npm start`: all of Tickerbell in one process. See README.md "Run it".
import { createWriteStream, mkdirSync } from "node:fs";
import { join } from "node:path";
import { createLogger, EnvError, logFatalErrors } from "@tickerbell/config";
import { renderBanner } from "./banner.ts";
import { loadEnv, type StandaloneEnv } from "./env.ts";
import { startStandalone } from "./standalone.ts";

let env: StandaloneEnv;
try {
  env = loadEnv();
} catch (error) {
  if (error instanceof EnvError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}

// The console chat owns the terminal, so logs go to a file beside the data; with a chat platform they go to stdout.
const chatting = !env.TELEGRAM_TOKEN && !env.DISCORD_TOKEN;
mkdirSync(env.DATA_DIR, { recursive: true });
const logFile = join(env.DATA_DIR, "tickerbell.log");
const logger = createLogger({
  service: "tickerbell",
  level: env.LOG_LEVEL,
  ...(chatting ? { destination: createWriteStream(logFile, { flags: "a" }) } : {}),
});
logFatalErrors(logger);
// With the console, logs go to a file: say where to look if the process dies.
if (chatting) process.on("exit", (code) => code !== 0 && console.error(`Tickerbell stopped; see ${logFile}`));

const running = await startStandalone(env, logger, { input: process.stdin, output: process.stdout }).catch(
  (error: unknown) => {
    // Said on the terminal, not only in the log file: the newcomer is looking at the terminal.
    logger.fatal({ err: error }, "could not start");
    console.error(`Tickerbell could not start: ${startFailure(error)}`);
    process.exit(1);
  },
);
process.stdout.write(renderBanner(running.summary, chatting ? logFile : null));
running.openConsole();
// The banner shows the API token; the log does not.
const { apiToken: _apiToken, ...summary } = running.summary;
logger.info(summary, "tickerbell started");

let stopping = false;
async function shutdown(reason: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ reason }, "shutting down");
  await running.stop();
  process.exit(0);
}
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
void running.consoleClosed.then(() => shutdown("console closed"));

/** One line a person can act on, for the usual reasons a start fails. */
function startFailure(error: unknown): string {
  const { code, port, message } = error as { code?: string; port?: number; message?: string };
  if (code === "EADDRINUSE")
    return `port ${port ?? "?"} is already in use (is Tickerbell already running? ALERTS_PORT and PRICING_PORT choose others)`;
  if (code === "EACCES") return `not allowed to listen on port ${port ?? "?"} (choose one above 1024)`;
  return message ?? String(error);
}
