/**
 * "Did you mean ...?" for mistyped names: the closest candidate by edit distance, or none when
 * nothing is close enough to be a plausible typo.
 *
 * @module
 */

/**
 * Edit distance between `a` and `b`: insertions, deletions, substitutions and swaps of two
 * neighbouring characters each count one (optimal string alignment). Case is ignored, so a name
 * that differs only in case (`endpointname` for `endpointName`) is at distance 0 and suggested.
 */
function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  // Three rows are enough: the swap rule looks two rows back.
  let twoBack = new Array<number>(t.length + 1).fill(0);
  let previous = Array.from({ length: t.length + 1 }, (_, j) => j);
  for (let i = 1; i <= s.length; i++) {
    const current = new Array<number>(t.length + 1).fill(0);
    current[0] = i;
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      let best = Math.min(
        (previous[j] as number) + 1,
        (current[j - 1] as number) + 1,
        (previous[j - 1] as number) + cost,
      );
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) {
        best = Math.min(best, (twoBack[j - 2] as number) + 1);
      }
      current[j] = best;
    }
    twoBack = previous;
    previous = current;
  }
  return previous[t.length] as number;
}

/**
 * The candidate closest to `word`, or `undefined` when none is within a typo's reach: at most
 * two edits, or a third of the word's length for long words. A missing unit suffix
 * (`idleTimeout` for `idleTimeoutMs`) is two edits, so it is always suggested. Ties go to the
 * candidate listed first.
 *
 * @example
 * ```ts
 * closestMatch("maxAttempt", ["maxAttempts", "timeoutMs"]); // "maxAttempts"
 * ```
 */
export function closestMatch(word: string, candidates: Iterable<string>): string | undefined {
  const reach = Math.max(2, Math.floor(word.length / 3));
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    // Lengths alone bound the distance from below; skip the table when it cannot win.
    if (Math.abs(candidate.length - word.length) > Math.min(reach, bestDistance - 1)) continue;
    const distance = editDistance(word, candidate);
    if (distance <= reach && distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}
