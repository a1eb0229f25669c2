import type { Logger } from "./logger.ts";

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
