// Runs a command (the test or bench runner) with the shared test infrastructure up for its whole duration,
// so every package's suite uses one broker instead of starting its own. When KAFKA_BROKERS is already set,
// that cluster is used and nothing is started.
import { spawn } from "node:child_process";
import { type KafkaBroker, startKafkaBroker } from "../kafka/broker.ts";

const [command, ...args] = process.argv.slice(2);
if (!command) {
  console.error("usage: with-infra <command> [args...]");
  process.exit(2);
}

let broker: KafkaBroker | undefined;
let interrupted: NodeJS.Signals | undefined;
// Until the child runs, a signal just ends the start-up (the broker is stopped below).
const onSignalBeforeChild = (signal: NodeJS.Signals) => {
  interrupted = signal;
};
process.on("SIGINT", onSignalBeforeChild);
process.on("SIGTERM", onSignalBeforeChild);

async function stopInfra(): Promise<void> {
  if (!broker) return;
  const b = broker;
  broker = undefined;
  await b.stop().catch((error: unknown) => console.error("with-infra: could not stop Kafka cleanly:", error));
}

if (!process.env.KAFKA_BROKERS) {
  try {
    console.error("with-infra: starting Apache Kafka for this run...");
    broker = await startKafkaBroker();
    process.env.KAFKA_BROKERS = broker.brokers.join(",");
    console.error(`with-infra: Kafka ${broker.version} on ${process.env.KAFKA_BROKERS}`);
  } catch (error) {
    console.error("with-infra: Kafka could not be started:", error);
    process.exit(1);
  }
}
if (interrupted) {
  await stopInfra();
  process.exit(130);
}

process.off("SIGINT", onSignalBeforeChild);
process.off("SIGTERM", onSignalBeforeChild);
const child = spawn(command, args, { stdio: "inherit", env: process.env });
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => child.kill(signal));
child.on("error", async (error) => {
  console.error(`with-infra: could not run ${command}:`, error);
  await stopInfra();
  process.exit(1);
});
child.on("exit", async (code, signal) => {
  await stopInfra();
  process.exit(code ?? (signal ? 1 : 0));
});
