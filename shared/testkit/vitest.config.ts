import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // The fakes' suites send hundreds of real HTTP requests and the deploy checks copy whole workspaces: on a
    // busy 2-core machine the defaults (5 s a test, 10 s a hook) are not enough, though nothing here waits on a
    // clock.
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
