// A service started the way every main.ts starts one (runService). argv[2]: what its start does — "ok" or
// "fail", or "slow" (it prints "starting", works synchronously for
// 0.3 s, then takes a second and a half). FIXTURE_PORT is its one variable. It prints "ready" once runService has returned.
import { z } from "zod";
import { envLogLevel, envPort, parseEnv } from "../src/env.ts";
import { runService } from "../src/process.ts";

const behaviour = process.argv[2] ?? "ok";
const schema = z.object({ FIXTURE_PORT: envPort(1), LOG_LEVEL: envLogLevel() });

await runService(
  "fixture",
  () => parseEnv("fixture", schema),
  async ({ env, logger, metrics }) => {
    if (behaviour === "fail") throw new Error("the database would not answer");
    if (behaviour === "slow") {
      console.log("starting");
      // Synchronous work first (as reading a file): a signal handler set only after start() returns would be
      // too late for a signal sent now, which the default action would then kill the process on.
      const until = Date.now() + 300;
      while (Date.now() < until);
      await new Promise((resolve) => setTimeout(resolve, 1_500));
    }
    // Keeps the process alive, as a server would.
    const alive = setInterval(() => undefined, 60_000);
    logger.info({ port: env.FIXTURE_PORT, metrics: (await metrics.getMetricsAsJSON()).length > 0 }, "wired");
    return async (signal) => {
      logger.info({ signal }, "stop called");
      clearInterval(alive);
    };
  },
);
console.log("ready");
