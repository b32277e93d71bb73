import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Tests only ever talk to 127.0.0.1; these keep the AWS SDK and EMF away from IMDS.
    env: {
      AWS_EC2_METADATA_DISABLED: "true",
      AWS_EMF_ENVIRONMENT: "Local",
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    },
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
