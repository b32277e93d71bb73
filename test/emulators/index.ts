/**
 * Local AWS stand-ins for tests: S3 (s3rver), SageMaker Runtime and Bedrock Runtime, each on
 * 127.0.0.1 port 0 and used through the real AWS SDK v3 clients.
 *
 * @module
 */

export * from "./athena.js";
export * from "./bedrock.js";
export * from "./bedrock-agent.js";
export * from "./bedrock-agent-runtime.js";
export * from "./bedrock-runtime.js";
export * from "./cloudwatch.js";
export * from "./comprehend.js";
export * from "./fault-proxy.js";
export * from "./glue.js";
export {
  type MessageKey,
  StandInError,
  type StandInErrorSpec,
  standInError,
  testCredentials,
  testRegion,
} from "./http.js";
export * from "./image-models.js";
export * from "./kendra.js";
export * from "./memory-s3.js";
export * from "./mlflow.js";
export * from "./opensearch.js";
export * from "./s3.js";
export * from "./sagemaker.js";
export * from "./sagemaker-runtime.js";
export * from "./sqs.js";
