// Metrics of the run shown in the Training panel: loaded from persistence, or appended live by the
// trainer's metric events (call useMetrics.getState().append(step, values) per step).
import { create } from 'zustand';
import type { MetricEvent } from '../../rl/metrics.ts';
import type { ChartRow } from '../charts/series.ts';
import { flattenMetricEvent } from '../../persist/metric-rows.ts';

interface MetricsState {
  runId: string | null;
  /** Steps the shown run is configured for (progress/ETA), when known. */
  totalSteps: number | null;
  rows: ChartRow[];
  smoothing: number;
  show(runId: string | null, records: readonly { step: number; values: Record<string, number> }[], totalSteps?: number | null): void;
  append(step: number, values: Record<string, number>): void;
  /** A trainer event: step/eval events add (merge into) their step's row; others are ignored. */
  ingest(event: MetricEvent): void;
  setSmoothing(weight: number): void;
}

/** Inserts or replaces the row for `step`, keeping rows ordered by step (appending is O(1)). */
export function upsertRow(rows: ChartRow[], step: number, values: Record<string, number>): ChartRow[] {
  const row: ChartRow = { ...values, step };
  const last = rows[rows.length - 1];
  if (!last || step > last.step) return [...rows, row];
  const i = rows.findIndex((r) => r.step >= step);
  const next = rows.slice();
  if (rows[i].step === step) next[i] = row;
  else next.splice(i, 0, row);
  return next;
}

export const useMetrics = create<MetricsState>((set, get) => ({
  runId: null,
  totalSteps: null,
  rows: [],
  smoothing: 0.6,
  show: (runId, records, totalSteps = null) => set({ runId, totalSteps, rows: records.map((r) => ({ ...r.values, step: r.step })).sort((a, b) => a.step - b.step) }),
  append: (step, values) => set({ rows: upsertRow(get().rows, step, values) }),
  ingest: (event) => {
    const flat = flattenMetricEvent(event);
    if (!flat) return;
    const prior = get().rows.find((r) => r.step === flat.step);
    set({ rows: upsertRow(get().rows, flat.step, { ...prior, ...flat.values }) });
  },
  setSmoothing: (weight) => {
    if (!(weight >= 0 && weight < 1)) throw new Error(`smoothing must be in [0, 1) (got ${weight})`);
    set({ smoothing: weight });
  },
}));
