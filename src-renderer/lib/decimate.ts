// Point reduction for drawing: a canvas a few thousand pixels wide cannot show more than a few
// points per pixel column, so long series are reduced before Chart.js sees them. Min-max per
// bucket keeps every spike (a latency outlier must not vanish when zoomed out).

export interface Point { x: number; y: number }

/**
 * At most ~2*buckets points of xs/ys (same length, xs ascending): for each of `buckets` equal
 * runs of indices, the first point, the minimum and the maximum in order, and the last point of
 * the whole series. Returns every point when there are no more than 2*buckets.
 */
export function minMaxDecimate(xs: ArrayLike<number>, ys: ArrayLike<number>, buckets: number): Point[] {
  const n = Math.min(xs.length, ys.length);
  if (n <= 2 * buckets || buckets < 1) return Array.from({ length: n }, (_, i) => ({ x: xs[i]!, y: ys[i]! }));
  const out: Point[] = [];
  const size = n / buckets;
  for (let b = 0; b < buckets; b++) {
    const start = Math.floor(b * size);
    const end = Math.min(n, Math.floor((b + 1) * size));
    let lo = start, hi = start;
    for (let i = start + 1; i < end; i++) {
      if (ys[i]! < ys[lo]!) lo = i;
      if (ys[i]! > ys[hi]!) hi = i;
    }
    const first = Math.min(lo, hi), second = Math.max(lo, hi);
    out.push({ x: xs[first]!, y: ys[first]! });
    if (second !== first) out.push({ x: xs[second]!, y: ys[second]! });
  }
  const last = out[out.length - 1];
  if (last && last.x !== xs[n - 1]) out.push({ x: xs[n - 1]!, y: ys[n - 1]! });
  return out;
}

/** Pairs xs with ys as Chart.js points (the shorter array decides the length). */
export function toPoints(xs: ArrayLike<number>, ys: ArrayLike<number>): Point[] {
  const n = Math.min(xs.length, ys.length);
  return Array.from({ length: n }, (_, i) => ({ x: xs[i]!, y: ys[i]! }));
}
