/**
 * {@link renderEvaluationHtml}: a self-contained HTML report comparing evaluated models.
 *
 * @module
 */
import { z } from "zod";
import { parseOptions } from "../core/options.js";
import { COLORS, esc } from "../monitoring/html-report.js";
import { VERSION } from "../version.js";
import type { JsonValue } from "./content-template.js";
import {
  type EvaluationSummary,
  isEvaluationSummary,
  type ModelResult,
  type ModelSummary,
  pickScoreKeys,
  type ScoreKey,
  type SummaryScore,
  scoreKeys,
  toModelSummaries,
} from "./report.js";
import {
  type ChartModel,
  categoryBarChart,
  formatScore,
  halfWidth,
  radarChart,
  truncate,
} from "./report-svg.js";

/** Options of {@link renderEvaluationHtml}. */
export interface EvaluationHtmlOptions {
  /** Page title and heading. Default: the summary's title, else `fmops evaluation`. */
  title?: string;
  /** The dataset's name or location, shown under the title. Default: the summary's. */
  dataset?: string;
  /** When the evaluation ran. Default: the summary's `createdAt`, else now. */
  createdAt?: Date;
  /**
   * The scores to show, as `"algorithm.score"` names (e.g. `"qa_accuracy.f1_score"`), in this order.
   * Default: every score of any model, in the order the evaluator produced them. A name that no
   * model has is a `VALIDATION_ERROR`.
   */
  scores?: string[];
  /**
   * Scores where lower is better, as `"algorithm.score"` names: their best model is the lowest,
   * and they stay off the radar chart (where outward means better). Default: every score of the
   * `toxicity` algorithm.
   */
  lowerIsBetter?: string[];
}

const optionsSchema = z
  .object({
    title: z.string().optional(),
    dataset: z.string().optional(),
    createdAt: z.date().optional(),
    scores: z.array(z.string().min(1)).min(1).optional(),
    lowerIsBetter: z.array(z.string().min(1)).optional(),
  })
  .strict();

/** What {@link renderEvaluationHtml} accepts: results, model summaries, or a whole summary. */
export type EvaluationReportInput = ModelResult | readonly ModelResult[] | EvaluationSummary;

const SUBJECT = "renderEvaluationHtml options";
const MODEL_CHARS = 32;
const SCORE_CHARS = 48;

/** HTML text cut to `max` characters, with the whole text as its tooltip when cut. */
function htmlText(text: string, max: number): string {
  const t = truncate(text, max);
  return t.truncated ? `<span title="${esc(text)}">${esc(t.text)}</span>` : esc(text);
}

/** Display names, unique: a repeated model id gets ` (2)`, ` (3)`, ... */
function displayNames(models: readonly ModelSummary[]): string[] {
  const used = new Map<string, number>();
  return models.map((m) => {
    const n = (used.get(m.modelId) ?? 0) + 1;
    used.set(m.modelId, n);
    return n === 1 ? m.modelId : `${m.modelId} (${n})`;
  });
}

const scoreOf = (scores: ModelSummary["scores"] | undefined, k: ScoreKey) =>
  scores?.[k.algorithm]?.[k.score];

/** Indexes of the best models for one score (ties all win); none unless 2+ models have it. */
function bestOf(cells: readonly (SummaryScore | undefined)[], lowerIsBetter: boolean): Set<number> {
  const valued = cells.flatMap((s, i) => (s?.mean == null ? [] : [{ i, mean: s.mean }]));
  if (valued.length < 2) return new Set();
  const pick = lowerIsBetter ? Math.min : Math.max;
  const best = pick(...valued.map((v) => v.mean));
  return new Set(valued.filter((v) => v.mean === best).map((v) => v.i));
}

function scoreCell(s: SummaryScore | undefined, best: boolean): string {
  if (s === undefined || s.mean === null) return `<td class="missing">–</td>`;
  const half = halfWidth(s);
  const ci = half === null ? "" : `<span class="ci"> ± ${formatScore(half)}</span>`;
  const attrs = best ? ' class="best" title="best of the models"' : "";
  return `<td${attrs}><span class="mean">${formatScore(s.mean)}</span>${ci}<span class="n"> n=${s.count}</span></td>`;
}

function scoreTable(
  models: readonly ModelSummary[],
  chart: readonly ChartModel[],
  keys: readonly ScoreKey[],
  lower: ReadonlySet<string>,
): string {
  const head = chart
    .map(
      (m) =>
        `<th><span class="swatch" style="background:${m.color}"></span>${htmlText(m.name, MODEL_CHARS)}</th>`,
    )
    .join("");
  const records = models.map((m) => `<td>${m.numRecords}</td>`).join("");
  const failed = models
    .map((m) => `<td${m.numFailed > 0 ? ' class="failed"' : ""}>${m.numFailed}</td>`)
    .join("");
  const rows = keys.map((k) => {
    const cells = models.map((m) => scoreOf(m.scores, k));
    const best = bestOf(cells, lower.has(k.key));
    const dir = lower.has(k.key) ? ' <span class="dir">(lower is better)</span>' : "";
    return `<tr><th scope="row">${htmlText(`${k.algorithm} · ${k.score}`, SCORE_CHARS)}${dir}</th>${cells.map((s, i) => scoreCell(s, best.has(i))).join("")}</tr>`;
  });
  if (rows.length === 0) {
    rows.push(
      `<tr><td class="note" colspan="${models.length + 1}">No scores: every record failed or none was run.</td></tr>`,
    );
  }
  return `<table class="scores" aria-label="Scores">
<thead><tr><th>Score</th>${head}</tr></thead>
<tbody>
<tr class="count"><th scope="row">Records</th>${records}</tr>
<tr class="count"><th scope="row">Failed records</th>${failed}</tr>
${rows.join("\n")}
</tbody></table>`;
}

function radarSection(
  models: readonly ModelSummary[],
  chart: readonly ChartModel[],
  keys: readonly ScoreKey[],
  lower: ReadonlySet<string>,
): string {
  const axes = keys.filter((k) => {
    if (lower.has(k.key)) return false;
    const means = models.map((m) => scoreOf(m.scores, k)?.mean).filter((v) => v != null);
    return means.length > 0 && means.every((v) => v >= 0 && v <= 1);
  });
  if (axes.length < 3) {
    const which = axes.length === 0 ? "" : ` (${axes.map((k) => esc(k.key)).join(", ")})`;
    return `<p class="note">The radar chart needs at least three scores in [0, 1] where higher is better; these results have ${axes.length}${which}.</p>`;
  }
  const values = models.map((m) => axes.map((k) => scoreOf(m.scores, k)?.mean ?? null));
  const missing = chart.flatMap((m, j) =>
    axes.flatMap((k, i) => (values[j]?.[i] === null ? [`${m.name}: ${k.key}`] : [])),
  );
  const svg = radarChart({
    axes: axes.map((k) => `${k.algorithm} · ${k.score}`),
    models: chart.map((m, j) => ({ ...m, values: values[j] ?? [] })),
  });
  const note =
    missing.length === 0
      ? ""
      : `<p class="note">No value, drawn at the centre: ${missing.map((t) => esc(t)).join("; ")}.</p>`;
  return `${svg}\n<p class="caption">Overall means of the scores in [0, 1] where higher is better: outward is better.</p>${note}`;
}

function categorySection(
  models: readonly ModelSummary[],
  chart: readonly ChartModel[],
  keys: readonly ScoreKey[],
): string {
  const charts = keys.flatMap((k) => {
    const categories = [
      ...new Set(
        models.flatMap((m) =>
          Object.entries(m.categories)
            .filter(([, s]) => scoreOf(s, k) !== undefined)
            .map(([c]) => c),
        ),
      ),
    ].sort();
    if (categories.length === 0) return [];
    return [
      categoryBarChart({
        label: `${k.algorithm} · ${k.score}`,
        models: chart,
        rows: categories.map((category) => ({
          category,
          scores: models.map((m) => scoreOf(m.categories[category], k)),
        })),
      }),
    ];
  });
  if (charts.length === 0) {
    return `<p class="note">No per-category scores: the records had no category (see the dataset's <code>category</code> location).</p>`;
  }
  return `<p class="caption">Mean per category; whiskers span the 95% confidence interval.</p>\n<div class="charts">\n${charts.join("\n")}\n</div>`;
}

function paramsTable(params: Record<string, JsonValue>): string {
  const rows = Object.entries(params).map(
    ([k, v]) =>
      `<tr><th scope="row">${esc(k)}</th><td>${esc(typeof v === "string" ? v : JSON.stringify(v))}</td></tr>`,
  );
  return rows.length === 0
    ? ""
    : `<h2>Parameters</h2>\n<table class="params" aria-label="Parameters">${rows.join("")}</table>`;
}

const STYLE =
  "body{font-family:sans-serif;margin:24px;color:#222}" +
  "table{border-collapse:collapse;margin:8px 0 16px}" +
  "th,td{border:1px solid #ccc;padding:4px 8px;text-align:right}" +
  "th{background:#f4f4f4}thead th:first-child{text-align:left}" +
  "tbody th,table.params td{text-align:left;font-weight:normal}" +
  "td.best{background:#fff2cc;font-weight:bold}td.failed{color:#c00;font-weight:bold}" +
  "td.missing{color:#888}.ci{color:#555}.n{color:#777;font-size:smaller;font-weight:normal}" +
  ".dir{color:#777;font-size:smaller}" +
  ".swatch{display:inline-block;width:10px;height:10px;margin-right:6px}" +
  ".meta,.caption,.note{color:#555}.note{font-style:italic}" +
  ".charts{display:flex;flex-wrap:wrap;gap:12px 12px}svg{display:block;margin:8px 0}";

/**
 * Renders evaluation results as one self-contained HTML page comparing the models: a score
 * table (mean ± half the 95% interval and the records scored, per model, the best highlighted),
 * a radar chart over the scores in [0, 1], and horizontal bars per category with confidence
 * whiskers. CSS and SVG are inline: no scripts, stylesheets, fonts or images are fetched, so the
 * file opens offline and can be attached anywhere. Every string from the results is escaped.
 *
 * Takes one result, several (one per model, in column order), or an {@link EvaluationSummary}
 * (whose title, dataset, date and parameters it shows).
 *
 * @example
 * ```ts
 * const html = renderEvaluationHtml([resultA, resultB], {
 *   title: "QA: nova-lite vs haiku",
 *   dataset: "qa.jsonl",
 *   scores: ["qa_accuracy.f1_score", "qa_accuracy.exact_match_score"],
 * });
 * await writeFile("report.html", html);
 * ```
 */
export function renderEvaluationHtml(
  input: EvaluationReportInput,
  options: EvaluationHtmlOptions = {},
): string {
  const o = parseOptions(optionsSchema, options, SUBJECT);
  const summary = isEvaluationSummary(input) ? input : undefined;
  const models = toModelSummaries(
    summary ? summary.models : (input as ModelResult | readonly ModelResult[]),
    "renderEvaluationHtml input",
  );
  const title = o.title ?? summary?.title ?? "fmops evaluation";
  const dataset = o.dataset ?? summary?.dataset;
  const createdAt = o.createdAt?.toISOString() ?? summary?.createdAt ?? new Date().toISOString();

  const all = scoreKeys(models);
  const keys = o.scores ? pickScoreKeys(all, o.scores, "scores", SUBJECT) : all;
  const lower = new Set(
    o.lowerIsBetter
      ? pickScoreKeys(all, o.lowerIsBetter, "lowerIsBetter", SUBJECT).map((k) => k.key)
      : all.filter((k) => k.algorithm === "toxicity").map((k) => k.key),
  );
  const chart: ChartModel[] = displayNames(models).map((name, i) => ({
    name,
    color: COLORS[i % COLORS.length] as string,
    dashed: i >= COLORS.length,
  }));

  const version =
    summary && summary.fmopsVersion !== VERSION
      ? `fmops ${VERSION} (results from fmops ${summary.fmopsVersion})`
      : `fmops ${VERSION}`;
  const meta = [
    dataset === undefined ? undefined : `Dataset <b>${htmlText(dataset, 120)}</b>`,
    `created ${esc(createdAt)}`,
    `${models.length} model${models.length === 1 ? "" : "s"}`,
    esc(version),
  ].filter((s) => s !== undefined);

  const body =
    models.length === 0
      ? `<p class="note">No results to report.</p>`
      : `<h2>Scores</h2>
<p class="caption">Mean over the scored records ± half the 95% confidence interval (Student's t); n = records scored. The best model per score is highlighted.</p>
${scoreTable(models, chart, keys, lower)}
<h2>Model comparison</h2>
${radarSection(models, chart, keys, lower)}
<h2>Scores per category</h2>
${categorySection(models, chart, keys)}`;

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>${STYLE}</style>
</head><body>
<h1>${esc(title)}</h1>
<p class="meta">${meta.join(" · ")}</p>
${body}
${summary?.params ? paramsTable(summary.params) : ""}
</body></html>
`;
}
