/**
 * {@link renderEvaluationHtml}: a self-contained HTML report comparing evaluated models.
 *
 * @module
 */
import { z } from "zod";
import { parseOptions, ValidationError } from "../../core/index.js";
import { COLORS, esc, schemaFor } from "../../core/internal.js";
import { VERSION } from "../../version.js";
import { MIN_INTERVAL_COUNT } from "../algorithms/stats.js";
import type { ComparisonResult } from "../compare/compare.js";
import type { PairedDifference } from "../compare/paired.js";
import type { JsonValue } from "../runners/content-template.js";
import {
  type EvaluationSummary,
  formatInterval,
  isEvaluationSummary,
  type ModelResult,
  type ModelSummary,
  pickScoreKeys,
  type ScoreKey,
  SMALL_SAMPLE_MARK,
  type SummaryScore,
  scoreKeys,
  toModelSummaries,
} from "./report.js";
import {
  type ChartModel,
  categoryBarChart,
  differenceChart,
  formatScore,
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

const optionsSchema = schemaFor<EvaluationHtmlOptions>()(
  z
    .object({
      title: z.string().optional(),
      dataset: z.string().optional(),
      createdAt: z.date().optional(),
      scores: z.array(z.string().min(1)).min(1).optional(),
      lowerIsBetter: z.array(z.string().min(1)).optional(),
    })
    .strict(),
);

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
  const interval = formatInterval(s, formatScore);
  const ci = interval === null ? "" : `<span class="ci"> ${interval}</span>`;
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
  "td.missing{color:#888}td.gain{background:#e3f4e0}td.drop{background:#fbe3e3}.ci{color:#555}.n{color:#777;font-size:smaller;font-weight:normal}" +
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

  const body = modelsBody(models, o);
  return page(title, meta, `${body}\n${summary?.params ? paramsTable(summary.params) : ""}`);
}

/** The whole document: inline style only, nothing fetched. */
function page(title: string, meta: readonly string[], body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>${STYLE}</style>
</head><body>
<h1>${esc(title)}</h1>
<p class="meta">${meta.join(" · ")}</p>
${body}
</body></html>
`;
}

/** The models' side-by-side sections: score table, radar chart, bars per category. */
/** The caption's notes on clipped and small-sample intervals, when a score has one. */
function intervalNotes(models: readonly ModelSummary[]): string {
  const all = models.flatMap((m) => Object.values(m.scores).flatMap((s) => Object.values(s)));
  const notes: string[] = [];
  if (all.some((s) => s.clipped === true)) {
    notes.push(" An interval in brackets, [lower, upper], was cut to the score's range.");
  }
  if (all.some((s) => s.smallSample === true)) {
    notes.push(
      ` ${SMALL_SAMPLE_MARK} marks an interval from fewer than ${MIN_INTERVAL_COUNT} records: a rough indication, not a 95% guarantee.`,
    );
  }
  return notes.join("");
}

function modelsBody(
  models: readonly ModelSummary[],
  o: Pick<EvaluationHtmlOptions, "scores" | "lowerIsBetter">,
): string {
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

  return models.length === 0
    ? `<p class="note">No results to report.</p>`
    : `<h2>Scores</h2>
<p class="caption">Mean over the scored records ± half the 95% confidence interval (Student's t); n = records scored. The best model per score is highlighted.${intervalNotes(models)}</p>
${scoreTable(models, chart, keys, lower)}
<h2>Model comparison</h2>
${radarSection(models, chart, keys, lower)}
<h2>Scores per category</h2>
${categorySection(models, chart, keys)}`;
}

/** Options of {@link renderComparisonHtml}. */
export interface ComparisonHtmlOptions extends EvaluationHtmlOptions {}

/** A signed difference for display: `+0.400`, `−0.125`, `–` when not finite. */
function signed(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return "–";
  const s = formatScore(Math.abs(v));
  return /^0\.0*$/.test(s) ? s : `${v < 0 ? "−" : "+"}${s}`;
}

const metricLabel = (metric: string): string => {
  const dot = metric.indexOf(".");
  return `${metric.slice(0, dot)} · ${metric.slice(dot + 1)}`;
};

function differenceTable(rows: readonly PairedDifference[], label: string): string {
  const body = rows.map((d) => {
    const mark = d.smallSample === true ? SMALL_SAMPLE_MARK : "";
    const ci = d.ci95 ? ` (${signed(d.ci95.lower)} to ${signed(d.ci95.upper)})${mark}` : "";
    const clear = d.ci95 !== null && (d.ci95.lower > 0 || d.ci95.upper < 0);
    const cls = clear ? ` class="${d.ci95 && d.ci95.lower > 0 ? "gain" : "drop"}"` : "";
    return `<tr><th scope="row">${htmlText(metricLabel(d.metric), SCORE_CHARS)}</th><td${cls}>${signed(d.meanDifference)}${ci}</td><td>${d.wins} / ${d.ties} / ${d.losses}</td><td>${d.count}</td><td>${d.unpaired}</td></tr>`;
  });
  return `<table class="differences" aria-label="${esc(label)}">
<thead><tr><th>Score</th><th>Mean difference (95% CI)</th><th>Wins / ties / losses</th><th>Pairs</th><th>Unpaired</th></tr></thead>
<tbody>
${body.join("\n")}
</tbody></table>`;
}

function costTable(comparison: ComparisonResult): string {
  const rows = comparison.candidates.map((c) => {
    const l = c.result.latency;
    const ms = (v: number | undefined) => (v === undefined ? "–" : v.toFixed(1));
    const cost = c.cost
      ? `${c.cost.perRecord.mean.toPrecision(3)} (total ${c.cost.total.toPrecision(4)})`
      : "–";
    return `<tr><th scope="row">${htmlText(c.name, MODEL_CHARS)}</th><td>${c.result.numRecords}</td><td${c.result.numFailed > 0 ? ' class="failed"' : ""}>${c.result.numFailed}</td><td>${ms(l?.p50)}</td><td>${ms(l?.p90)}</td><td>${ms(l?.p99)}</td><td>${cost}</td></tr>`;
  });
  return `<table class="per-record" aria-label="Latency and cost per record">
<thead><tr><th>Candidate</th><th>Records</th><th>Failed</th><th>p50 ms</th><th>p90 ms</th><th>p99 ms</th><th>Cost per record</th></tr></thead>
<tbody>
${rows.join("\n")}
</tbody></table>`;
}

function isComparison(value: unknown): value is ComparisonResult {
  const v = value as Partial<ComparisonResult> | null;
  return (
    typeof v === "object" &&
    v !== null &&
    typeof v.baseline === "string" &&
    Array.isArray(v.candidates) &&
    Array.isArray(v.differences)
  );
}

/**
 * Renders a {@link ComparisonResult} as one self-contained HTML page: the candidates side by
 * side (score table, radar, bars per category, as {@link renderEvaluationHtml}), their latency
 * and cost per record, and for each candidate its paired differences against the baseline,
 * overall and per category: the mean of `candidate − baseline` with its paired Student's t 95%
 * interval, win/tie/loss counts and how many records paired, next to a chart of the intervals
 * around zero. An interval entirely above zero is marked as a gain, entirely below as a drop.
 * No scripts, stylesheets or fonts are fetched; every string is escaped.
 *
 * @example
 * ```ts
 * const comparison = await compareCandidates({ dataset, candidates, algorithms });
 * await writeFile("compare.html", renderComparisonHtml(comparison, { title: "qa@3 vs qa@4" }));
 * ```
 */
export function renderComparisonHtml(
  comparison: ComparisonResult,
  options: ComparisonHtmlOptions = {},
): string {
  const o = parseOptions(optionsSchema, options, "renderComparisonHtml options");
  if (!isComparison(comparison)) {
    throw new ValidationError(
      "renderComparisonHtml needs the result of compareCandidates (baseline, candidates, differences).",
      [{ path: "comparison", message: "must be a comparison result" }],
    );
  }
  const models = toModelSummaries(
    comparison.candidates.map((c) => ({ ...c.result, modelId: c.name })),
    "renderComparisonHtml input",
  );
  const title = o.title ?? "fmops comparison";
  const meta = [
    o.dataset === undefined ? undefined : `Dataset <b>${htmlText(o.dataset, 120)}</b>`,
    `created ${esc(o.createdAt?.toISOString() ?? new Date().toISOString())}`,
    `${comparison.numRecords} records`,
    `${comparison.candidates.length} candidates`,
    `baseline <b>${htmlText(comparison.baseline, MODEL_CHARS)}</b>`,
    esc(`fmops ${VERSION}`),
  ].filter((s) => s !== undefined);
  // The scores asked for, in the order asked (modelsBody refuses a name no candidate has).
  const pick = (rows: readonly PairedDifference[]) =>
    o.scores ? o.scores.flatMap((m) => rows.filter((d) => d.metric === m)) : rows;

  const sections = comparison.differences.map((d) => {
    const overall = pick(d.metrics);
    const categories = Object.entries(d.categories).map(
      ([category, rows]) =>
        `<h4>Category ${htmlText(category, 60)}</h4>\n${differenceTable(pick(rows), `${d.candidate} − ${d.baseline}, ${category}`)}`,
    );
    const chart = differenceChart(
      overall.map((r) => ({ label: metricLabel(r.metric), mean: r.meanDifference, ci95: r.ci95 })),
    );
    return `<h3>${htmlText(`${d.candidate} − ${d.baseline}`, 2 * MODEL_CHARS + 3)}</h3>
${differenceTable(overall, `${d.candidate} − ${d.baseline}`)}
${chart}
${categories.length > 0 ? `<details open><summary>Per category</summary>\n${categories.join("\n")}\n</details>` : ""}`;
  });

  const body = `${modelsBody(models, o)}
<h2>Latency and cost per record</h2>
<p class="caption">Model-call latency percentiles over the records that have one; cost from each record's token counts and the candidate's prices (– without them).</p>
${costTable(comparison)}
<h2>Paired differences against ${htmlText(comparison.baseline, MODEL_CHARS)}</h2>
<p class="caption">Record by record, over the records both candidates scored (a record that failed for either is unpaired): mean of candidate − baseline with the paired Student's t 95% interval; a win is a record the candidate scored higher. Green: the interval is above zero; red: below. ${SMALL_SAMPLE_MARK} marks an interval from fewer than ${MIN_INTERVAL_COUNT} pairs: a rough indication, not a 95% guarantee.</p>
${sections.join("\n")}`;
  return page(title, meta, body);
}
