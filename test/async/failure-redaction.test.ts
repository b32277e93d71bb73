import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { AsyncInferenceFailedError } from "../../src/async/errors.js";

const SESSION = "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQDf3ZmlvxkmOkQ7TBXq7bG9v";

describe("AsyncInferenceFailedError", () => {
  it("keeps no session token from the failure object, in any printed form", () => {
    const failure = `Traceback: boto3 failed with aws_session_token=${SESSION}\n{"SessionToken": "tok-plain-42", "x-amz-security-token": "tok-header-43"}`;
    const err = new AsyncInferenceFailedError(failure, { inferenceId: "inf-1" });
    for (const text of [
      err.message,
      err.failureText,
      inspect(err),
      JSON.stringify(err),
      String(err.stack),
    ]) {
      expect(text).not.toContain(SESSION.slice(0, 24));
      expect(text).not.toContain("tok-plain-42");
      expect(text).not.toContain("tok-header-43");
    }
    expect(err.failureText).toContain("Traceback: boto3 failed");
  });
});
