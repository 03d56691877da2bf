/** Small pure helpers for the figures: medians over rounds, percentiles, ratios, targets. */

export function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Nearest-rank percentile (p in 0..100) of an already sorted array. */
export function percentileSorted(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export function ratio(service: number, floor: number): number {
  return floor > 0 ? service / floor : NaN;
}

export interface Target {
  name: string;
  /** Human-readable rule, e.g. "≥ 0.70 × floor". */
  rule: string;
  measured: number | undefined;
  unit: string;
  pass: boolean | undefined;
}

/** `measured` compared with `limit`; undefined (not measured) is neither a pass nor a fail. */
export function target(
  name: string,
  measured: number | undefined,
  op: '>=' | '<=',
  limit: number,
  unit: string,
  rule: string,
): Target {
  const known = measured !== undefined && Number.isFinite(measured);
  const pass = known ? (op === '>=' ? measured >= limit : measured <= limit) : undefined;
  return { name, rule, measured: known ? measured : undefined, unit, pass };
}
