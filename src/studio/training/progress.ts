// Step progress and ETA from the metrics rows: the run's configured step count (TrainConfig.steps)
// and the mean wall time of the recent steps ('time/step_ms').
import type { ChartRow } from '../charts/series.ts';

export interface Progress {
  /** Steps completed (last step + 1). */
  done: number;
  total: number | null;
  fraction: number | null;
  /** Estimated time to finish, null when the step time or the total is unknown. */
  etaMs: number | null;
}

/** Steps a run config asks for, if it says (the trainer's config has a top-level "steps"). */
export function configuredSteps(config: unknown): number | null {
  const steps = config && typeof config === 'object' ? (config as { steps?: unknown }).steps : undefined;
  return typeof steps === 'number' && Number.isInteger(steps) && steps > 0 ? steps : null;
}

export function progressOf(rows: readonly ChartRow[], total: number | null, window = 20): Progress {
  const done = rows.length ? rows[rows.length - 1].step + 1 : 0;
  const times = rows
    .slice(-window)
    .map((r) => r['time/step_ms'])
    .filter((t): t is number => Number.isFinite(t) && t >= 0);
  const perStep = times.length ? times.reduce((a, b) => a + b, 0) / times.length : null;
  const left = total === null ? null : Math.max(0, total - done);
  return { done, total, fraction: total ? Math.min(1, done / total) : null, etaMs: left === null || perStep === null ? null : left * perStep };
}

export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}
