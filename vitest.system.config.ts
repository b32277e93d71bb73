import { configDefaults, defineConfig } from "vitest/config";
import { SYSTEM_TESTS, sharedTestOptions } from "./vitest.config.js";

/**
 * `npm run test:system`: only the tests that need system packages (Chromium, Python NLTK), which
 * `npm test` leaves out. .ci/run installs the packages before running it.
 */
export default defineConfig({
  test: {
    ...sharedTestOptions,
    include: SYSTEM_TESTS,
    exclude: [...configDefaults.exclude],
  },
});
