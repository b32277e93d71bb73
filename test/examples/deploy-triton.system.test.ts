/**
 * The Triton multi-model example's Python model (examples/deploy/triton-multi-model), run on a
 * batch outside Triton with a stub `triton_python_backend_utils`. Like Triton itself it needs
 * NumPy (Debian: python3-numpy), a system package, so it runs in `npm run test:system`, not in
 * `npm test`. Moved unchanged from deploy.test.ts, which keeps the checks needing only python3.
 */
import { execFileSync } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  isMessage,
  type PbMessage,
  type PbValue,
  parsePbtxt,
} from "../../examples/deploy/shared/pbtxt.js";
import { MODEL_REPOSITORY } from "../../examples/deploy/triton-multi-model/deploy.js";

const HARNESS = new URL("./deploy/", import.meta.url).pathname;

function python(script: string, input: unknown): unknown {
  const out = execFileSync("python3", [script], { input: JSON.stringify(input), encoding: "utf8" });
  return JSON.parse(out);
}

describe("handlers that run without a GPU (NumPy)", () => {
  it("runs the Triton Python model's execute path on a batch with a stub backend module", async () => {
    const config = parsePbtxt(
      await readFile(join(MODEL_REPOSITORY, "extractive_summary/config.pbtxt"), "utf8"),
    );
    // Triton hands model.py its config as JSON; build that form from the parsed config.pbtxt.
    const toJson = (m: PbMessage): Record<string, unknown> =>
      Object.fromEntries(
        Object.entries(m).map(([k, vs]) => [
          k,
          vs.length === 1 && !["input", "output", "dims"].includes(k)
            ? conv(vs[0] as PbValue)
            : vs.map(conv),
        ]),
      );
    const conv = (v: PbValue): unknown =>
      isMessage(v) ? toJson(v) : typeof v === "object" && v !== null && "enum" in v ? v.enum : v;
    const json = toJson(config);
    json.parameters = Object.fromEntries(
      (config.parameters ?? [])
        .filter(isMessage)
        .map((p) => [p.key?.[0], conv(p.value?.[0] as PbValue)]),
    );
    const doc =
      "Streaming sends tokens early. Users see text at once. The weather was nice. Tokens arrive as the model writes tokens.";
    const result = python(join(HARNESS, "triton_harness.py"), {
      model_py: join(MODEL_REPOSITORY, "extractive_summary/1/model.py"),
      model_config: json,
      requests: [
        { TEXT: [[doc], ["Only one sentence."]], MAX_SENTENCES: [[1], [2]] },
        { TEXT: [[doc]] },
        { TEXT: [[doc]], MAX_SENTENCES: [[0]] },
      ],
    }) as Record<string, { shape: number[]; data: string[] }>[];
    expect(result[0]?.SUMMARY).toEqual({
      shape: [2, 1],
      dtype: "object",
      data: ["Tokens arrive as the model writes tokens.", "Only one sentence."],
    });
    expect(result[1]?.SUMMARY?.data[0]?.split(". ")).toHaveLength(3);
    expect(result[1]?.SUMMARY?.data[0]).not.toContain("weather");
    expect(result[2]).toEqual({ error: "MAX_SENTENCES must be positive" });
  });
});
