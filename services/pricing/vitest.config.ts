import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // Starts one Kafka broker for this run unless KAFKA_BROKERS points at one (as under `npm test`).
    globalSetup: ["../../shared/testkit/src/kafka/global-setup.ts"],
    // Reconnects, group joins and rebalances take seconds; these are limits, not expectations.
    testTimeout: 60_000,
    hookTimeout: 90_000,
    // The machine has 2 cores shared with the broker and other engineers.
    fileParallelism: false,
  },
});
