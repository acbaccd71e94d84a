// Latency distributions: a histogram's counts turned into the empirical CDF at the bucket edges.

/**
 * The cumulative fraction of samples at or below each bucket's upper edge, for `counts` of
 * buckets in ascending order. All zeros (no samples) gives all zeros; never divides by zero.
 */
export function cdfFromCounts(counts: readonly number[]): number[] {
  const total = counts.reduce((a, b) => a + b, 0);
  let run = 0;
  return counts.map((c) => {
    run += c;
    return total === 0 ? 0 : run / total;
  });
}

/** The smallest edge whose CDF reaches `q` (0..1), or null without samples. */
export function quantileFromCdf(edges: readonly number[], cdf: readonly number[], q: number): number | null {
  for (let i = 0; i < cdf.length; i++) if (cdf[i]! > 0 && cdf[i]! >= q) return edges[i] ?? null;
  return null;
}
