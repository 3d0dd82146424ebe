// PPO on the toy tool-call episode (CPU, float64): the value head on the final hidden state trains
// with the adapters; mean reward rises like GRPO's at token- and turn-level GAE; a resumed PPO run
// (value head and its AdamW moments from the checkpoint) equals the uninterrupted one.
import { beforeAll, describe, expect, it } from 'vitest';
import type { ModelWeights } from '../../../src/model/weights.ts';
import type { MetricEvent } from '../../../src/rl/metrics.ts';
import { parseCheckpoint, type CheckpointFile } from '../../../src/rl/trainer/checkpoint.ts';
import { runTraining } from '../../../src/rl/trainer/run.ts';
import type { TrainerStepEvent } from '../../../src/rl/trainer/trainer.ts';
import { VALUE_WEIGHT } from '../../../src/rl/trainer/value-head.ts';
import { tinyToyModel, toyConfig, toyTrainer } from './trainer-helpers.ts';

let weights: ModelWeights;
beforeAll(async () => {
  ({ weights } = await tinyToyModel(7));
}, 30_000);

const ppoConfig = (level: 'token' | 'turn', over: Record<string, unknown> = {}) =>
  toyConfig({ algorithm: 'ppo', ppo: { level, gamma: 1, lambda: 0.95, valueCoef: 0.5, valueClip: 0.2, normalizeAdvantages: true }, ...over });

const comparable = (events: readonly MetricEvent[]) =>
  events.filter((e) => e.type === 'step' || e.type === 'eval').map((e) => {
    const { time: _t, timeMs: _m, tokensPerSecond: _s, ...rest } = e as MetricEvent & { timeMs?: unknown; tokensPerSecond?: unknown };
    return rest;
  });

describe('PPO (toy tool-call episode, CPU)', () => {
  for (const level of ['token', 'turn'] as const) {
    it(`${level}-level GAE: lifts mean reward from below 0.2 to above 0.8 within 30 steps; the value head learns`, async () => {
      const trainer = toyTrainer(weights, ppoConfig(level, { steps: 30 }));
      expect(trainer.valueHead).not.toBeNull();
      const rewards: number[] = [];
      const events: TrainerStepEvent[] = [];
      for (let s = 0; s < 30; s++) {
        const o = await trainer.step();
        const e = o.event as TrainerStepEvent;
        events.push(e);
        rewards.push(e.reward.total.mean);
        expect(o.train!.firstRatio).toEqual({ mean: 1, min: 1, max: 1 });
        expect(o.train!.ratioCheck).toBe(0);
        expect(e.value).not.toBeNull();
        expect(Number.isFinite(e.value!.loss)).toBe(true);
        const recent = rewards.slice(-3);
        if (recent.length === 3 && recent.reduce((a, b) => a + b) / 3 > 0.8) break;
      }
      expect(rewards[0]).toBeLessThan(0.2);
      const last3 = rewards.slice(-3).reduce((a, b) => a + b) / 3;
      expect(last3, `rewards per step: ${rewards.map((r) => r.toFixed(2)).join(' ')}`).toBeGreaterThan(0.8);
      // The value head followed the rising reward (it starts at 0).
      expect(events[0]!.value!.mean).toBe(0);
      expect(events.at(-1)!.value!.mean).toBeGreaterThan(0.3);
      expect(trainer.valueHead!.weight.some((w) => w !== 0)).toBe(true);
    }, 60_000);
  }

  it('resume equals uninterrupted (value head and its moments restored exactly)', async () => {
    const config = ppoConfig('token', { steps: 6, innerSteps: 2, miniBatches: 2, checkpoint: { every: 3, dir: 'unused', keep: 2 } });
    const full = toyTrainer(weights, config);
    await runTraining(full, { saveCheckpoint: () => 'mem' });

    const first = toyTrainer(weights, config);
    let atThree: CheckpointFile[] = [];
    await runTraining(first, { maxSteps: 3, saveCheckpoint: (_s, files) => ((atThree = files), 'mem') });
    const ck = parseCheckpoint(atThree);
    expect(ck.state.nextStep).toBe(3);
    expect(Array.from(ck.valueHead!.weight)).toEqual(Array.from(first.valueHead!.weight));
    expect(ck.valueHead!.weight.some((w) => w !== 0)).toBe(true);
    expect(ck.optimizer.m.get(VALUE_WEIGHT)!.some((x) => x !== 0)).toBe(true);

    const resumed = toyTrainer(weights, config);
    await resumed.restore(atThree);
    await runTraining(resumed, {});
    const a = comparable(full.events);
    const b = comparable(resumed.events);
    expect(b).toHaveLength(6);
    expect(b).toEqual(a);
    expect(Array.from(resumed.valueHead!.weight)).toEqual(Array.from(full.valueHead!.weight));
    expect(new Set(a.map((e) => (e as { loss: number }).loss)).size).toBeGreaterThan(1);
  }, 60_000);

  it('refuses to resume PPO from a checkpoint without a value head', async () => {
    const grpo = toyTrainer(weights, toyConfig({ steps: 1 }));
    let files: CheckpointFile[] = [];
    await runTraining(grpo, { saveCheckpoint: (_s, f) => ((files = f), 'mem') });
    const ppo = toyTrainer(weights, ppoConfig('token'));
    await expect(ppo.restore(files, 'ck')).rejects.toThrow(/ck: the checkpoint has no value head/);
  }, 30_000);
});
