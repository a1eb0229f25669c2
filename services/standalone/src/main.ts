// `npm start`: all of Tickerbell in one process. See README.md "Run it".
import "./dotenv.ts";
import { createWriteStream, mkdirSync } from "node:fs";
import { join } from "node:path";
import { createLogger, loadEnvOrExit, logFatalErrors } from "@tickerbell/config";
import { renderBanner } from "./banner.ts";
import { loadEnv, PLACEHOLDER_VARIABLES, placeholdersIn } from "./env.ts";
import { type StartStep, startStandalone } from "./standalone.ts";
import { StartFailure, StartInterrupted } from "./start-failure.ts";

const env = loadEnvOrExit(() => loadEnv());

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
// With the console, logs go to a file: say where to look if the process dies (unless it said why itself).
let explained = false;
if (chatting)
  process.on(
    "exit",
    (code) => code !== 0 && !explained && console.error(`Tickerbell stopped; see ${logFile}`),
  );

// Progress on stderr, beside the failure sentence: stdout carries the banner and the chat (or the JSON logs).
const progress = (step: StartStep, text: string) => process.stderr.write(`  ${step.padEnd(11)}${text}\n`);
process.stderr.write("Starting Tickerbell\n");
for (const name of placeholdersIn(process.env)) {
  const platform = PLACEHOLDER_VARIABLES[name];
  const off = name === "FINNHUB_API_KEY" ? "the simulated feed runs instead" : `${platform} stays off`;
  progress(
    name === "FINNHUB_API_KEY" ? "price feed" : "chat",
    `${name} is still the placeholder from .env.example: ${off}`,
  );
}
// From here on a signal stops in order: while starting, at the next step (what has started stops, DATA_DIR is let
// go); once running, everything. A signal that arrived before its handler would kill the process outright.
const stopAsked = new AbortController();
let shutdown: ((reason: string) => Promise<void>) | undefined;
function onSignal(signal: NodeJS.Signals): void {
  if (shutdown) {
    void shutdown(signal);
    return;
  }
  if (stopAsked.signal.aborted) return;
  process.stderr.write(`Stopping Tickerbell (${signal}): what has started stops in order\n`);
  stopAsked.abort(signal);
}
process.on("SIGINT", onSignal);
process.on("SIGTERM", onSignal);

const running = await startStandalone(env, logger, {
  input: process.stdin,
  output: process.stdout,
  progress,
  stopAsked: stopAsked.signal,
}).catch((error: unknown) => {
  if (error instanceof StartInterrupted) {
    logger.info({ reason: error.signal }, "stopped while starting");
    process.exit(0);
  }
  // Said on the terminal, not only in the log file: the newcomer is looking at the terminal. A failure a person
  // can fix is one sentence and no stack trace; anything else is a bug and the log keeps its stack.
  if (error instanceof StartFailure) {
    logger.fatal({ failure: error.message }, "could not start");
    explained = true;
  } else {
    logger.fatal({ err: error }, "could not start");
  }
  console.error(`Tickerbell could not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
let stopping = false;
shutdown = async (reason: string): Promise<void> => {
  if (stopping) return;
  stopping = true;
  logger.info({ reason }, "shutting down");
  await running.stop();
  process.exit(0);
};
// A signal after the start's last step and before this point found no shutdown yet: stop now.
if (stopAsked.signal.aborted) await shutdown(String(stopAsked.signal.reason));
process.stdout.write(renderBanner(running.summary, chatting ? logFile : null));
running.openConsole();
// The banner shows the API token; the log does not.
const { apiToken: _apiToken, ...summary } = running.summary;
logger.info(summary, "tickerbell started");

void running.consoleClosed.then(() => shutdown?.("console closed"));
