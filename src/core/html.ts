/**
 * Helpers for fmops' self-contained HTML reports (load tests in `monitoring`, evaluation reports
 * in `evaluation`): one escaping rule and one series palette, so that every report escapes the
 * same way and draws the same run or model in the same colour.
 *
 * @module
 */

/**
 * The series palette of fmops' HTML reports: one colour per run (load tests) or model
 * (evaluation reports), in order, repeating after the last.
 */
export const COLORS: readonly string[] = [
  "#1f77b4",
  "#ff7f0e",
  "#2ca02c",
  "#d62728",
  "#9467bd",
  "#8c564b",
  "#e377c2",
  "#17becf",
];

/**
 * Escapes text for HTML text content and quoted attribute values (`& < > " '`), as numeric
 * character references, which mean the same in HTML and in the SVG embedded in it.
 */
export function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
