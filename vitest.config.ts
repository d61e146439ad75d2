import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // No wall-clock limits in tests: these machines are shared and noisy.
    testTimeout: 0,
    hookTimeout: 0,
    // The JSON report lets .ci/run print a plain "N passed, N failed" line.
    reporters: ["default", ["json", { outputFile: "build/test-results.json" }]],
  },
});
