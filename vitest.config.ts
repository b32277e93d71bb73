import { configDefaults, defineConfig } from "vitest/config";

/**
 * Tests that need system packages: a headless Chromium for the HTML reports, a live Python NLTK
 * for reference parity. `npm test` leaves them out, so it passes on a machine with only Node and
 * npm; `npm run test:system` (vitest.system.config.ts) runs them where those packages are
 * installed, as .ci/run does.
 */
export const SYSTEM_TESTS = ["test/**/*.browser.test.ts", "test/**/*.system.test.ts"];

/** Settings both configurations share. */
export const sharedTestOptions = {
  // Tests only ever talk to 127.0.0.1; these keep the AWS SDK and EMF away from IMDS.
  env: {
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_EMF_ENVIRONMENT: "Local",
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
  },
  testTimeout: 20_000,
  hookTimeout: 20_000,
};

export default defineConfig({
  test: {
    ...sharedTestOptions,
    include: ["test/**/*.test.ts"],
    exclude: [...configDefaults.exclude, ...SYSTEM_TESTS],
  },
});
