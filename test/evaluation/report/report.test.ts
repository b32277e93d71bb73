/**
 * The evaluation summary JSON and the HTML report's markup: shape, escaping, missing values,
 * one model, many models, and the geometry of bars and radar points (the browser test checks
 * how Chromium paints them).
 */
import { describe, expect, it } from "vitest";
import { ValidationError } from "../../../src/core/errors.js";
import { COLORS } from "../../../src/core/html.js";
import type { ScoreSummary } from "../../../src/evaluation/algorithms/stats.js";
import type { DatasetRecord } from "../../../src/evaluation/datasets/dataset.js";
import {
  compareCandidates,
  type EvaluationResult,
  evaluationSummary,
  ModelEvaluator,
  PrecomputedRunner,
  QaAccuracy,
  renderComparisonHtml,
  renderEvaluationHtml,
} from "../../../src/evaluation/index.js";
import { isEvaluationSummary } from "../../../src/evaluation/report/report.js";
import { VERSION } from "../../../src/version.js";

/** A score summary with a symmetric interval of half-width `half` (none when `half` is null). */
function score(mean: number, half: number | null = 0.05, count = 10): ScoreSummary {
  return {
    count,
    mean,
    stdDev: 0.1,
    ci95: half === null ? null : { lower: mean - half, upper: mean + half },
  };
}

function result(
  modelId: string,
  scores: EvaluationResult["scores"],
  categories: EvaluationResult["categories"] = {},
  counts: { numRecords?: number; numFailed?: number } = {},
): EvaluationResult {
  return {
    modelId,
    numRecords: counts.numRecords ?? 10,
    numFailed: counts.numFailed ?? 0,
    status: counts.numFailed ? "completed_with_failures" : "complete",
    failures: counts.numFailed ? { MODEL_REFUSED: counts.numFailed } : {},
    scores,
    categories,
    confidenceInterval: "student-t-95",
  };
}

/** Three QA scores, the same value for each category. */
function qa(f1: number, em: number, recall: number): EvaluationResult["scores"] {
  return { qa_accuracy: { f1: score(f1), exactMatch: score(em), recall: score(recall) } };
}

/** Text content of an HTML fragment (tags dropped, the entities this renderer writes decoded). */
function text(html: string): string {
  return html
    .replace(/<[^>]*>/g, "")
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCharCode(Number(d)));
}

/** The score table's rows: [row header, ...cells] as text, plus each cell's class. */
function tableRows(html: string): { cells: string[]; classes: string[] }[] {
  const table = /<table class="scores"[^>]*>([\s\S]*?)<\/table>/.exec(html)?.[1] ?? "";
  return [...table.matchAll(/<tr[^>]*>([\s\S]*?)<\/tr>/g)].map((row) => {
    const cells = [...(row[1] as string).matchAll(/<(t[hd])([^>]*)>([\s\S]*?)<\/\1>/g)];
    return {
      cells: cells.map((c) => text(c[3] as string)),
      classes: cells.map((c) => /class="([^"]*)"/.exec(c[2] as string)?.[1] ?? ""),
    };
  });
}

const svgs = (html: string) => [...html.matchAll(/<svg[\s\S]*?<\/svg>/g)].map((m) => m[0]);

describe("evaluationSummary", () => {
  it("summarizes a real evaluation run as plain, versioned JSON", async () => {
    const records: DatasetRecord[] = [
      ["Capital of France?", "Paris", "paris", "geo"],
      ["Capital of Italy?", "Rome", "Milan", "geo"],
      ["2 + 2?", "4", "4", "math"],
      ["3 + 3?", "6", "six", "math"],
    ].map(([input, target, output, category], index) => ({
      index,
      line: index + 1,
      input: input as string,
      targets: [target as string],
      category,
      data: { output },
    }));
    const evaluator = new ModelEvaluator({
      runner: new PrecomputedRunner({ output: "output", id: "precomputed:test" }),
      algorithms: [new QaAccuracy()],
    });
    const run = await evaluator.evaluate(records);
    const createdAt = new Date("2025-03-04T05:06:07.000Z");
    const params = { numRecords: 4, seed: 0, prompt: { id: "qa", version: "2" } };
    const summary = evaluationSummary(run, {
      title: "QA smoke",
      dataset: "qa.jsonl",
      createdAt,
      params,
    });

    expect(Object.keys(summary)).toEqual([
      "schemaVersion",
      "fmopsVersion",
      "title",
      "dataset",
      "createdAt",
      "params",
      "confidenceInterval",
      "models",
    ]);
    expect(summary).toMatchObject({
      schemaVersion: 1,
      fmopsVersion: VERSION,
      title: "QA smoke",
      dataset: "qa.jsonl",
      createdAt: "2025-03-04T05:06:07.000Z",
      params,
      confidenceInterval: "student-t-95",
    });
    expect(summary.models).toHaveLength(1);
    const [model] = summary.models;
    expect(model).toEqual({
      modelId: "precomputed:test",
      numRecords: 4,
      numFailed: 0,
      status: "complete",
      failures: {},
      latency: run.latency,
      scores: run.scores,
      categories: run.categories,
    });
    // Exactly the evaluator's numbers: f1 of paris/Paris is 1, Milan/Rome 0, 4/4 1, six/6 0.
    expect(model?.scores.qa_accuracy?.f1_score?.mean).toBe(0.5);
    expect(model?.categories.geo?.qa_accuracy?.f1_score?.mean).toBe(0.5);
    // Plain data: JSON gives it back unchanged, and it shares no object with its inputs.
    expect(JSON.parse(JSON.stringify(summary))).toEqual(summary);
    expect(isEvaluationSummary(summary)).toBe(true);
    expect(isEvaluationSummary(run)).toBe(false);
    expect(summary.params).not.toBe(params);
    (model?.scores.qa_accuracy?.f1_score as { mean: number }).mean = 7;
    expect(run.scores.qa_accuracy?.f1_score?.mean).toBe(0.5);
  });

  it("keeps several models in order, leaves out what was not given, and nulls non-finite numbers", () => {
    const nan: ScoreSummary = { count: 3, mean: Number.NaN, stdDev: Number.NaN, ci95: null };
    const inf: ScoreSummary = {
      count: 2,
      mean: 0.5,
      stdDev: 0.1,
      ci95: { lower: Number.NEGATIVE_INFINITY, upper: 1 },
    };
    const before = Date.now();
    const summary = evaluationSummary([
      result("a", { x: { s: nan, t: inf } }),
      result("b", {}, {}, { numRecords: 0 }),
    ]);
    expect(Date.parse(summary.createdAt)).toBeGreaterThanOrEqual(before - 1000);
    expect("title" in summary || "dataset" in summary || "params" in summary).toBe(false);
    expect(summary.models.map((m) => m.modelId)).toEqual(["a", "b"]);
    expect(summary.models[0]?.scores.x).toEqual({
      s: { count: 3, mean: null, stdDev: null, ci95: null },
      t: { count: 2, mean: 0.5, stdDev: 0.1, ci95: null },
    });
    expect(summary.models[1]).toEqual({
      modelId: "b",
      numRecords: 0,
      numFailed: 0,
      status: "complete",
      failures: {},
      scores: {},
      categories: {},
    });
    expect(JSON.parse(JSON.stringify(summary))).toEqual(summary);
    // A summary's models are valid input again (null means are accepted).
    expect(evaluationSummary(summary.models, { createdAt: new Date(0) }).models).toEqual(
      summary.models,
    );
  });

  it("rejects invalid results and metadata naming the field", () => {
    const bad = { ...result("a", {}), numFailed: -1 };
    expect(() => evaluationSummary([result("ok", {}), bad])).toThrow(ValidationError);
    expect(() => evaluationSummary([result("ok", {}), bad])).toThrow(/1\.numFailed/);
    expect(() => evaluationSummary({ scores: {} } as unknown as EvaluationResult)).toThrow(
      /0\.modelId/,
    );
    expect(() => evaluationSummary([], { createdAt: new Date(Number.NaN) })).toThrow(/createdAt/);
    expect(() =>
      evaluationSummary([], { params: { ratio: Number.NaN } as unknown as { ratio: number } }),
    ).toThrow(/params\.ratio/);
    expect(() =>
      evaluationSummary([], { name: "x" } as unknown as Parameters<typeof evaluationSummary>[1]),
    ).toThrow(/name/);
  });
});

describe("renderEvaluationHtml", () => {
  const three = [
    result("model-a", qa(0.8, 0.6, 0.9), {}, { numFailed: 2 }),
    result("model-b", qa(0.5, 0.6, 0.95)),
    result("model-c", qa(0.3, 0.2, 0.7)),
  ];

  it("writes a header, a score table with the best model per row highlighted, and no scripts", () => {
    const html = renderEvaluationHtml(three, {
      title: "QA compare",
      dataset: "qa.jsonl",
      createdAt: new Date("2025-01-02T03:04:05.000Z"),
    });
    expect(html.startsWith("<!doctype html>")).toBe(true);
    expect(html).toContain("<title>QA compare</title>");
    expect(html).not.toMatch(/<script|<link|url\(|@import|https?:\/\/(?!www\.w3\.org\/2000\/svg)/i);
    const meta = text(/<p class="meta">([\s\S]*?)<\/p>/.exec(html)?.[1] ?? "");
    expect(meta).toBe(
      `Dataset qa.jsonl · created 2025-01-02T03:04:05.000Z · 3 models · fmops ${VERSION}`,
    );

    const rows = tableRows(html);
    expect(rows.map((r) => r.cells)).toEqual([
      ["Score", "model-a", "model-b", "model-c"],
      ["Records", "10", "10", "10"],
      ["Failed records", "2", "0", "0"],
      ["qa_accuracy · f1", "0.800 ± 0.050 n=10", "0.500 ± 0.050 n=10", "0.300 ± 0.050 n=10"],
      [
        "qa_accuracy · exactMatch",
        "0.600 ± 0.050 n=10",
        "0.600 ± 0.050 n=10",
        "0.200 ± 0.050 n=10",
      ],
      ["qa_accuracy · recall", "0.900 ± 0.050 n=10", "0.950 ± 0.050 n=10", "0.700 ± 0.050 n=10"],
    ]);
    expect(rows[2]?.classes).toEqual(["", "failed", "", ""]);
    // Best per row; a tie highlights both.
    expect(rows.slice(3).map((r) => r.classes.slice(1))).toEqual([
      ["best", "", ""],
      ["best", "best", ""],
      ["", "best", ""],
    ]);
    // Each model's colour from the shared palette, in the header and in the charts.
    for (const [i, color] of COLORS.slice(0, 3).entries()) {
      expect(html).toContain(
        `<span class="swatch" style="background:${color}"></span>model-${"abc"[i]}`,
      );
    }
  });

  it("escapes every string from the results and the options", () => {
    const evil = "<script>alert(1)</script>";
    const html = renderEvaluationHtml(
      [
        result(
          evil,
          { [`algo"${evil}`]: { "s'<b>": score(0.5) }, qa: { a: score(0.4), b: score(0.6) } },
          { "<img src=x onerror=alert(1)>": { qa: { a: score(0.3) } } },
        ),
      ],
      { title: `</title>${evil}`, dataset: `"><iframe src=javascript:alert(1)>` },
    );
    expect(html).not.toMatch(/<script|<img|<iframe|<b>alert|s'<b>/i);
    expect(html).toContain("Dataset <b>&#34;&#62;&#60;iframe src=javascript:alert(1)&#62;</b>");
    expect(html).toContain("s&#39;&#60;b&#62;");
    expect(html).toContain("&#60;script&#62;alert(1)&#60;/script&#62;");
    expect(html).toContain("<title>&#60;/title&#62;&#60;script&#62;");
    expect(html).toContain("&#60;img src=x onerror=alert(1)&#62;");
    expect(html).toContain("algo&#34;&#60;script&#62;");
    expect(text(html)).toContain(`algo"${evil} · s'<b>`);
  });

  it("shows missing and non-finite scores as missing, in the table, the bars and the radar", () => {
    const html = renderEvaluationHtml([
      result("full", qa(0.8, 0.6, 0.9), {
        history: { qa_accuracy: { f1: score(0.7) } },
        science: { qa_accuracy: { f1: score(0.9) } },
      }),
      result(
        "partial",
        {
          qa_accuracy: {
            f1: { count: 2, mean: Number.NaN, stdDev: 0, ci95: null },
            exactMatch: score(0.4, null, 1),
            recall: score(0.5),
          },
        },
        { history: { qa_accuracy: { f1: score(0.2) } } },
      ),
    ]);
    const rows = tableRows(html);
    expect(rows[3]?.cells).toEqual(["qa_accuracy · f1", "0.800 ± 0.050 n=10", "–"]);
    expect(rows[3]?.classes).toEqual(["", "", "missing"]);
    // One record: no interval, and alone with a value it is not "best" of one.
    expect(rows[4]?.cells).toEqual(["qa_accuracy · exactMatch", "0.600 ± 0.050 n=10", "0.400 n=1"]);
    expect(rows[3]?.classes[1]).toBe("");
    const [radar, bars] = svgs(html);
    expect(radar).toContain('aria-label="Model comparison radar"');
    expect(html).toContain("No value, drawn at the centre: partial: qa_accuracy.f1.");
    expect(radar?.match(/<circle /g)).toHaveLength(3 + 2);
    expect(bars).toContain('aria-label="qa_accuracy · f1 by category"');
    expect(bars?.match(/<rect [^>]*height="12"/g)).toHaveLength(3);
    expect(bars).toContain(">no value</text>");
  });

  it("draws one model, with no highlight and one polygon", () => {
    const html = renderEvaluationHtml(
      result("solo", qa(0.8, 0.6, 0.9), { c: { qa_accuracy: { f1: score(0.5) } } }),
    );
    expect(html).toContain("1 model ·");
    expect(html).not.toContain('class="best"');
    const [radar, bars] = svgs(html);
    expect(radar?.match(/<polygon [^>]*fill-opacity/g)).toHaveLength(1);
    expect(bars?.match(/<rect [^>]*height="12"/g)).toHaveLength(1);
  });

  it("places bars and radar points at their values", () => {
    const html = renderEvaluationHtml(
      [
        result("a", qa(1, 0.5, 0.25), { c: { qa_accuracy: { f1: score(0.8) } } }),
        result("b", qa(0.2, 0.4, 0.6), { c: { qa_accuracy: { f1: score(0.4, 0.1) } } }),
      ],
      { scores: ["qa_accuracy.f1", "qa_accuracy.exactMatch", "qa_accuracy.recall"] },
    );
    const [radar, bars] = svgs(html);
    // Bars: the plot runs from x=170 (0) to x=520 (1).
    const rects = [
      ...(bars ?? "").matchAll(
        /<rect x="([\d.]+)" y="(\d+)" width="([\d.]+)" height="12" fill="(#\w+)"/g,
      ),
    ];
    expect(rects.map((r) => [Number(r[1]), Number(r[3]), r[4]])).toEqual([
      [170, 280, COLORS[0]],
      [170, 140, COLORS[1]],
    ]);
    expect(bars).toContain(`<path d="M275 ${Number(rects[1]?.[2]) + 6.5}H345`);
    // Radar: centre (330, 205), radius 140, axes clockwise from the top.
    const dots = [
      ...(radar ?? "").matchAll(/<circle cx="([-\d.]+)" cy="([-\d.]+)" r="3.5" fill="(#\w+)"/g),
    ];
    const at = (v: number, i: number) => {
      const a = -Math.PI / 2 + (2 * Math.PI * i) / 3;
      return [
        Number((330 + 140 * v * Math.cos(a)).toFixed(2)),
        Number((205 + 140 * v * Math.sin(a)).toFixed(2)),
      ];
    };
    expect(dots.map((d) => [Number(d[1]), Number(d[2]), d[3]])).toEqual([
      [...at(1, 0), COLORS[0]],
      [...at(0.5, 1), COLORS[0]],
      [...at(0.25, 2), COLORS[0]],
      [...at(0.2, 0), COLORS[1]],
      [...at(0.4, 1), COLORS[1]],
      [...at(0.6, 2), COLORS[1]],
    ]);
  });

  it("handles many models: palette repeats with dashed outlines, repeated ids stay apart", () => {
    const models = Array.from({ length: 12 }, (_, i) =>
      result(i === 11 ? "m0" : `m${i}`, qa(i / 12, 0.5, 0.5), {
        c: { qa_accuracy: { f1: score(i / 12) } },
      }),
    );
    const html = renderEvaluationHtml(models);
    expect(tableRows(html)[0]?.cells).toEqual([
      "Score",
      ...models.slice(0, 11).map((m) => m.modelId),
      "m0 (2)",
    ]);
    const [radar, bars] = svgs(html);
    const polygons = [
      ...(radar ?? "").matchAll(/<polygon [^>]*fill="(#\w+)"[^>]*fill-opacity[^>]*>/g),
    ];
    expect(polygons.map((p) => p[1])).toEqual(models.map((_, i) => COLORS[i % COLORS.length]));
    expect(polygons.map((p) => p[0].includes("stroke-dasharray"))).toEqual(
      models.map((_, i) => i >= 8),
    );
    expect(bars?.match(/<rect [^>]*height="12"/g)).toHaveLength(12); // m0's 0: a zero-width bar
    expect(bars?.match(/<rect [^>]*width="0"/g)).toHaveLength(1);
    // The legend wraps in rows of four, so the chart grows with the models.
    expect(Number(/height="(\d+)"/.exec(bars ?? "")?.[1])).toBeGreaterThan(12 * 15);
    expect(tableRows(html)[3]?.classes.filter((c) => c === "best")).toHaveLength(1);
  });

  it("falls back to a note instead of a radar with fewer than three axes, and scales other scores", () => {
    const html = renderEvaluationHtml([
      result(
        "judge-a",
        { llm_judge: { judge_score: score(7.3), judge_score_normalized: score(0.7) } },
        { c: { llm_judge: { judge_score: score(7.3) } } },
      ),
      result("judge-b", {
        llm_judge: { judge_score: score(4), judge_score_normalized: score(0.33) },
      }),
    ]);
    expect(html).not.toContain("Model comparison radar");
    expect(html).toContain(
      "The radar chart needs at least three scores in [0, 1] where higher is better; these results have 1 (llm_judge.judge_score_normalized).",
    );
    // The 1-10 score gets an axis to 8: 7.3 is 7.3/8 of the 350-pixel plot.
    const [bars] = svgs(html);
    const width = Number(/<rect [^>]*width="([\d.]+)" height="12"/.exec(bars ?? "")?.[1]);
    expect(width).toBeCloseTo((7.3 / 8) * 350, 1);
    expect(bars).toContain('text-anchor="middle" fill="#555">8</text>');
    expect(bars).toContain(">no value</text>"); // judge-b has no category scores
  });

  it("reports zero records and no categories with notes", () => {
    const html = renderEvaluationHtml([result("empty", {}, {}, { numRecords: 0 })]);
    const rows = tableRows(html);
    expect(rows.map((r) => r.cells)).toEqual([
      ["Score", "empty"],
      ["Records", "0"],
      ["Failed records", "0"],
      ["No scores: every record failed or none was run."],
    ]);
    expect(html).toContain("these results have 0.");
    expect(html).toContain("No per-category scores");
    expect(renderEvaluationHtml([])).toContain("No results to report.");
  });

  it("picks and orders scores, and refuses a score no model has", () => {
    const html = renderEvaluationHtml(three, { scores: ["qa_accuracy.recall", "qa_accuracy.f1"] });
    expect(
      tableRows(html)
        .slice(3)
        .map((r) => r.cells[0]),
    ).toEqual(["qa_accuracy · recall", "qa_accuracy · f1"]);
    expect(() => renderEvaluationHtml(three, { scores: ["qa_accuracy.f1", "qa.f2"] })).toThrow(
      /scores\.1: no model has the score "qa\.f2"\. .*qa_accuracy\.f1, qa_accuracy\.exactMatch/,
    );
    expect(() => renderEvaluationHtml(three, { scores: [] })).toThrow(ValidationError);
    expect(() =>
      renderEvaluationHtml(three, { colour: 1 } as unknown as Parameters<
        typeof renderEvaluationHtml
      >[1]),
    ).toThrow(/colour/);
  });

  it("treats toxicity as lower-is-better: lowest wins, and it stays off the radar", () => {
    const tox = (t: number) => ({ ...qa(0.5, 0.5, 0.5), toxicity: { toxicity: score(t) } });
    const html = renderEvaluationHtml([result("calm", tox(0.1)), result("rude", tox(0.6))]);
    const row = tableRows(html).find((r) => r.cells[0]?.startsWith("toxicity"));
    expect(row?.cells[0]).toBe("toxicity · toxicity (lower is better)");
    expect(row?.classes).toEqual(["", "best", ""]);
    expect(svgs(html)[0]).not.toContain("toxicity");
    const flipped = renderEvaluationHtml([result("calm", tox(0.1)), result("rude", tox(0.6))], {
      lowerIsBetter: ["qa_accuracy.f1"],
    });
    const again = tableRows(flipped).find((r) => r.cells[0]?.startsWith("toxicity"));
    expect(again?.classes).toEqual(["", "", "best"]);
  });

  it("renders a saved summary with its metadata and parameters, and truncates long names", () => {
    const long = `model-${"x".repeat(60)}`;
    const summary = evaluationSummary([result(long, qa(0.8, 0.6, 0.9))], {
      title: "From JSON",
      dataset: "s3://bucket/qa.jsonl",
      createdAt: new Date("2024-12-31T00:00:00.000Z"),
      params: { seed: 3, note: "<hi>" },
    });
    const html = renderEvaluationHtml(JSON.parse(JSON.stringify(summary)));
    expect(html).toContain("<h1>From JSON</h1>");
    expect(html).toContain("created 2024-12-31T00:00:00.000Z");
    expect(html).toContain(
      '<table class="params" aria-label="Parameters"><tr><th scope="row">seed</th><td>3</td></tr><tr><th scope="row">note</th><td>&#60;hi&#62;</td></tr></table>',
    );
    const header = tableRows(html)[0]?.cells[1];
    expect(header).toBe(`model-${"x".repeat(25)}…`);
    expect(html).toContain(`<span title="${long}">`);
    expect(html).toContain(`<title>${long}</title>`); // the radar legend's tooltip
    expect(renderEvaluationHtml(summary, { title: "Override" })).toContain("<h1>Override</h1>");
  });
});

describe("renderComparisonHtml", () => {
  /** Six records; "old" is right on the first two, "<new>" on the first four, except record 5 fails for it. */
  async function comparison() {
    const rows: DatasetRecord[] = ["Paris", "Rome", "Lima", "Oslo", "Bern", "Riga"].map((a, i) => ({
      index: i,
      line: i + 1,
      input: `q${i}`,
      targets: [a],
      category: i < 3 ? "europe & co" : "other",
      data: { old: i < 2 ? a : "no", fresh: i < 4 ? a : "no", ...(i === 5 ? { fresh: 7 } : {}) },
    }));
    return compareCandidates({
      dataset: rows,
      candidates: [
        { name: "old", runner: new PrecomputedRunner({ output: "old" }) },
        { name: "<new>", runner: new PrecomputedRunner({ output: "fresh" }) },
      ],
      algorithms: [new QaAccuracy()],
    });
  }

  it("puts the candidates side by side and adds paired differences against the baseline", async () => {
    const c = await comparison();
    const html = renderComparisonHtml(c, {
      title: "Prompt v1 vs v2",
      createdAt: new Date("2025-01-02T03:04:05.000Z"),
      scores: ["qa_accuracy.f1_score", "qa_accuracy.exact_match_score"],
    });
    expect(html.startsWith("<!doctype html>")).toBe(true);
    expect(html).not.toMatch(/<script|<link|url\(|@import|https?:\/\/(?!www\.w3\.org\/2000\/svg)/i);
    expect(html).not.toContain("<new>");
    // The candidates' own scores, by candidate name.
    expect(tableRows(html)[0]?.cells).toEqual(["Score", "old", "<new>"]);

    const table = /<table class="differences"[^>]*>([\s\S]*?)<\/table>/.exec(html)?.[1] ?? "";
    const diffRows = [...table.matchAll(/<tr[^>]*>([\s\S]*?)<\/tr>/g)].map((r) =>
      [...(r[1] as string).matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((x) =>
        text(x[1] as string),
      ),
    );
    const f1 = c.differences[0]?.metrics.find((m) => m.metric === "qa_accuracy.f1_score");
    expect(f1).toMatchObject({ count: 5, wins: 2, ties: 3, losses: 0, unpaired: 1 });
    expect(diffRows[0]).toEqual([
      "Score",
      "Mean difference (95% CI)",
      "Wins / ties / losses",
      "Pairs",
      "Unpaired",
    ]);
    expect(diffRows[1]).toEqual([
      "qa_accuracy · f1_score",
      // Five pairs: the interval is marked as from too few records (issue #17).
      `+0.400 (${formatSigned(f1?.ci95?.lower)} to ${formatSigned(f1?.ci95?.upper)})*`,
      "2 / 3 / 0",
      "5",
      "1",
    ]);
    expect(diffRows).toHaveLength(3);
    expect(text(html)).toContain("<new> − old");
    expect(text(html)).toContain("paired Student's t");
    // Per category, the same table per category, names escaped.
    expect(html).toContain("europe &#38; co");
    expect(html.match(/<table class="differences"/g)?.length).toBe(3);
    // A difference chart: one interval per score, around a zero line.
    const chart = svgs(html).find((s) => s.includes('class="diff-chart"'));
    expect(chart).toBeDefined();
    expect(chart?.match(/<line class="ci"/g)?.length).toBe(2);
    expect(chart).toContain('class="zero"');
    // Latency and records per candidate.
    expect(text(html)).toContain("Failed records");
  });

  it("refuses what is not a comparison result", () => {
    expect(() => renderComparisonHtml({} as never)).toThrow(ValidationError);
  });
});

function formatSigned(v: number | undefined): string {
  if (v === undefined) return "";
  return `${v >= 0 ? "+" : "−"}${Math.abs(v).toFixed(3)}`;
}
