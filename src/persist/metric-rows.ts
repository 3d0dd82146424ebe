// Maps the trainer's typed metric events (src/rl/metrics.ts) onto the flat metric names the
// run store keeps and the studio's Training panel charts (src/studio/training/chart-specs.ts). Null values (not measured)
// are left out rather than charted as 0.
import type { MetricEvent } from '../rl/metrics.ts';

export interface FlatMetrics {
  step: number;
  values: Record<string, number>;
}

function put(values: Record<string, number>, key: string, v: number | null | undefined): void {
  if (typeof v === 'number' && Number.isFinite(v)) values[key] = v;
}

/** Step and eval events become metric rows; the others (skip, checkpoint, run) carry none. */
export function flattenMetricEvent(e: MetricEvent): FlatMetrics | null {
  const values: Record<string, number> = {};
  if (e.type === 'step') {
    put(values, 'reward/total', e.reward.total.mean);
    put(values, 'reward/total_std', e.reward.total.std);
    put(values, 'reward/terminal', e.reward.terminal.mean);
    put(values, 'reward/turn', e.reward.turn.mean);
    put(values, 'success_rate', e.successRate);
    put(values, 'kl', e.klPerToken);
    put(values, 'entropy', e.entropy);
    put(values, 'response_length', e.responseLength.mean);
    put(values, 'wait_rate', e.wait.per1kTokens);
    put(values, 'wait_per_response', e.wait.perResponse);
    put(values, 'loss', e.loss);
    put(values, 'clip_fraction', e.clipFraction);
    put(values, 'grad_norm', e.gradNorm);
    put(values, 'value_loss', e.valueLoss);
    put(values, 'lr', e.lr);
    put(values, 'judge_failures', e.judgeFailures);
    put(values, 'time/rollout_ms', e.timeMs.rollout);
    put(values, 'time/judge_ms', e.timeMs.judge);
    put(values, 'time/train_ms', e.timeMs.train);
    put(values, 'time/step_ms', e.timeMs.total);
    put(values, 'tokens_per_s', e.tokensPerSecond.rollout);
    // Per task kind (speech vs text charts); a kind with no episodes at a step is absent, not 0.
    for (const [kind, k] of Object.entries(e.byKind ?? {})) put(values, `success_rate/${kind}`, k?.successRate);
    // TrainerStepEvent's speech-episode share; events of older runs lack it.
    put(values, 'speech_share', (e as { speechShare?: number }).speechShare);
    return { step: e.step, values };
  }
  if (e.type === 'eval') {
    put(values, 'eval/pass1', e.pass1);
    put(values, 'eval/passk', e.passK);
    put(values, 'eval/reward', e.rewardMean);
    return { step: e.step, values };
  }
  return null;
}

/** Folds a stream of events into one row per step (an eval row merges into its step's row). */
export function metricRowsFromEvents(events: readonly MetricEvent[]): FlatMetrics[] {
  const bySteps = new Map<number, Record<string, number>>();
  for (const e of events) {
    const flat = flattenMetricEvent(e);
    if (flat) bySteps.set(flat.step, { ...(bySteps.get(flat.step) ?? {}), ...flat.values });
  }
  return [...bySteps].sort((a, b) => a[0] - b[0]).map(([step, values]) => ({ step, values }));
}
