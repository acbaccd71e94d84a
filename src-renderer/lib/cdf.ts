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
