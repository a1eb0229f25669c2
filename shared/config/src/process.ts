import type { Registry } from "prom-client";
import { loadEnvOrExit } from "./env.ts";
import { createLogger, type Logger, logFatalErrors } from "./logger.ts";
import { createMetricsRegistry } from "./metrics.ts";

/**
 * How long a stop may take before the process gives up on it: under the 30 s compose and Kubernetes give
 * between SIGTERM and SIGKILL, so the process says it did not finish instead of vanishing mid-sentence.
 */
export const STOP_GRACE_MS = 25_000;

/**
 * The end of every service's main.ts: on the first SIGINT or SIGTERM, runs `stop` once (later signals are
 * ignored while it runs), then exits 0; exits 1 when the stop fails or outlasts `graceMs`.
 */
export function stopOnSignals(
  logger: Logger,
  stop: (signal: NodeJS.Signals) => Promise<void>,
  options: { graceMs?: number } = {},
): void {
  const graceMs = options.graceMs ?? STOP_GRACE_MS;
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    const force = setTimeout(() => {
      logger.error(`did not stop within ${graceMs} ms; exiting`);
      process.exit(1);
    }, graceMs);
    force.unref();
    stop(signal).then(
      () => {
        logger.info("stopped");
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, "unclean shutdown");
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
}

/** What a service's start gets from runService. */
export interface ServiceContext<Env> {
  env: Env;
  /** The service's logger (it scrubs every registered secret). */
  logger: Logger;
  /** The service's metrics registry, labelled with its name. */
  metrics: Registry;
}

/**
 * The whole of a service's main.ts around its wiring: loads the environment (a bad one is named and the process
 * exits 1), makes the logger and sends crashes through it (a raw stack could quote a token), makes the metrics
 * registry, runs `start`, says it started, and stops with what `start` returned on the first SIGINT or SIGTERM
 * (one during the start stops it once the start is done).
 */
export async function runService<Env extends { LOG_LEVEL: string }>(
  service: string,
  loadEnv: () => Env,
  start: (context: ServiceContext<Env>) => Promise<(signal: NodeJS.Signals) => Promise<void>>,
  options: { graceMs?: number } = {},
): Promise<void> {
  const env = loadEnvOrExit(loadEnv);
  const logger = createLogger({ service, level: env.LOG_LEVEL });
  logFatalErrors(logger);
  // Listening before the start is called (its synchronous first part runs inside the call): a signal while the
  // service starts (a rolling update, a scale-down) stops it in order once the start is done, within the same
  // grace, instead of the default action killing it midway (as a migration).
  const started = Promise.withResolvers<(signal: NodeJS.Signals) => Promise<void>>();
  stopOnSignals(logger, async (signal) => (await started.promise)(signal), options);
  start({ env, logger, metrics: createMetricsRegistry(service) }).then(started.resolve, started.reject);
  await started.promise;
  logger.info("started");
}
