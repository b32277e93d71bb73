/**
 * A self-contained HTML report of a load test: tables and inline SVG charts, no scripts, no
 * external assets, so it opens anywhere and can be attached to a ticket.
 *
 * @module
 */
import { COLORS, esc } from "../core/internal.js";
import type { LoadTestResult, RunComparison } from "./load-test.js";

/** Options for {@link renderLoadTestHtml}. */
export interface HtmlReportOptions {
  /** Page title and heading (HTML-escaped). Default `fmops load test`. */
  title?: string;
  /** Comparisons from `compareRuns`, shown as tables of relative change. */
  comparisons?: RunComparison[];
}

const CHARTED = [
  ["ttftMs", "Time to first token (ms)"],
  ["e2eMs", "End-to-end latency (ms)"],
  ["otps", "Output tokens per second (after first token)"],
] as const;

function fmt(n: number | undefined, digits = 1): string {
  return n === undefined || !Number.isFinite(n) ? "–" : n.toFixed(digits);
}

/** An empirical CDF chart: one line per run, x = value, y = share of calls at or below it. */
function cdfChart(
  result: LoadTestResult,
  field: "ttftMs" | "e2eMs" | "otps",
  label: string,
): string {
  const width = 640;
  const height = 260;
  const pad = { left: 50, right: 160, top: 20, bottom: 40 };
  const series = result.runs.map((run, i) => ({
    name: `${run.config} @${run.concurrency}`,
    color: COLORS[i % COLORS.length] as string,
    values: run.records
      .filter((r) => r.status === "ok")
      .map((r) => r[field])
      .filter((v): v is number => v !== undefined && Number.isFinite(v))
      .sort((a, b) => a - b),
  }));
  const all = series.flatMap((s) => s.values);
  if (all.length === 0) return `<p>No ${esc(label)} values.</p>`;
  const max = Math.max(...all) || 1;
  const x = (v: number) => pad.left + (v / max) * (width - pad.left - pad.right);
  const y = (p: number) => height - pad.bottom - p * (height - pad.top - pad.bottom);
  const lines = series
    .filter((s) => s.values.length > 0)
    .map((s, i) => {
      const points = s.values.map(
        (v, j) => `${x(v).toFixed(1)},${y((j + 1) / s.values.length).toFixed(1)}`,
      );
      const legendY = pad.top + 16 * i;
      return `<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${x(0).toFixed(1)},${y(0).toFixed(1)} ${points.join(" ")}"/>
<rect x="${width - pad.right + 10}" y="${legendY}" width="10" height="10" fill="${s.color}"/><text x="${width - pad.right + 25}" y="${legendY + 9}">${esc(s.name)}</text>`;
    })
    .join("\n");
  const ticks = [0, 0.25, 0.5, 0.75, 1]
    .map(
      (t) =>
        `<text x="${x(t * max)}" y="${height - pad.bottom + 16}" text-anchor="middle">${fmt(t * max, 0)}</text><text x="${pad.left - 6}" y="${y(t) + 4}" text-anchor="end">${t * 100}%</text><line x1="${pad.left}" x2="${width - pad.right}" y1="${y(t)}" y2="${y(t)}" stroke="#eee"/>`,
    )
    .join("");
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${esc(label)} distribution" width="${width}" height="${height}" font-family="sans-serif" font-size="11">
<text x="${pad.left}" y="12" font-weight="bold">${esc(label)}: share of calls at or below</text>
${ticks}
<line x1="${pad.left}" x2="${width - pad.right}" y1="${y(0)}" y2="${y(0)}" stroke="#333"/>
${lines}
</svg>`;
}

/** A grouped bar chart of p50 / p90 / p99 per run. */
function percentileChart(result: LoadTestResult, field: string, label: string): string {
  const rows = result.runs
    .map((run) => ({ name: `${run.config} @${run.concurrency}`, m: run.summary.metrics[field] }))
    .filter((r) => r.m !== undefined);
  if (rows.length === 0) return "";
  const width = 640;
  const rowHeight = 54;
  const height = rows.length * rowHeight + 30;
  const left = 170;
  const max = Math.max(...rows.map((r) => r.m?.p99 ?? 0)) || 1;
  const bars = rows
    .map((r, i) => {
      const top = 24 + i * rowHeight;
      const stats = [
        ["p50", r.m?.p50 ?? 0, "#9ecae1"],
        ["p90", r.m?.p90 ?? 0, "#4292c6"],
        ["p99", r.m?.p99 ?? 0, "#08519c"],
      ] as const;
      return `<text x="${left - 6}" y="${top + 22}" text-anchor="end">${esc(r.name)}</text>${stats
        .map(([name, v, color], j) => {
          const w = (v / max) * (width - left - 80);
          return `<rect x="${left}" y="${top + j * 15}" width="${w.toFixed(1)}" height="13" fill="${color}"/><text x="${left + w + 4}" y="${top + j * 15 + 10}">${name} ${fmt(v)}</text>`;
        })
        .join("")}`;
    })
    .join("\n");
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${esc(label)} percentiles" width="${width}" height="${height}" font-family="sans-serif" font-size="11">
<text x="0" y="12" font-weight="bold">${esc(label)}: p50, p90, p99</text>
${bars}
</svg>`;
}

function summaryTable(result: LoadTestResult): string {
  const head =
    "<tr><th>Config</th><th>Concurrency</th><th>Calls</th><th>Errors</th><th>Req/s</th><th>TTFT p50</th><th>TTFT p90</th><th>E2E p50</th><th>E2E p90</th><th>E2E p99</th><th>OTPS p50</th></tr>";
  const rows = result.runs
    .map((run) => {
      const m = run.summary.metrics;
      return `<tr><td>${esc(run.config)}</td><td>${run.concurrency}</td><td>${run.summary.count}</td><td>${(run.summary.errorRate * 100).toFixed(1)}%</td><td>${fmt(run.requestsPerSecond, 2)}</td><td>${fmt(m.ttftMs?.p50)}</td><td>${fmt(m.ttftMs?.p90)}</td><td>${fmt(m.e2eMs?.p50)}</td><td>${fmt(m.e2eMs?.p90)}</td><td>${fmt(m.e2eMs?.p99)}</td><td>${fmt(m.otps?.p50)}</td></tr>`;
    })
    .join("\n");
  return `<table>${head}\n${rows}</table>`;
}

function comparisonTable(comparisons: RunComparison[]): string {
  const pct = (v: number) =>
    Number.isFinite(v) ? `${v > 0 ? "+" : ""}${(v * 100).toFixed(1)}%` : "–";
  return comparisons
    .map((c) => {
      const rows = c.metrics
        .filter((m) => ["ttftMs", "e2eMs", "otps", "e2eOtps"].includes(m.metric))
        .map(
          (m) =>
            `<tr><td>${esc(m.metric)}</td><td>${pct(m.change.mean)}</td><td>${pct(m.change.p50)}</td><td>${pct(m.change.p90)}</td><td>${pct(m.change.p99)}</td></tr>`,
        )
        .join("");
      return `<h3>${esc(c.candidate)} vs ${esc(c.baseline)} at concurrency ${c.concurrency}</h3><table><tr><th>Metric</th><th>mean</th><th>p50</th><th>p90</th><th>p99</th></tr>${rows}</table>`;
    })
    .join("\n");
}

/**
 * Renders a load test as one self-contained HTML page: a summary table, latency distribution
 * (CDF) charts for TTFT, end-to-end latency and OTPS, percentile bars, and optional comparison
 * tables. Inline SVG only: no scripts, stylesheets, fonts or images are fetched.
 *
 * @example
 * ```ts
 * await writeFile("report.html", renderLoadTestHtml(result, { comparisons: compareRuns(result, "standard", "optimized") }));
 * ```
 */
export function renderLoadTestHtml(
  result: LoadTestResult,
  options: HtmlReportOptions = {},
): string {
  const title = options.title ?? "fmops load test";
  const charts = CHARTED.map(
    ([field, label]) =>
      `<section><h2>${esc(label)}</h2>${cdfChart(result, field, label)}${percentileChart(result, field, label)}</section>`,
  ).join("\n");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>body{font-family:sans-serif;margin:24px;color:#222}table{border-collapse:collapse;margin:8px 0 16px}th,td{border:1px solid #ccc;padding:4px 8px;text-align:right}th{background:#f4f4f4}td:first-child{text-align:left}svg{display:block;margin:8px 0}</style>
</head><body>
<h1>${esc(title)}</h1>
<p>Started ${esc(new Date(result.startTime).toISOString())}. Latency statistics cover successful calls; error rates cover all calls.</p>
${summaryTable(result)}
${options.comparisons && options.comparisons.length > 0 ? `<h2>Comparison</h2>${comparisonTable(options.comparisons)}` : ""}
${charts}
</body></html>
`;
}
