import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // The full-story suite publishes ticks on a real broker; starts one unless KAFKA_BROKERS is set.
    globalSetup: ["../../shared/testkit/src/kafka/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 90_000,
    // The machine has 2 cores shared with PostgreSQL, the broker and other engineers.
    fileParallelism: false,
  },
});
