/**
 * Reading a prompt back for the untrusted-data fence property tests: which lines sit outside the
 * fences, which blocks are fenced, and whether any marker-like text besides ours survived.
 */
import { expect } from "vitest";

/** Every character sequence a model or a tool might read as the end of a line. */
export const LINE_BREAK = /\r\n|[\n\r\v\f\u0085\u2028\u2029]/;

/** Anything resembling a fence marker, whatever its nonce, case or spacing. */
export const MARKER_LIKE = /<<<[^A-Za-z0-9]*(END[^A-Za-z0-9]*)?UNTRUSTED[^A-Za-z0-9]*DATA/gi;

/** One fenced block as read back. */
export interface Fenced {
  kind: string;
  n: number;
  lines: string[];
}

/**
 * Splits `prompt` into the lines outside the fences and the fenced blocks of the given kinds.
 * Fails the test when a fence is left open.
 */
export function parseFences(
  prompt: string,
  nonce: string,
  kinds: readonly string[],
): { outside: string[]; blocks: Fenced[] } {
  const open = new RegExp(`^<<<UNTRUSTED DATA ${nonce} (${kinds.join("|")}) (\\d+)>>>$`);
  const outside: string[] = [];
  const blocks: Fenced[] = [];
  let inside: Fenced | undefined;
  for (const line of prompt.split(LINE_BREAK)) {
    if (inside === undefined) {
      const m = open.exec(line);
      if (m) inside = { kind: m[1] as string, n: Number(m[2]), lines: [] };
      else outside.push(line);
    } else if (line === `<<<END UNTRUSTED DATA ${nonce} ${inside.kind} ${inside.n}>>>`) {
      blocks.push(inside);
      inside = undefined;
    } else {
      inside.lines.push(line);
    }
  }
  expect(inside, "every fence is closed").toBeUndefined();
  return { outside, blocks };
}

/** The prompt holds exactly `count` opening and `count` closing markers: ours. */
export function expectOnlyOurMarkers(prompt: string, count: number): void {
  const found = prompt.match(MARKER_LIKE) ?? [];
  expect(found.filter((m) => /END/i.test(m))).toHaveLength(count);
  expect(found).toHaveLength(2 * count);
}
