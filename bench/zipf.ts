/**
 * A Zipf sampler for the generated benchmark corpora: rank r (0-based) is drawn with probability
 * proportional to 1 / (r + 1), like word frequencies in real text. One `rand()` per draw.
 */
export function zipfRanks(size: number, rand: () => number): () => number {
  const cumulative = new Float64Array(size);
  let total = 0;
  for (let i = 0; i < size; i++) {
    total += 1 / (i + 1);
    cumulative[i] = total;
  }
  return () => {
    const x = rand() * total;
    let lo = 0;
    let hi = size - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((cumulative[mid] as number) < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}
