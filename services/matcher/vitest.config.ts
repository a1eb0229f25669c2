import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // Starts one Kafka broker for this run unless KAFKA_BROKERS points at one (as under `npm test`).
    globalSetup: ["../../shared/testkit/src/kafka/global-setup.ts"],
    // Group joins and rebalances on a real broker take seconds; these are limits, not expectations.
    testTimeout: 90_000,
    hookTimeout: 120_000,
    // One Kafka test file at a time: the machine has 2 cores shared with the broker.
    fileParallelism: false,
  },
});
