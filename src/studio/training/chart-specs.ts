// Which metrics the Training panel charts, by flat metric name. The trainer's typed events
// (src/rl/metrics.ts) are mapped onto these names in metric-events.ts (one place).
import type { SeriesSpec } from '../charts/LiveChart.tsx';
import type { ChartRow } from '../charts/series.ts';

export interface ChartSpec {
  id: string;
  title: string;
  series: SeriesSpec[];
  /** Shown only once a run has values for it (e.g. PPO's value loss). */
  optional?: boolean;
  /** Shown only for runs with speech episodes (see hasSpeech); absent, not empty, otherwise. */
  speech?: boolean;
  /** The range the values live in (e.g. [0, 1] for a share), for an axis that can pin it. */
  yRange?: readonly [number, number];
}

export const METRIC_CHARTS: readonly ChartSpec[] = [
  {
    id: 'reward',
    title: 'Reward',
    series: [
      { key: 'reward/total', label: 'total', color: '#3a5bd9' },
      { key: 'reward/terminal', label: 'terminal', color: '#1f8a4c' },
      { key: 'reward/turn', label: 'turn-level', color: '#d9822b' },
    ],
  },
  {
    id: 'success',
    title: 'Success rate and pass^1',
    series: [
      { key: 'success_rate', label: 'success (train)', color: '#1f8a4c' },
      { key: 'eval/pass1', label: 'pass^1 (eval)', color: '#8e44ad' },
    ],
  },
  { id: 'kl', title: 'KL to reference (per token)', series: [{ key: 'kl', label: 'KL', color: '#c0392b' }] },
  { id: 'entropy', title: 'Entropy', series: [{ key: 'entropy', label: 'entropy', color: '#16a085' }] },
  { id: 'response-length', title: 'Response length (tokens)', series: [{ key: 'response_length', label: 'length', color: '#2c3e50' }] },
  { id: 'wait-rate', title: '“wait”-token rate (per 1k tokens)', series: [{ key: 'wait_rate', label: 'wait per 1k tokens', color: '#d35400' }] },
  { id: 'value-loss', title: 'Value loss (PPO)', series: [{ key: 'value_loss', label: 'value loss', color: '#8e44ad' }], optional: true },
  { id: 'grad-norm', title: 'Gradient norm', series: [{ key: 'grad_norm', label: 'grad norm', color: '#7f8c8d' }] },
  { id: 'tokens-per-s', title: 'Rollout throughput (tokens/s)', series: [{ key: 'tokens_per_s', label: 'tokens/s', color: '#2980b9' }] },
];

export const CHARTED_METRICS: readonly string[] = METRIC_CHARTS.flatMap((c) => c.series.map((s) => s.key));

/** Flat names of the speech metrics (metric-rows.ts maps TrainerStepEvent.speechShare and byKind onto them). */
export const SPEECH_METRICS = {
  share: 'speech_share',
  speechSuccess: 'success_rate/speech',
  textSuccess: 'success_rate/retail',
} as const;

/** Charted for runs with speech episodes only; kept out of CHARTED_METRICS, which every step event fills. */
export const SPEECH_CHARTS: readonly ChartSpec[] = [
  { id: 'speech-share', title: 'Speech share', series: [{ key: SPEECH_METRICS.share, label: 'speech share', color: '#8e44ad' }], speech: true, yRange: [0, 1] },
  {
    id: 'speech-success',
    title: 'Speech vs text success',
    series: [
      { key: SPEECH_METRICS.speechSuccess, label: 'speech', color: '#8e44ad' },
      { key: SPEECH_METRICS.textSuccess, label: 'text', color: '#1f8a4c' },
    ],
    speech: true,
    yRange: [0, 1],
  },
];

/** Whether a run has speech: a step drew speech episodes (share > 0) or reported speech successes. */
export function hasSpeech(rows: readonly ChartRow[]): boolean {
  return rows.some((r) => r[SPEECH_METRICS.share] > 0 || Number.isFinite(r[SPEECH_METRICS.speechSuccess]));
}

/** The charts the Training panel lists for these rows, in order (the speech charts follow success). */
export function chartsFor(rows: readonly ChartRow[]): ChartSpec[] {
  if (!hasSpeech(rows)) return [...METRIC_CHARTS];
  const at = METRIC_CHARTS.findIndex((c) => c.id === 'success') + 1;
  return [...METRIC_CHARTS.slice(0, at), ...SPEECH_CHARTS, ...METRIC_CHARTS.slice(at)];
}
