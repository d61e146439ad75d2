import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // No wall-clock limits in tests: these machines are shared and noisy.
    testTimeout: 0,
    hookTimeout: 0,
  },
});
