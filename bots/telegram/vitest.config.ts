import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // The full-story suite runs on a real broker; starts one unless KAFKA_BROKERS is set.
    globalSetup: ["../../shared/testkit/src/kafka/global-setup.ts"],
    // Replies to one chat are paced at Telegram's 1 message/s, so a conversation takes seconds; these are
    // limits, not expectations.
    testTimeout: 90_000,
    hookTimeout: 60_000,
    // The machine has 2 cores shared with other engineers.
    fileParallelism: false,
  },
});
