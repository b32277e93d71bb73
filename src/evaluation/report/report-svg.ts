/**
 * Inline SVG charts of the evaluation report: per-category horizontal bars with confidence
 * whiskers, and a radar chart comparing models. Plain markup, every string escaped, no scripts.
 *
 * @module
 */
import { esc } from "../../core/internal.js";
import { formatInterval, type SummaryScore } from "./report.js";

/** A model as drawn: its (possibly shortened) display name and colour. */
export interface ChartModel {
  /** Display name, unique within the report. */
  name: string;
  /** Fill and stroke colour (`#rrggbb`). */
  color: string;
  /** Draw its outline dashed: set once the palette repeats, so repeated colours stay apart. */
  dashed: boolean;
}

/**
 * Geometry of {@link categoryBarChart}, in SVG pixels. Bars start at `plotLeft` (the value 0)
 * and a bar of the axis maximum ends at `plotRight`; bar `j` of category `i` has its top at
 * `top + i * (models * barStep + groupGap) + j * barStep`, where `top` follows the legend
 * (`legendTop + legendRows * legendRowHeight + 8`).
 *
 * @internal
 */
export const BAR_CHART = {
  width: 600,
  plotLeft: 170,
  plotRight: 520,
  barHeight: 12,
  barStep: 15,
  groupGap: 12,
  legendTop: 22,
  legendRowHeight: 14,
  legendColumns: 4,
  legendColumnWidth: 150,
} as const;

/**
 * Geometry of {@link radarChart}: axis `i` of `k` points at angle `-90° + i · 360° / k`
 * (clockwise from the top, as SVG's y grows downwards) from the centre (`cx`, `cy`); a value `v`
 * in [0, 1] lies `v · radius` out along it.
 *
 * @internal
 */
export const RADAR_CHART = {
  width: 820,
  minHeight: 400,
  cx: 330,
  cy: 205,
  radius: 140,
  legendLeft: 660,
  legendTop: 40,
  legendRowHeight: 18,
} as const;

const CATEGORY_CHARS = 26;
const LEGEND_CHARS = 20;
const AXIS_CHARS = 28;

/**
 * `text` cut to `max` characters (code points, so no emoji is split) with an ellipsis;
 * `truncated` says whether it was cut.
 *
 * @internal
 */
export function truncate(text: string, max: number): { text: string; truncated: boolean } {
  const chars = Array.from(text);
  if (chars.length <= max) return { text, truncated: false };
  return { text: `${chars.slice(0, max - 1).join("")}…`, truncated: true };
}

/** SVG `<text>` content: escaped, cut to `max` with the whole text as its tooltip. */
function svgText(text: string, max: number): string {
  const t = truncate(text, max);
  return t.truncated ? `${esc(t.text)}<title>${esc(text)}</title>` : esc(text);
}

/**
 * A score for display: 3 decimals below 100, 1 above (LLM judge scores run to 10, counts
 * higher), `–` when missing; never `-0.000`.
 *
 * @internal
 */
export function formatScore(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return "–";
  const s = Math.abs(v) >= 100 ? v.toFixed(1) : v.toFixed(3);
  return /^-0\.0*$/.test(s) ? s.slice(1) : s;
}

const round = (v: number) => Number(v.toFixed(2));

/** The smallest 1, 2, ..., 9 times a power of ten at or above `v` (> 0). */
function niceCeil(v: number): number {
  const step = 10 ** Math.floor(Math.log10(v));
  return Math.ceil(v / step - 1e-9) * step;
}

/** One bar chart's input. */
export interface BarChartInput {
  /** What the chart shows, e.g. `qa_accuracy · f1`. */
  label: string;
  /** The models, one bar each per category. */
  models: readonly ChartModel[];
  /** Categories (one group of bars each) with each model's score, `undefined` when missing. */
  rows: readonly {
    /** The category. */
    category: string;
    /** Per model, in `models` order. */
    scores: readonly (SummaryScore | undefined)[];
  }[];
}

function legend(models: readonly ChartModel[]): string {
  const { legendTop, legendRowHeight, legendColumns, legendColumnWidth } = BAR_CHART;
  return models
    .map((m, j) => {
      const x = (j % legendColumns) * legendColumnWidth;
      const y = legendTop + Math.floor(j / legendColumns) * legendRowHeight;
      return `<rect x="${x}" y="${y}" width="10" height="10" fill="${m.color}"/><text x="${x + 14}" y="${y + 9}">${svgText(m.name, LEGEND_CHARS)}</text>`;
    })
    .join("");
}

/**
 * Horizontal bars of one score per category: one group per category, one bar per model in its
 * colour, a whisker over the 95% interval and the mean written after it. Scores in [0, 1] use
 * the axis 0-1; others an axis from 0 (or the lowest negative mean) to a round number above the
 * highest mean. Whiskers past the axis are cut at its end, without the end cap.
 */
export function categoryBarChart(input: BarChartInput): string {
  const g = BAR_CHART;
  const m = input.models.length;
  const means = input.rows.flatMap((r) =>
    r.scores.map((s) => s?.mean).filter((v): v is number => typeof v === "number"),
  );
  let lo = 0;
  let hi = 1;
  if (means.some((v) => v < 0 || v > 1)) {
    const max = Math.max(...means);
    const min = Math.min(...means);
    hi = max > 0 ? niceCeil(max) : 0;
    lo = min < 0 ? -niceCeil(-min) : 0;
    if (hi === lo) hi = lo + 1;
  }
  const clamp = (v: number) => Math.min(hi, Math.max(lo, v));
  const x = (v: number) => g.plotLeft + ((clamp(v) - lo) / (hi - lo)) * (g.plotRight - g.plotLeft);
  const top = g.legendTop + Math.ceil(m / g.legendColumns) * g.legendRowHeight + 8;
  const groupStep = m * g.barStep + g.groupGap;
  const plotBottom = top + input.rows.length * groupStep - g.groupGap + 2;
  const height = plotBottom + 22;

  const ticks = [0, 0.25, 0.5, 0.75, 1]
    .map((t) => {
      const v = lo + t * (hi - lo);
      const tx = round(x(v));
      return `<line x1="${tx}" x2="${tx}" y1="${top - 2}" y2="${plotBottom}" stroke="#eee"/><text x="${tx}" y="${plotBottom + 14}" text-anchor="middle" fill="#555">${round(v)}</text>`;
    })
    .join("");

  const groups = input.rows
    .map((row, i) => {
      const groupTop = top + i * groupStep;
      const label = `<text x="${g.plotLeft - 6}" y="${groupTop + (m * g.barStep - 3) / 2 + 4}" text-anchor="end">${svgText(row.category, CATEGORY_CHARS)}</text>`;
      const bars = input.models.map((model, j) => {
        const s = row.scores[j];
        const y = groupTop + j * g.barStep;
        const x0 = x(0);
        if (s === undefined || s.mean === null) {
          return `<text x="${round(x0 + 4)}" y="${y + 10}" font-size="10" fill="#888">no value</text>`;
        }
        const xv = x(s.mean);
        const interval = formatInterval(s, formatScore);
        const tip = `${model.name} · ${row.category}: ${formatScore(s.mean)}${interval === null ? "" : ` ${interval}`} (n=${s.count})`;
        let out = `<rect x="${round(Math.min(x0, xv))}" y="${y}" width="${round(Math.abs(xv - x0))}" height="${g.barHeight}" fill="${model.color}"><title>${esc(tip)}</title></rect>`;
        let end = xv;
        if (s.ci95) {
          const xl = round(x(s.ci95.lower));
          const xu = round(x(s.ci95.upper));
          const caps = [
            s.ci95.lower >= lo ? ` M${xl} ${y + 3}V${y + 9}` : "",
            s.ci95.upper <= hi ? ` M${xu} ${y + 3}V${y + 9}` : "",
          ].join("");
          out += `<path d="M${xl} ${y + 6.5}H${xu}${caps}" stroke="#333" fill="none"/>`;
          end = Math.max(end, xu);
        }
        out += `<text x="${round(end + 4)}" y="${y + 10}" font-size="10">${formatScore(s.mean)}</text>`;
        return out;
      });
      return label + bars.join("");
    })
    .join("\n");

  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${esc(input.label)} by category" width="${g.width}" height="${height}" font-family="sans-serif" font-size="11">
<text x="0" y="12" font-weight="bold">${svgText(input.label, 60)} by category</text>
${legend(input.models)}
${ticks}
<line x1="${round(x(0))}" x2="${round(x(0))}" y1="${top - 2}" y2="${plotBottom}" stroke="#333"/>
<line x1="${g.plotLeft}" x2="${g.plotRight}" y1="${plotBottom}" y2="${plotBottom}" stroke="#333"/>
${groups}
</svg>`;
}

/** The radar chart's input. */
export interface RadarInput {
  /** One axis per score (at least 3), each in [0, 1]. */
  axes: readonly string[];
  /** The models with their mean on each axis (`null`: missing, drawn at the centre). */
  models: readonly (ChartModel & {
    /** Per axis, in `axes` order. */
    values: readonly (number | null)[];
  })[];
}

/**
 * A radar (spider) chart: one axis per score from 0 at the centre to 1 at the rim, rings at
 * 0.25 steps, one translucent polygon per model with a dot on each axis, and a legend.
 */
export function radarChart(input: RadarInput): string {
  const g = RADAR_CHART;
  const k = input.axes.length;
  const angle = (i: number) => -Math.PI / 2 + (2 * Math.PI * i) / k;
  const at = (v: number, i: number): [number, number] => [
    round(g.cx + g.radius * v * Math.cos(angle(i))),
    round(g.cy + g.radius * v * Math.sin(angle(i))),
  ];
  const ring = (r: number) => input.axes.map((_, i) => at(r, i).join(",")).join(" ");
  const rings = [0.25, 0.5, 0.75, 1]
    .map(
      (r) =>
        `<polygon points="${ring(r)}" fill="none" stroke="#ddd"/><text x="${g.cx + 4}" y="${round(g.cy - g.radius * r + 12)}" font-size="9" fill="#999">${r}</text>`,
    )
    .join("");
  const axes = input.axes
    .map((label, i) => {
      const [ex, ey] = at(1, i);
      const [lx, ly] = at(1 + 12 / g.radius, i);
      const cos = Math.cos(angle(i));
      const sin = Math.sin(angle(i));
      const anchor = cos > 0.3 ? "start" : cos < -0.3 ? "end" : "middle";
      const dy = sin < -0.3 ? -2 : sin > 0.3 ? 10 : 4;
      return `<line x1="${g.cx}" y1="${g.cy}" x2="${ex}" y2="${ey}" stroke="#ccc"/><text x="${lx}" y="${round(ly + dy)}" text-anchor="${anchor}">${svgText(label, AXIS_CHARS)}</text>`;
    })
    .join("");
  const polygons = input.models
    .map((m) => {
      const points = m.values.map((v, i) => at(v ?? 0, i).join(",")).join(" ");
      const dash = m.dashed ? ' stroke-dasharray="6 3"' : "";
      return `<polygon points="${points}" fill="${m.color}" fill-opacity="0.12" stroke="${m.color}" stroke-width="2" stroke-linejoin="round"${dash}><title>${esc(m.name)}</title></polygon>`;
    })
    .join("\n");
  // Dots after every polygon, so no later outline covers an earlier model's dot.
  const dots = input.models
    .map((m) =>
      m.values
        .map((v, i) => {
          if (v === null) return "";
          const [px, py] = at(v, i);
          return `<circle cx="${px}" cy="${py}" r="3.5" fill="${m.color}"><title>${esc(`${m.name} · ${input.axes[i]}: ${formatScore(v)}`)}</title></circle>`;
        })
        .join(""),
    )
    .join("\n");
  const legendItems = input.models
    .map((m, j) => {
      const y = g.legendTop + j * g.legendRowHeight;
      return `<rect x="${g.legendLeft}" y="${y}" width="10" height="10" fill="${m.color}"/><text x="${g.legendLeft + 16}" y="${y + 9}">${svgText(m.name, LEGEND_CHARS)}</text>`;
    })
    .join("");
  const height = Math.max(g.minHeight, g.legendTop + input.models.length * g.legendRowHeight + 10);
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="Model comparison radar" width="${g.width}" height="${height}" font-family="sans-serif" font-size="11">
<text x="0" y="12" font-weight="bold">Model comparison (overall means, 0 at the centre, 1 at the rim)</text>
${rings}
${axes}
${polygons}
${dots}
${legendItems}
</svg>`;
}

/** One row of a {@link differenceChart}: a score's mean paired difference and its interval. */
export interface DifferenceRow {
  /** The score, e.g. `qa_accuracy · f1_score`. */
  label: string;
  /** Mean of `candidate − baseline`; not finite when no record paired. */
  mean: number;
  /** The 95% interval, `null` with fewer than two pairs. */
  ci95: { lower: number; upper: number } | null;
}

/** Geometry of the difference chart. */
export const DIFF_CHART = {
  width: 600,
  plotLeft: 190,
  plotRight: 560,
  rowStep: 22,
  top: 20,
} as const;

/**
 * A forest plot of paired differences: one row per score, a dot at the mean difference and a
 * line over its 95% interval, around a vertical zero line, so an interval that does not cross
 * zero stands out. The axis is symmetric around zero and spans the widest interval (at least
 * ±0.1); rows without a finite mean show only their label.
 */
export function differenceChart(rows: readonly DifferenceRow[]): string {
  const g = DIFF_CHART;
  const extent = Math.max(
    0.1,
    ...rows
      .flatMap((r) =>
        [r.mean, r.ci95?.lower, r.ci95?.upper].filter(
          (v): v is number => v !== undefined && Number.isFinite(v),
        ),
      )
      .map(Math.abs),
  );
  const span = niceCeil(extent);
  const x = (v: number) =>
    round(g.plotLeft + ((v + span) / (2 * span)) * (g.plotRight - g.plotLeft));
  const height = g.top + rows.length * g.rowStep + 24;
  const zero = x(0);
  const body = rows.map((r, i) => {
    const y = g.top + i * g.rowStep + g.rowStep / 2;
    const label = `<text x="${g.plotLeft - 8}" y="${y + 4}" text-anchor="end">${svgText(r.label, AXIS_CHARS)}</text>`;
    if (!Number.isFinite(r.mean)) return label;
    const ci =
      r.ci95 && Number.isFinite(r.ci95.lower) && Number.isFinite(r.ci95.upper)
        ? `<line class="ci" x1="${x(r.ci95.lower)}" x2="${x(r.ci95.upper)}" y1="${y}" y2="${y}" stroke="#333" stroke-width="2"/>`
        : "";
    const title = `<title>${esc(`${r.label}: ${formatScore(r.mean)}`)}</title>`;
    return `${label}${ci}<circle cx="${x(r.mean)}" cy="${y}" r="4" fill="#1f77b4">${title}</circle>`;
  });
  const axisY = g.top + rows.length * g.rowStep + 14;
  return `<svg class="diff-chart" xmlns="http://www.w3.org/2000/svg" width="${g.width}" height="${height}" viewBox="0 0 ${g.width} ${height}" font-size="11" font-family="sans-serif" role="img" aria-label="Paired differences with 95% intervals">
<line class="zero" x1="${zero}" x2="${zero}" y1="${g.top - 4}" y2="${axisY - 10}" stroke="#999" stroke-dasharray="3,3"/>
${body.join("\n")}
<text x="${x(-span)}" y="${axisY}" text-anchor="start">${formatScore(-span)}</text><text x="${zero}" y="${axisY}" text-anchor="middle">0</text><text x="${x(span)}" y="${axisY}" text-anchor="end">+${formatScore(span)}</text>
</svg>`;
}
