// Vitest globalSetup: `globalSetup: ["../../shared/testkit/src/kafka/global-setup.ts"]` in a package's vitest
// config. Uses the cluster in KAFKA_BROKERS when set (as under `npm test`, which starts one broker for the whole
// run); otherwise starts a broker for this vitest run and hands its address to the tests through KAFKA_BROKERS.
// Starting can fail, and then the run fails: a missing broker is never a skip.
import { startKafkaBroker } from "./broker.ts";

export default async function setup(): Promise<(() => Promise<void>) | undefined> {
  if (process.env.KAFKA_BROKERS) return undefined;
  const broker = await startKafkaBroker();
  process.env.KAFKA_BROKERS = broker.brokers.join(",");
  return async () => {
    delete process.env.KAFKA_BROKERS;
    await broker.stop();
  };
}
