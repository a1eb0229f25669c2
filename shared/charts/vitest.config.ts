import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // Rendering tests draw real PNGs; on a loaded machine a few of them in one test take seconds.
    testTimeout: 60_000,
  },
});
