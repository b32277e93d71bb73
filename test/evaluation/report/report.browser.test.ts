/**
 * The evaluation HTML report rendered by a real headless Chromium (Debian's `chromium` package):
 * the screenshot decoded and checked pixel by pixel at the geometry the values imply (bar
 * lengths, radar vertices, each model's colour), the DOM as the browser built it, and the
 * browser's own network log. Chromium is required: without it this test fails, it does not skip.
 * It runs in `npm run test:system`, not in `npm test`.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COLORS } from "../../../src/core/html.js";
import type { ScoreSummary } from "../../../src/evaluation/algorithms/stats.js";
import type { EvaluationResult } from "../../../src/evaluation/evaluator/evaluator.js";
import { renderEvaluationHtml } from "../../../src/evaluation/report/report-html.js";
import {
  decodeEntities,
  expectSelfContained,
  type Placed,
  renderInChromium,
  requireChromium,
} from "../../support/chromium.js";
import { countPixels, distinctColours, hex, isWhite, near, runLength } from "../../support/png.js";

const WIDTH = 1280;
const HEIGHT = 1800;
/**
 * The charts' geometry in report-svg.ts. Bar chart: value 0 at x=170, 1 at x=520; with three
 * models the legend takes one row, so the first bar's top is at y=44, bars step 15 px, and
 * categories 3 * 15 + 12 = 57 px. Radar: centre (330, 205), radius 140, axes clockwise from the
 * top; legend swatches from x=660.
 */
const BAR = { zero: 170, one: 520, top: 44, barStep: 15, groupStep: 57 };
const RADAR = { cx: 330, cy: 205, radius: 140, legendLeft: 660 };
const BEST_BACKGROUND = "#fff2cc";

const MODELS = ["model-a", "model-b", "<i>model-c</i>"];
const KEYS = [
  ["qa_accuracy", "f1"],
  ["qa_accuracy", "exactMatch"],
  ["summarization_accuracy", "rouge"],
  ["summarization_accuracy", "meteor"],
] as const;
const CATEGORIES = ["geography", "history", "science"];

/** Model j's mean of score k in category i: distinct enough that no two bars or dots touch. */
const categoryMean = (j: number, i: number, k: number) => 0.9 - 0.25 * j - 0.08 * i - 0.04 * k;
const overallMean = (j: number, k: number) =>
  CATEGORIES.reduce((sum, _, i) => sum + categoryMean(j, i, k), 0) / CATEGORIES.length;

function summary(mean: number, count: number): ScoreSummary {
  return { count, mean, stdDev: 0.09, ci95: { lower: mean - 0.04, upper: mean + 0.04 } };
}

/** Scores per algorithm (in KEYS order), each score's mean given by `mean(k)`. */
function scoresOf(mean: (k: number) => number, count: number): EvaluationResult["scores"] {
  const out: Record<string, Record<string, ScoreSummary>> = {};
  KEYS.forEach(([algorithm, score], k) => {
    out[algorithm] = { ...out[algorithm], [score]: summary(mean(k), count) };
  });
  return out;
}

function results(): EvaluationResult[] {
  return MODELS.map((modelId, j) => ({
    modelId,
    numRecords: 30 + j,
    numFailed: j,
    status: j > 0 ? "completed_with_failures" : "complete",
    failures: Object.fromEntries(j > 0 ? [["MODEL_REFUSED", j]] : []),
    scores: scoresOf((k) => overallMean(j, k), 30),
    categories: Object.fromEntries(
      CATEGORIES.map((category, i) => [category, scoresOf((k) => categoryMean(j, i, k), 10)]),
    ),
    confidenceInterval: "student-t-95",
  }));
}

/** Text of a dumped-DOM fragment: tags dropped, entities decoded. */
const text = (html: string) => decodeEntities(html.replace(/<[^>]*>/g, ""));

describe("evaluation HTML report in headless Chromium", () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "fmops-eval-report-browser-"));
  });
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it("draws the table, bars and radar in each model's colour, and fetches nothing", {
    timeout: 120_000,
  }, async () => {
    requireChromium();
    const html = renderEvaluationHtml(results(), {
      title: "QA and summaries: three models",
      dataset: "eval.jsonl",
      createdAt: new Date("2025-06-01T12:00:00.000Z"),
    });
    expectSelfContained(html);
    // To look at it: FMOPS_REPORT_SCREENSHOT=/tmp/eval.png npx vitest run <this file>
    const { image, dom, layout } = await renderInChromium(work, html, {
      width: WIDTH,
      height: HEIGHT,
      layoutSelector: "svg, table.scores, td.best",
    });

    // The DOM: the header, every table cell, and one chart per score plus the radar.
    expect(dom).toContain("<title>QA and summaries: three models</title>");
    const rows = [
      ...(/<table class="scores"[^>]*>([\s\S]*?)<\/table>/.exec(dom)?.[1] ?? "").matchAll(
        /<tr[^>]*>([\s\S]*?)<\/tr>/g,
      ),
    ]
      .map((r) => [...(r[1] as string).matchAll(/<(t[hd])[^>]*>([\s\S]*?)<\/\1>/g)])
      .map((cells) => cells.map((c) => text(c[2] as string)));
    const cell = (mean: number) => `${mean.toFixed(3)} ± 0.040 n=30`;
    expect(rows).toEqual([
      ["Score", ...MODELS],
      ["Records", "30", "31", "32"],
      ["Failed records", "0", "1", "2"],
      ...KEYS.map(([a, s], k) => [`${a} · ${s}`, ...MODELS.map((_, j) => cell(overallMean(j, k)))]),
    ]);
    // model-a is best on every score, so exactly its cells are highlighted.
    const bestCells = [...dom.matchAll(/<td class="best"[^>]*>([\s\S]*?)<\/td>/g)];
    expect(bestCells.map((c) => text(c[1] as string))).toEqual(
      KEYS.map((_, k) => cell(overallMean(0, k))),
    );
    const labels = layout.filter((p) => p.label !== "").map((p) => p.label);
    expect(labels).toEqual([
      "Scores",
      "Model comparison radar",
      ...KEYS.map(([a, s]) => `${a} · ${s} by category`),
    ]);
    expect(dom.match(/<polygon [^>]*fill-opacity/g)).toHaveLength(3);
    for (const color of COLORS.slice(0, 3)) {
      // Per bar chart: 3 categories' bars and 1 legend swatch; in the radar a swatch and 4 dots.
      expect(dom.match(new RegExp(`<rect [^>]*fill="${color}"`, "g"))).toHaveLength(
        4 * (3 + 1) + 1,
      );
      expect(dom.match(new RegExp(`<circle [^>]*fill="${color}"`, "g"))).toHaveLength(4);
    }

    // The screenshot: not blank, and everything laid out inside it.
    expect(distinctColours(image)).toBeGreaterThan(100);
    const all = { x: 0, y: 0, w: WIDTH, h: HEIGHT };
    expect(countPixels(image, all, (c) => !isWhite(c))).toBeGreaterThan(WIDTH * HEIGHT * 0.02);
    for (const p of layout) {
      expect(p.y + p.h, `${p.label || "cell"} fits the screenshot`).toBeLessThanOrEqual(HEIGHT);
      expect(p.x + p.w).toBeLessThanOrEqual(WIDTH);
    }
    const placed = (label: string) => layout.find((p) => p.label === label) as Placed;
    const colors = COLORS.slice(0, 3).map((c) => hex(c));

    // Table: each model's 10 x 10 swatch in its exact colour, and the highlighted cells painted.
    const table = placed("Scores");
    for (const c of colors) expect(countPixels(image, table, near(c, 0))).toBe(100);
    const best = layout.filter((p) => p.label === "");
    expect(best).toHaveLength(KEYS.length);
    for (const b of best) {
      const painted = countPixels(image, b, near(hex(BEST_BACKGROUND), 0));
      expect(painted, "highlighted cell background").toBeGreaterThan(b.w * b.h * 0.5);
    }

    // Bars: every bar in its model's colour, as long as its value says (value 1 = 350 px).
    const scale = BAR.one - BAR.zero;
    KEYS.forEach(([a, s], k) => {
      const chart = placed(`${a} · ${s} by category`);
      CATEGORIES.forEach((_, i) => {
        colors.forEach((color, j) => {
          const top = chart.y + BAR.top + i * BAR.groupStep + j * BAR.barStep;
          // Two rows into the bar: above the whisker and its caps (which start 3 px down).
          const row = Math.floor(top) + 2;
          const start = Math.ceil(chart.x + BAR.zero);
          const measured = runLength(image, start, row, near(color, 0));
          const expected = categoryMean(j, i, k) * scale;
          expect(
            Math.abs(measured - expected),
            `${a}.${s} ${CATEGORIES[i]} ${MODELS[j]}: ${measured} px for ${expected.toFixed(1)}`,
          ).toBeLessThanOrEqual(2);
          // Nothing of the bar colour left of the zero line (that is the label column).
          const left = { x: chart.x, y: top, w: BAR.zero - 2, h: 12 };
          expect(countPixels(image, left, near(color, 0))).toBe(0);
        });
      });
    });

    // Radar: each model's dot at each axis, where its value puts it, its outline between the
    // dots, and its legend swatch.
    const radar = placed("Model comparison radar");
    const vertex = (v: number, i: number) => {
      const angle = -Math.PI / 2 + (2 * Math.PI * i) / KEYS.length;
      return {
        x: radar.x + RADAR.cx + RADAR.radius * v * Math.cos(angle),
        y: radar.y + RADAR.cy + RADAR.radius * v * Math.sin(angle),
      };
    };
    const around = (p: { x: number; y: number }, r: number) => ({
      x: p.x - r,
      y: p.y - r,
      w: 2 * r + 1,
      h: 2 * r + 1,
    });
    colors.forEach((color, j) => {
      KEYS.forEach((_, k) => {
        const dot = vertex(overallMean(j, k), k);
        expect(
          countPixels(image, around(dot, 2), near(color, 0)),
          `${MODELS[j]} dot on axis ${k}`,
        ).toBeGreaterThanOrEqual(9);
        const next = vertex(overallMean(j, (k + 1) % KEYS.length), (k + 1) % KEYS.length);
        const mid = { x: (dot.x + next.x) / 2, y: (dot.y + next.y) / 2 };
        expect(
          countPixels(image, around(mid, 2), near(color, 40)),
          `${MODELS[j]} outline between axes ${k} and ${k + 1}`,
        ).toBeGreaterThan(0);
      });
      const legend = { x: radar.x + RADAR.legendLeft, y: radar.y, w: 12, h: radar.h };
      expect(countPixels(image, legend, near(color, 0))).toBe(100);
    });
    // The dots lie on the right radius: none of a model's colour at another model's dots.
    KEYS.forEach((_, k) => {
      const dotA = vertex(overallMean(0, k), k);
      expect(
        countPixels(image, around(dotA, 1), near(colors[2] as [number, number, number], 0)),
      ).toBe(0);
    });
  });
});
