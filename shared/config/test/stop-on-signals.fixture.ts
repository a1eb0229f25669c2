// A process that stops the way every service does (stopOnSignals). argv[2]: what its stop does — "ok",
// "fail" or "hang"; argv[3]: the grace in ms. It prints "ready" once its handlers are in place.
import { createLogger } from "../src/logger.ts";
import { stopOnSignals } from "../src/process.ts";

const behaviour = process.argv[2] ?? "ok";
const graceMs = Number(process.argv[3] ?? 25_000);
const logger = createLogger({ service: "fixture", level: "info" });
let stops = 0;
// Keeps the process alive, as a server would.
const alive = setInterval(() => undefined, 60_000);

stopOnSignals(
  logger,
  async (signal) => {
    stops += 1;
    logger.info({ signal, stops }, "stop called");
    if (behaviour === "fail") throw new Error("the bus would not close");
    if (behaviour === "hang") await new Promise(() => undefined);
    clearInterval(alive);
  },
  { graceMs },
);
console.log("ready");
