import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Tests only ever talk to 127.0.0.1; these keep the AWS SDK and EMF away from IMDS.
    env: { AWS_EC2_METADATA_DISABLED: "true", AWS_EMF_ENVIRONMENT: "Local" },
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
