// Which metrics the Training panel charts, by flat metric name. The trainer's typed events
// (src/rl/metrics.ts) are mapped onto these names in metric-events.ts (one place).
import type { SeriesSpec } from '../charts/LiveChart.tsx';

export interface ChartSpec {
  id: string;
  title: string;
  series: SeriesSpec[];
  /** Shown only once a run has values for it (e.g. PPO's value loss). */
  optional?: boolean;
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
