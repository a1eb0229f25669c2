import { kafkaBrokersFromEnv } from "@tickerbell/testkit";
import { KafkaBus } from "../src/index.ts";
import { busContract, type TestBus, type TestCatalog } from "./bus-contract.ts";

// Runs on the real broker from the package's vitest globalSetup (or KAFKA_BROKERS); fails if there is none.
const brokers = kafkaBrokersFromEnv();

busContract("KafkaBus on a real broker", async (catalog: TestCatalog) => {
  const buses: KafkaBus<TestCatalog>[] = [];
  return {
    async connect(options = {}) {
      const bus = new KafkaBus({
        catalog,
        brokers,
        clientId: "bus-contract",
        // Fast rebalances for the group tests; the broker's minimum session timeout is 6 s.
        consumer: { heartbeatInterval: 500, sessionTimeout: 10_000, maxWaitTimeInMs: 100 },
        ...(options.metrics ? { metrics: options.metrics } : {}),
      });
      await bus.start();
      buses.push(bus);
      return bus satisfies TestBus;
    },
    async close() {
      await Promise.all(buses.map((b) => b.close()));
    },
  };
});
