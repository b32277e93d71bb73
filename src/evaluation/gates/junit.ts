/**
 * {@link gateReportJunit}: a {@link GateReport} as JUnit XML, the test-report format CI systems
 * (GitHub Actions, GitLab, Jenkins, CodeBuild) read.
 *
 * @module
 */
import type { GateReport } from "./gates.js";

/** Options of {@link gateReportJunit}. */
export interface GateJunitOptions {
  /** The test suite's name. Default `"fmops eval: <model id>"`. */
  suiteName?: string;
  /** When the gates were checked. Default: now. */
  timestamp?: Date;
}

// XML 1.0 cannot hold most control characters even escaped: drop them.
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters removed
const INVALID_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g;

function xml(text: string): string {
  return text
    .replace(INVALID_XML, "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

/**
 * The gates' verdicts as a JUnit XML document: one test suite, one test case per gate (named as
 * the gate is written), a `<failure>` with the numbers for each gate that failed.
 *
 * @example
 * ```ts
 * await writeFile("gates.xml", gateReportJunit(checkGates(summary, gates, { baseline })));
 * ```
 */
export function gateReportJunit(report: GateReport, options: GateJunitOptions = {}): string {
  const failures = report.verdicts.filter((v) => !v.passed).length;
  const tests = report.verdicts.length;
  const suite = options.suiteName ?? `fmops eval: ${report.modelId}`;
  const timestamp = (options.timestamp ?? new Date()).toISOString().replace(/\.\d+Z$/, "");
  const cases = report.verdicts.map((v) => {
    const open = `    <testcase classname="fmops.eval.gates" name="${xml(v.name)}"`;
    if (v.passed) return `${open}/>`;
    return `${open}>\n      <failure message="${xml(v.detail)}" type="gate">${xml(v.detail)}</failure>\n    </testcase>`;
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="fmops eval gates" tests="${tests}" failures="${failures}">`,
    `  <testsuite name="${xml(suite)}" tests="${tests}" failures="${failures}" errors="0" skipped="0" timestamp="${timestamp}">`,
    ...cases,
    "  </testsuite>",
    "</testsuites>",
    "",
  ].join("\n");
}
