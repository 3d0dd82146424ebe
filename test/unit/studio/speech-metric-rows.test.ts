// Trainer step events with speech (TrainerStepEvent.speechShare, byKind.speech) → flat rows → the
// Training panel's speech charts; events of older runs (no speechShare) still map and chart.
import { describe, expect, it } from 'vitest';
import type { StepEvent } from '../../../src/rl/metrics.ts';
import { flattenMetricEvent, metricRowsFromEvents } from '../../../src/persist/metric-rows.ts';
import { prepareChart, RAW } from '../../../src/studio/charts/series.ts';
import { chartsFor, SPEECH_CHARTS } from '../../../src/studio/training/chart-specs.ts';

const kind = (successRate: number) => ({ n: 4, successRate, rewardMean: 1 });
const step = (n: number, over: Partial<StepEvent> & { speechShare?: number } = {}): StepEvent => ({
  type: 'step', step: n, time: 't', trajectories: 8,
  reward: { total: { mean: 3, std: 1 }, terminal: { mean: 5, std: 2 }, turn: { mean: -2, std: 0.5 } },
  successRate: 0.5, byKind: {}, klPerToken: 0.01, entropy: null, responseLength: { mean: 120, max: 300 },
  wait: { count: 3, per1kTokens: 3.1, perResponse: 0.2 }, loss: 0.4, clipFraction: 0.1, gradNorm: 1.5, lr: 1e-5,
  valueLoss: null, judgeFailures: 0, timeMs: { rollout: 1, judge: 1, train: 1, total: 3 }, tokensPerSecond: { rollout: 960, step: 640 },
  ...over,
});

describe('speech metrics of step events', () => {
  it('maps speechShare and each kind present onto flat names, and leaves absent kinds out', () => {
    const v = flattenMetricEvent(step(1, { speechShare: 0.25, byKind: { retail: kind(0.5), speech: kind(0.75), math: kind(1) } }))!.values;
    expect(v).toMatchObject({ speech_share: 0.25, 'success_rate/retail': 0.5, 'success_rate/speech': 0.75, 'success_rate/math': 1 });
    const onlySpeech = flattenMetricEvent(step(2, { speechShare: 1, byKind: { speech: kind(0) } }))!.values;
    expect(onlySpeech['success_rate/speech']).toBe(0);
    expect('success_rate/retail' in onlySpeech).toBe(false);
  });
  it('maps an older event without speechShare, with no speech keys', () => {
    const v = flattenMetricEvent(step(0, { byKind: { retail: kind(0.5) } }))!.values;
    expect('speech_share' in v).toBe(false);
    expect('success_rate/speech' in v).toBe(false);
    expect(v['success_rate/retail']).toBe(0.5);
  });
  it('shows the speech charts, with gaps, only for runs whose events have speech', () => {
    const speechRun = metricRowsFromEvents([
      step(0, { speechShare: 0, byKind: { retail: kind(0.25) } }),
      step(1, { speechShare: 0.5, byKind: { speech: kind(1) } }),
      step(2, { speechShare: 0.5, byKind: { retail: kind(0.75), speech: kind(0.5) } }),
    ]).map((r) => ({ ...r.values, step: r.step }));
    expect(chartsFor(speechRun).map((c) => c.id)).toContain('speech-success');
    const p = prepareChart(speechRun, SPEECH_CHARTS[1].series.map((s) => s.key), 0, 300);
    expect(p.data.map((r) => [r[RAW + 'success_rate/speech'], r[RAW + 'success_rate/retail']])).toEqual([[undefined, 0.25], [1, undefined], [0.5, 0.75]]);
    const oldRun = metricRowsFromEvents([step(0, { byKind: { retail: kind(0.5) } }), step(1)]).map((r) => ({ ...r.values, step: r.step }));
    const textRun = metricRowsFromEvents([step(0, { speechShare: 0, byKind: { retail: kind(0.5) } })]).map((r) => ({ ...r.values, step: r.step }));
    for (const rows of [oldRun, textRun]) expect(chartsFor(rows).some((c) => c.speech)).toBe(false);
  });
});
