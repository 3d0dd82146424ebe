// Pure series helpers for the live charts: EMA smoothing, min/max downsampling and CSV export.
// Kept free of React so they are unit-tested in Node and cheap enough to run on every metrics update.

/** One chart row: the step and any named values (missing/NaN = no value at that step). */
export interface ChartRow {
  step: number;
  [key: string]: number;
}

/**
 * TensorBoard-style exponential moving average with bias correction (so the first points are not
 * dragged towards 0). weight ∈ [0, 1): 0 = raw values. Non-finite inputs stay NaN and do not update.
 */
export function emaSmooth(values: readonly number[], weight: number): number[] {
  if (!(weight >= 0 && weight < 1)) throw new Error(`smoothing weight must be in [0, 1) (got ${weight})`);
  // Bias-corrected EMA in update form, m_n = m_{n−1} + (1−w)/(1−wⁿ)·(x_n − m_{n−1}): the same values
  // as acc_n/(1−wⁿ), but a constant series stays exactly constant (no rounding noise for the axis to zoom into).
  let m = 0;
  let n = 0;
  return values.map((y) => {
    if (!Number.isFinite(y)) return NaN;
    n++;
    m += ((1 - weight) / (1 - weight ** n)) * (y - m);
    return m;
  });
}

/**
 * The y axis of some series: its domain and ticks, computed here because recharts' own "nice ticks"
 * (decimal.js arithmetic in CartesianGrid and YAxis) cost more main-thread time than drawing the lines.
 * Ticks are 1/2/2.5/5 × 10^k steps covering the values; a metric with a known range (a share, a rate) keeps
 * that range, widened only by values outside it; a constant series gets ±10% around its value.
 */
export function yAxis(rows: readonly ChartRow[], keys: readonly string[], range?: readonly [number, number]): { domain: [number, number]; ticks: number[] } {
  let lo = Infinity;
  let hi = -Infinity;
  for (const r of rows) {
    for (const k of keys) {
      const v = r[k];
      if (!Number.isFinite(v)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  if (range) {
    const domain: [number, number] = lo > hi ? [range[0], range[1]] : [Math.min(range[0], lo), Math.max(range[1], hi)];
    return { domain, ticks: niceTicks(domain[0], domain[1]).filter((t) => t >= domain[0] - 1e-12 && t <= domain[1] + 1e-12) };
  }
  if (lo > hi) return { domain: [0, 1], ticks: niceTicks(0, 1) };
  const scale = Math.max(Math.abs(lo), Math.abs(hi));
  if (hi - lo <= 1e-9 * Math.max(scale, 1e-12)) {
    const pad = scale > 0 ? scale * 0.1 : 1;
    lo -= pad;
    hi += pad;
  }
  const ticks = niceTicks(lo, hi);
  return { domain: [Math.min(lo, ticks[0]!), Math.max(hi, ticks[ticks.length - 1]!)], ticks };
}

/** About `count` evenly spaced round ticks (1, 2, 2.5 or 5 × 10^k apart) from ≤ lo to ≥ hi. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / Math.max(1, count - 1);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((st) => st >= raw * (1 - 1e-9))!;
  const first = Math.floor(lo / step + 1e-9) * step;
  const out: number[] = [];
  // rounding keeps 0.30000000000000004 out of the labels
  for (let i = 0; ; i++) {
    const t = Number((first + i * step).toPrecision(12));
    out.push(t);
    if (t >= hi - step * 1e-9) return out;
  }
}

/** Smooths the given keys of every row (other keys copied as they are). */
export function smoothRows(rows: readonly ChartRow[], keys: readonly string[], weight: number): ChartRow[] {
  const out = rows.map((r) => ({ ...r }));
  for (const k of keys) {
    const s = emaSmooth(rows.map((r) => (r[k] === undefined ? NaN : r[k])), weight);
    out.forEach((r, i) => {
      if (Number.isFinite(s[i])) r[k] = s[i];
    });
  }
  return out;
}

/**
 * Keeps at most `maxPoints` rows while preserving the visual envelope: rows are cut into equal
 * buckets and, per bucket, the rows holding each key's minimum and maximum survive (plus the first
 * and last row). Order is kept. Returns the input when it is already small enough.
 */
export function downsampleMinMax<R extends ChartRow>(rows: readonly R[], keys: readonly string[], maxPoints: number): R[] {
  if (!Number.isInteger(maxPoints) || maxPoints < 4) throw new Error(`maxPoints must be an integer >= 4 (got ${maxPoints})`);
  if (rows.length <= maxPoints) return rows.slice();
  const perBucket = 2 * Math.max(1, keys.length);
  const buckets = Math.max(1, Math.floor((maxPoints - 2) / perBucket));
  const keep = new Set<number>([0, rows.length - 1]);
  const inner = rows.length - 2;
  for (let b = 0; b < buckets; b++) {
    const lo = 1 + Math.floor((b * inner) / buckets);
    const hi = 1 + Math.floor(((b + 1) * inner) / buckets);
    for (const k of keys) {
      let iMin = -1;
      let iMax = -1;
      for (let i = lo; i < hi; i++) {
        const v = rows[i][k];
        if (!Number.isFinite(v)) continue;
        if (iMin < 0 || v < rows[iMin][k]) iMin = i;
        if (iMax < 0 || v > rows[iMax][k]) iMax = i;
      }
      if (iMin >= 0) keep.add(iMin);
      if (iMax >= 0) keep.add(iMax);
    }
  }
  return [...keep].sort((a, b) => a - b).map((i) => rows[i]);
}

/** Flattens `{step, values}` records into chart rows. */
export function toChartRows(records: readonly { step: number; values: Record<string, number> }[]): ChartRow[] {
  return records.map((r) => ({ ...r.values, step: r.step }));
}

function csvCell(v: unknown): string {
  if (v === undefined || v === null || (typeof v === 'number' && !Number.isFinite(v))) return '';
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** RFC 4180 CSV: a header row of labels, then one line per row (missing values empty). */
export function toCsv(columns: readonly { key: string; label: string }[], rows: readonly Record<string, unknown>[]): string {
  const lines = [columns.map((c) => csvCell(c.label)).join(',')];
  for (const r of rows) lines.push(columns.map((c) => csvCell(r[c.key])).join(','));
  return lines.join('\r\n') + '\r\n';
}

/** Prefix under which prepareChart keeps each point's raw (unsmoothed) value, for the tooltip. */
export const RAW = 'raw:';

export interface PreparedChart {
  /** At most maxPoints rows: smoothed values under each key, raw values under RAW + key. */
  data: ChartRow[];
  /** Steps that have a value for any of the keys. */
  steps: number;
}

/**
 * Everything a chart draws, computed once per metrics change: rows without any of the keys are
 * dropped, values smoothed, then downsampled on the smoothed values (the raw ones ride along).
 */
export function prepareChart(rows: readonly ChartRow[], keys: readonly string[], smoothing: number, maxPoints: number): PreparedChart {
  const present = rows.filter((r) => keys.some((k) => Number.isFinite(r[k])));
  const smooth = keys.map((k) => emaSmooth(present.map((r) => (r[k] === undefined ? NaN : r[k])), smoothing));
  const merged = present.map((r, i) => {
    const out: ChartRow = { step: r.step };
    keys.forEach((k, j) => {
      if (!Number.isFinite(r[k])) return;
      out[k] = smooth[j][i];
      out[RAW + k] = r[k];
    });
    return out;
  });
  return { data: downsampleMinMax(merged, keys, maxPoints), steps: present.length };
}
