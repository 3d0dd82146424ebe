import { describe, expect, it } from 'vitest';
import { aggregateEval, type MetricEvent, type StepEvent } from '../../../src/rl/metrics.ts';
import { flattenMetricEvent, metricRowsFromEvents } from '../../../src/persist/metric-rows.ts';
import { upsertRow } from '../../../src/studio/stores/metrics-store.ts';
import { CHARTED_METRICS } from '../../../src/studio/training/chart-specs.ts';

const step = (n: number, over: Partial<StepEvent> = {}): StepEvent => ({
  type: 'step',
  step: n,
  time: '2026-01-01T00:00:00Z',
  trajectories: 8,
  reward: { total: { mean: 3, std: 1 }, terminal: { mean: 5, std: 2 }, turn: { mean: -2, std: 0.5 } },
  successRate: 0.5,
  byKind: {},
  klPerToken: 0.01,
  entropy: null,
  responseLength: { mean: 120, max: 300 },
  wait: { count: 3, per1kTokens: 3.1, perResponse: 0.2 },
  loss: 0.4,
  clipFraction: 0.1,
  gradNorm: 1.5,
  lr: 1e-5,
  valueLoss: null,
  judgeFailures: 0,
  timeMs: { rollout: 1000, judge: 200, train: 300, total: 1500 },
  tokensPerSecond: { rollout: 960, step: 640 },
  ...over,
});

describe('metric events → chart rows', () => {
  it('maps a step event onto the charted names and leaves nulls out', () => {
    const flat = flattenMetricEvent(step(4))!;
    expect(flat.step).toBe(4);
    expect(flat.values).toMatchObject({ 'reward/total': 3, 'reward/terminal': 5, 'reward/turn': -2, success_rate: 0.5, kl: 0.01, response_length: 120, wait_rate: 3.1, grad_norm: 1.5, tokens_per_s: 960 });
    expect('entropy' in flat.values).toBe(false);
    // every charted name except eval-only ones, null entropy and (not PPO) the value loss is produced by a step event
    const missing = CHARTED_METRICS.filter((k) => !(k in flat.values));
    expect(missing.sort()).toEqual(['entropy', 'eval/pass1', 'value_loss']);
    expect(flattenMetricEvent(step(4, { valueLoss: 0.25 }))!.values.value_loss).toBe(0.25);
  });
  it('merges eval rows into their step and ignores events without metrics', () => {
    const ev = aggregateEval(4, 'dev', [{ taskId: 'a', success: true, reward: 1 }, { taskId: 'a', success: false, reward: 0 }], 1);
    const events: MetricEvent[] = [{ type: 'start', step: 0, time: 't' }, step(5), step(4), ev, { type: 'checkpoint', step: 5, time: 't', dir: 'd' }];
    const rows = metricRowsFromEvents(events);
    expect(rows.map((r) => r.step)).toEqual([4, 5]);
    expect(rows[0].values['eval/pass1']).toBeCloseTo(ev.pass1, 12);
    expect(rows[0].values['reward/total']).toBe(3);
  });
  it('upsertRow appends, replaces and inserts in step order', () => {
    let rows = upsertRow([], 0, { a: 1 });
    rows = upsertRow(rows, 2, { a: 3 });
    rows = upsertRow(rows, 1, { a: 2 });
    rows = upsertRow(rows, 2, { a: 9 });
    expect(rows).toEqual([{ step: 0, a: 1 }, { step: 1, a: 2 }, { step: 2, a: 9 }]);
  });
});

describe('useMetrics.ingest', () => {
  it('adds step events and merges an eval into its step', async () => {
    const { useMetrics } = await import('../../../src/studio/stores/metrics-store.ts');
    useMetrics.getState().show('r', []);
    useMetrics.getState().ingest(step(0));
    useMetrics.getState().ingest(step(1, { successRate: 1 }));
    useMetrics.getState().ingest(aggregateEval(1, 'dev', [{ taskId: 'a', success: true, reward: 1 }], 1));
    useMetrics.getState().ingest({ type: 'skip', step: 2, time: 't', reason: 'loss NaN', consecutive: 1 });
    const rows = useMetrics.getState().rows;
    expect(rows.map((r) => r.step)).toEqual([0, 1]);
    expect(rows[1]).toMatchObject({ success_rate: 1, 'eval/pass1': 1, 'reward/total': 3 });
  });
});
