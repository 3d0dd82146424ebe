import { mkdtempSync, readFileSync, rmSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  aggregateEval,
  aggregateStep,
  countWaits,
  eventsUpTo,
  meanStd,
  passHatK,
  type MetricEvent,
  type TrajectoryRecord,
} from '../../../src/rl/metrics.ts';
import { JsonlWriter, readJsonl } from '../../../src/rl/metrics-jsonl.ts';

const record = (over: Partial<TrajectoryRecord>): TrajectoryRecord => ({
  taskId: 't',
  kind: 'retail',
  reward: 0,
  terminalReward: 0,
  turnReward: 0,
  success: false,
  policyTokens: 100,
  policyTexts: [],
  ...over,
});

describe('step metrics', () => {
  it('counts whole-word wait/Wait only', () => {
    expect(countWaits('Wait, let me check. wait... Waiting? await WAIT wait-list')).toBe(3);
    expect(countWaits('')).toBe(0);
  });

  it('aggregates trajectory records into a step event (hand-computed)', () => {
    const records = [
      record({ taskId: 'a', reward: 10, terminalReward: 10, turnReward: 0, success: true, policyTokens: 300, policyTexts: ['Wait, no.', 'ok'], klSum: 3, entropySum: 60 }),
      record({ taskId: 'a', reward: -4, terminalReward: 0, turnReward: -4, policyTokens: 100, policyTexts: ['wait wait'], klSum: 1, entropySum: 20, judgeFailures: 1 }),
      record({ taskId: 'm1', kind: 'math', reward: 1, terminalReward: 1, success: true, policyTokens: 600, policyTexts: ['\\boxed{3}'], klSum: 0, entropySum: 20 }),
    ];
    const e = aggregateStep(7, records, { loss: 0.5, clipFraction: 0.1, gradNorm: 2, lr: 1e-5 }, { rolloutMs: 2000, judgeMs: 500, trainMs: 1500 }, new Date(0));
    expect(e.type).toBe('step');
    expect(e.step).toBe(7);
    expect(e.time).toBe('1970-01-01T00:00:00.000Z');
    expect(e.reward.total.mean).toBeCloseTo(7 / 3, 14);
    expect(e.reward.total.std).toBeCloseTo(Math.sqrt(((10 - 7 / 3) ** 2 + (-4 - 7 / 3) ** 2 + (1 - 7 / 3) ** 2) / 3), 14);
    expect(e.reward.terminal.mean).toBeCloseTo(11 / 3, 14);
    expect(e.reward.turn.mean).toBeCloseTo(-4 / 3, 14);
    expect(e.successRate).toBeCloseTo(2 / 3, 14);
    expect(e.byKind.retail).toEqual({ n: 2, successRate: 0.5, rewardMean: 3 });
    expect(e.byKind.math).toEqual({ n: 1, successRate: 1, rewardMean: 1 });
    expect(e.byKind.speech).toBeUndefined();
    expect(e.klPerToken).toBeCloseTo(4 / 1000, 14);
    expect(e.entropy).toBeCloseTo(100 / 1000, 14);
    expect(e.responseLength).toEqual({ mean: 1000 / 3, max: 600 });
    expect(e.wait).toEqual({ count: 3, per1kTokens: 3, perResponse: 3 / 4 });
    expect(e.timeMs).toEqual({ rollout: 2000, judge: 500, train: 1500, total: 4000 });
    expect(e.tokensPerSecond).toEqual({ rollout: 500, step: 250 });
    expect(e.judgeFailures).toBe(1);
    expect(e.clipFraction).toBe(0.1);
    expect(e.gradNorm).toBe(2);
  });

  it('falls back to the trainer KL/entropy and turns non-finite values into null', () => {
    const e = aggregateStep(1, [record({})], { loss: Number.NaN, clipFraction: 0, gradNorm: Infinity, lr: 1, klPerToken: 0.02 }, { rolloutMs: 0, judgeMs: 0, trainMs: 0 });
    expect(e.klPerToken).toBe(0.02);
    expect(e.entropy).toBeNull();
    expect(e.loss).toBeNull();
    expect(e.gradNorm).toBeNull();
    expect(e.tokensPerSecond).toEqual({ rollout: null, step: null });
    expect(JSON.parse(JSON.stringify(e))).toEqual(e);
    expect(() => aggregateStep(1, [], { loss: 0, clipFraction: 0, gradNorm: 0, lr: 0 }, { rolloutMs: 0, judgeMs: 0, trainMs: 0 })).toThrow(/no trajectories/);
  });

  it('meanStd', () => {
    expect(meanStd([])).toEqual({ mean: 0, std: 0 });
    expect(meanStd([1, 3])).toEqual({ mean: 2, std: 1 });
  });
});

describe('evaluation metrics', () => {
  it('pass^k by hand', () => {
    expect(passHatK(4, 4, 4)).toBe(1);
    expect(passHatK(4, 2, 1)).toBe(0.5);
    expect(passHatK(4, 2, 2)).toBeCloseTo(1 / 6, 15);
    expect(passHatK(4, 3, 2)).toBeCloseTo(3 / 6, 15);
    expect(passHatK(4, 1, 2)).toBe(0);
    expect(() => passHatK(3, 1, 4)).toThrow(/k must be an integer in \[1, 3\]/);
  });

  it('aggregates trials per task', () => {
    const trials = [
      ...[true, true, false, true].map((success) => ({ taskId: 'x', success, reward: success ? 1 : 0 })),
      ...[false, false, true, false].map((success) => ({ taskId: 'y', success, reward: success ? 1 : 0 })),
    ];
    const e = aggregateEval(20, 'dev', trials, 2, new Date(0));
    expect(e.tasks).toBe(2);
    expect(e.pass1).toBeCloseTo((3 / 4 + 1 / 4) / 2, 15);
    expect(e.passK).toBeCloseTo((3 / 6 + 0) / 2, 15);
    expect(e.passCurve).toHaveLength(2);
    expect(e.rewardMean).toBe(0.5);
    expect(() => aggregateEval(1, 'dev', trials.slice(0, 1), 2)).toThrow(/task x has 1 trials, fewer than k = 2/);
  });
});

describe('JSON-lines log', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tarl-metrics-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('appends events, reads them back, tolerates a cut-off last line, trims on resume', () => {
    const path = join(dir, 'run', 'metrics.jsonl');
    const w = new JsonlWriter(path);
    const events: MetricEvent[] = [
      { type: 'start', step: 0, time: 't0' },
      { type: 'skip', step: 1, time: 't1', reason: 'non-finite loss', consecutive: 1 },
      { type: 'checkpoint', step: 2, time: 't2', dir: 'ckpt-2' },
      { type: 'end', step: 3, time: 't3' },
    ];
    events.forEach((e) => w.write(e));
    expect(readFileSync(path, 'utf8').split('\n')).toHaveLength(5);
    expect(readJsonl(path)).toEqual({ events, truncatedTail: null });
    appendFileSync(path, '{"type":"st');
    expect(readJsonl(path)).toEqual({ events, truncatedTail: '{"type":"st' });
    new JsonlWriter(path).rewrite(eventsUpTo(readJsonl(path).events, 2));
    expect(readJsonl(path).events).toEqual(events.slice(0, 3));
    new JsonlWriter(path, true);
    expect(readJsonl(path).events).toEqual([]);
  });

  it('names the line of a corrupt event', () => {
    const path = join(dir, 'bad.jsonl');
    const w = new JsonlWriter(path);
    w.write({ type: 'start', step: 0, time: 't' });
    appendFileSync(path, 'garbage\n');
    expect(() => readJsonl(path)).toThrow(/bad\.jsonl:2: not a JSON event/);
  });
});
