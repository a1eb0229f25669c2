import { InMemoryBus } from "../src/index.ts";
import { busContract, type TestBus, type TestCatalog } from "./bus-contract.ts";

busContract("InMemoryBus", async (catalog: TestCatalog) => {
  let bus: InMemoryBus<TestCatalog> | undefined;
  return {
    async connect(options = {}) {
      // Group members of the in-memory bus share one bus; the first connect decides the metrics registry.
      bus ??= new InMemoryBus({ catalog, ...(options.metrics ? { metrics: options.metrics } : {}) });
      await bus.start();
      return bus satisfies TestBus;
    },
    async close() {
      await bus?.close();
    },
  };
});
