/**
 * The deployment tool's own failures. fmops's `FmopsError` carries only codes fmops itself throws
 * (its `code` is the `FmopsErrorCode` union), so an application names its own codes on its own
 * error class, as this one does.
 *
 * @module
 */

/** What went wrong in the deployment tool itself. */
export type DeployErrorCode = "PLAN_INVALID" | "ENDPOINT_FAILED" | "DEPLOY_FAILED";

/** A failure of the deployment plan or of an endpoint it created. */
export class DeployError extends Error {
  /** Stable code, printed by the CLI as `error [CODE]: message`. */
  readonly code: DeployErrorCode;

  constructor(code: DeployErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = "DeployError";
    this.code = code;
  }
}
