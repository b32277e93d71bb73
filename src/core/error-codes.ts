/**
 * Every error code fmops throws, as one union type, so that `switch (err.code)` is checked by
 * the compiler and a misspelt code is a compile error rather than a branch that never runs.
 *
 * @module
 */

/**
 * The fixed codes. A test scans the sources for every code passed to an `FmopsError`
 * constructor and fails when one is missing here, and docs/troubleshooting.md must list each.
 */
export const FMOPS_ERROR_CODES = [
  "ABORTED",
  "ASYNC_INFERENCE_FAILED",
  "ASYNC_RESULT_NOT_JSON",
  "AWS_CREDENTIALS_MISSING",
  "AWS_REGION_MISSING",
  "BATCH_JOB_FAILED",
  "BATCH_JOB_NOT_DONE",
  "BATCH_OUTPUT_MISSING",
  "BATCH_RECORD_FAILED",
  "BATCH_RECORD_MISSING",
  "CONTRACT_VIOLATION",
  "DATASET_ALREADY_CONSUMED",
  "DATASET_NOT_FOUND",
  "DATASET_RECORD_INVALID",
  "DATASET_SOURCE_INVALID",
  "EMBEDDING_DIMENSION_MISMATCH",
  "EVAL_FAILURE_RATE_EXCEEDED",
  "EVAL_INPUT_MISSING",
  "EVAL_OUTPUT_INVALID",
  "EVAL_PAIRING_MISMATCH",
  "EVAL_REFERENCE_SQL_FAILED",
  "EVAL_RESUME_INVALID",
  "EVAL_RESUME_MISMATCH",
  "EVAL_RESUME_NOT_FOUND",
  "EVAL_TARGET_MISSING",
  "FAKE_INVALID_RESPONSE",
  "FAKE_MODEL_FAILURE",
  "FAKE_RESPONSES_EXHAUSTED",
  "FILE_ERROR",
  "FILE_IS_DIRECTORY",
  "FILE_NOT_DIRECTORY",
  "FILE_NOT_FOUND",
  "FILE_PERMISSION_DENIED",
  "GUARDRAIL_INTERVENED",
  "IMAGE_CONTENT_FILTERED",
  "JUDGE_SCORE_UNPARSEABLE",
  "MISSING_DEPENDENCY",
  "MLFLOW_ARTIFACT_STORE_UNSUPPORTED",
  "MLFLOW_CREDENTIALS_UNAVAILABLE",
  "MLFLOW_EXPERIMENT_DELETED",
  "MLFLOW_REQUEST_FAILED",
  "MLFLOW_UNEXPECTED_RESPONSE",
  "MODEL_ERROR",
  "MODEL_LOAD_FAILED",
  "MODEL_NOT_FOUND",
  "MODEL_OUTPUT_INVALID",
  "NETWORK_ERROR",
  "OBJECT_GENERATION_FAILED",
  "PERMISSION_DENIED",
  "PII_DETECTED",
  "PROMPT_FILE_ERROR",
  "PROMPT_LABEL_NOT_FOUND",
  "PROMPT_NOT_FOUND",
  "PROMPT_ROLLBACK_UNAVAILABLE",
  "PROMPT_SOURCE_ERROR",
  "PROMPT_SYNC_TOO_LARGE",
  "PROMPT_SYNC_UNSUPPORTED",
  "PROMPT_TEMPLATE_ERROR",
  "PROMPT_VARIABLE_ERROR",
  "PROMPT_VERSION_IMMUTABLE",
  "PROMPT_VERSION_NOT_FOUND",
  "PUNKT_NOT_FOUND",
  "PUNKT_PARAMETERS_INVALID",
  "RAG_ANALYZER_REQUIRED",
  "RAG_BULK_PARTIAL_FAILURE",
  "RAG_DIMENSION_MISMATCH",
  "RAG_EMBEDDING_COUNT",
  "RAG_INDEX_FILE_ERROR",
  "RAG_INDEX_MISMATCH",
  "RAG_INDEX_NOT_FOUND",
  "RAG_OPENSEARCH_DOMAIN_DELETED",
  "RAG_OPENSEARCH_DOMAIN_NOT_READY",
  "RAG_OPENSEARCH_ERROR",
  "RAG_OPENSEARCH_VERSION_UNSUPPORTED",
  "REFUSAL_VERDICT_UNPARSEABLE",
  "RUNTIME_PERMISSION_DENIED",
  "SCHEMA_TOO_LARGE",
  "SQL_EXECUTION_ERROR",
  "SQL_FORBIDDEN_CHARACTER",
  "SQL_NOT_READ_ONLY",
  "SQL_RESOURCE_LIMIT",
  "SQL_SCAN_LIMIT",
  "SQL_TOO_LONG",
  "STREAM_ALREADY_CONSUMED",
  "STREAM_CANCELLED",
  "STREAM_DECODE_ERROR",
  "STREAM_IDLE_TIMEOUT",
  "STREAM_INTERNAL_FAILURE",
  "STREAM_LINE_TOO_LONG",
  "STREAM_MODEL_ERROR",
  "STREAM_READ_FAILED",
  "STREAM_UNKNOWN_EVENT",
  "TIMEOUT",
  "TOOL_MAX_STEPS",
  "TOXICITY_LABEL_NOT_FOUND",
  "TRACKING_READ_FAILED",
  "TRACKING_RUN_INVALID",
  "TRACKING_WRITE_FAILED",
  "UNEXPECTED_ERROR",
  "UNEXPECTED_RESPONSE",
  "VALIDATION_ERROR",
  "WORDNET_CORRUPT",
  "WORDNET_NOT_FOUND",
] as const;

/**
 * The `code` of every `FmopsError` fmops throws: one of the fixed codes, or one derived from an
 * external error:
 *
 * - `` `AWS_${string}` ``: an AWS service error, named after the SDK's exception in upper snake
 *   case (`ThrottlingException` becomes `AWS_THROTTLING_EXCEPTION`);
 * - `` `HTTP_${number}` ``: an OpenAI-compatible server answered with that HTTP status;
 * - `` `MLFLOW_${string}` ``: the MLflow server's own `error_code`
 *   (`RESOURCE_DOES_NOT_EXIST` becomes `MLFLOW_RESOURCE_DOES_NOT_EXIST`).
 *
 * @example
 * ```ts
 * import type { FmopsErrorCode } from "fmops/core";
 *
 * function advice(code: FmopsErrorCode): string {
 *   switch (code) {
 *     case "TIMEOUT":
 *       return "raise timeoutMs";
 *     case "PERMISSION_DENIED":
 *       return "grant the IAM action named in the message";
 *     default:
 *       return code.startsWith("AWS_") ? "see the AWS error name" : "see the message";
 *   }
 * }
 * ```
 */
export type FmopsErrorCode =
  | (typeof FMOPS_ERROR_CODES)[number]
  | `AWS_${string}`
  | `HTTP_${number}`
  | `MLFLOW_${string}`;
