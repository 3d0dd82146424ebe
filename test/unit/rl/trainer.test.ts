// The RL trainer on the CPU backend with a tiny random model and the toy tool-call episode: GRPO
// learns to emit the rewarded tool call; the first inner step has ratio exactly 1 and the sampling
// log-probs agree with the training forward; KL placement; the non-finite guard.
import { beforeAll, describe, expect, it } from 'vitest';
import type { ModelWeights } from '../../../src/model/weights.ts';
import { rewardConfig } from '../../../src/reward/config.ts';
import { klEstimate } from '../../../src/rl/kl.ts';
import { NonFiniteStop } from '../../../src/rl/trainer/trainer.ts';
import { runTraining } from '../../../src/rl/trainer/run.ts';
import { assignAdvantages, buildItems } from '../../../src/rl/trainer/sequences.ts';
import { scoreTrajectories } from '../../../src/reward/trajectories.ts';
import { sampleStd } from '../../../src/reward/shaping.ts';
import { tinyToyModel, toyConfig, toyTrainer } from './trainer-helpers.ts';

let weights: ModelWeights;
beforeAll(async () => {
  ({ weights } = await tinyToyModel(7));
}, 30_000);

describe('RL trainer (toy tool-call episode, CPU)', () => {
  it('GRPO lifts mean reward from below 0.2 to above 0.8 within 30 steps', async () => {
    const trainer = toyTrainer(weights, toyConfig({ steps: 30 }));
    const rewards: number[] = [];
    for (let s = 0; s < 30; s++) {
      rewards.push((await trainer.step()).event.reward.total.mean);
      const recent = rewards.slice(-3);
      if (recent.length === 3 && recent.reduce((a, b) => a + b) / 3 > 0.8) break;
    }
    expect(rewards[0]).toBeLessThan(0.2);
    const last3 = rewards.slice(-3).reduce((a, b) => a + b) / 3;
    expect(last3, `rewards per step: ${rewards.map((r) => r.toFixed(2)).join(' ')}`).toBeGreaterThan(0.8);
    expect(rewards.length).toBeLessThanOrEqual(30);
  }, 60_000);

  it('has ratio exactly 1 at the first inner step and sampling log-probs equal to the training forward', async () => {
    const trainer = toyTrainer(weights, toyConfig({ innerSteps: 2, miniBatches: 2 }));
    for (let s = 0; s < 3; s++) {
      const o = await trainer.step();
      expect(o.train).not.toBeNull();
      expect(o.train!.firstRatio).toEqual({ mean: 1, min: 1, max: 1 });
      expect(o.train!.ratioCheck).toBe(0);
      // f32 merged weights for sampling vs float64 unmerged LoRA for training.
      expect(o.samplingLogpMaxDiff).not.toBeNull();
      expect(o.samplingLogpMaxDiff!).toBeLessThan(1e-5);
      expect(o.train!.updates).toBe(4);
    }
    // After updates the policy moved away from the reference: KL > 0 (k3 ≥ 0 by construction).
    expect(trainer.events.filter((e) => e.type === 'step').at(-1)).toMatchObject({ klPerToken: expect.any(Number) });
  }, 60_000);

  it('does not compare sampling log-probs at temperature ≠ 1 (they are tempered)', async () => {
    const trainer = toyTrainer(weights, toyConfig({ sampling: { temperature: 0.7, topP: 1, maxNewTokens: 2 } }));
    const o = await trainer.step();
    expect(o.samplingLogpMaxDiff).toBeNull();
    expect(o.train!.firstRatio.mean).toBe(1);
  });

  it('KL in the reward penalises the scalar rewards before group normalisation; in the loss it leaves advantages alone', async () => {
    const trainer = toyTrainer(weights, toyConfig({ lr: 0.05 }));
    for (let s = 0; s < 4; s++) await trainer.step(); // move the policy off the reference
    const { trajectories } = await trainer.step();
    const groupOf = trajectories.map((_, i) => Math.floor(i / 8));
    const reward = rewardConfig({ mode: 'terminal', terminal: 1 });
    const scored = scoreTrajectories(trajectories, reward, { groupBy: (t) => String(groupOf[trajectories.indexOf(t)]) });
    const plain = buildItems(scored, groupOf);
    assignAdvantages(plain, scored, 'grpo', reward, null);
    const penalty = new Map(plain.map((it) => [it.index, -0.5 * (it.index % 3)]));
    const withKl = buildItems(scored, groupOf);
    assignAdvantages(withKl, scored, 'grpo', reward, penalty);
    // Group 0 by hand: A = (R + p − mean) / (std + eps).
    const g0 = withKl.filter((it) => it.group === 0);
    const R = g0.map((it) => scored[it.index]!.rewards.reward + penalty.get(it.index)!);
    const m = R.reduce((a, b) => a + b) / R.length;
    const sd = sampleStd(R);
    g0.forEach((it, k) => {
      const t = it.mask.findIndex((x) => x === 1);
      expect(it.advantages[t]).toBeCloseTo((R[k]! - m) / (sd + 1e-6), 12);
    });
    expect(withKl.some((it, j) => it.advantages.some((a, t) => a !== plain[j]!.advantages[t]))).toBe(true);
    // The step's KL metric is the mean estimator over policy tokens, ≥ 0 for k3 and > 0 once trained.
    const step = trainer.events.filter((e) => e.type === 'step').at(-1) as { klPerToken: number };
    expect(step.klPerToken).toBeGreaterThan(0);
    expect(klEstimate('k3', -1, -1.5)).toBeGreaterThan(0);
  }, 60_000);

  it('KL placement "reward" and "loss" train differently from the same start', async () => {
    const run = async (placement: 'loss' | 'reward') => {
      const t = toyTrainer(weights, toyConfig({ kl: { coef: 0.5, estimator: 'k1', placement } }));
      const out: number[] = [];
      for (let s = 0; s < 4; s++) out.push((await t.step()).event.loss ?? Number.NaN);
      return out;
    };
    const [a, b] = [await run('loss'), await run('reward')];
    expect(a[0]).toBe(b[0]); // step 0: π = π_ref, both KL terms vanish
    expect(a.slice(1)).not.toEqual(b.slice(1));
  }, 60_000);

  it('skips non-finite steps and stops after three in a row, leaving the last checkpoint', async () => {
    const trainer = toyTrainer(weights, toyConfig({ steps: 10, checkpoint: { every: 1, dir: 'unused', keep: 5 } }));
    const saved: number[] = [];
    await runTraining(trainer, { maxSteps: 2, saveCheckpoint: (step) => (saved.push(step), `mem:${step}`) });
    expect(saved).toEqual([0, 1]);
    // Corrupt the adapter: the policy's logits become NaN, so the loss is not finite.
    for (const m of trainer.adapter.modules.values()) m.B.fill(Number.NaN);
    const result = await runTraining(trainer, { saveCheckpoint: (step) => (saved.push(step), `mem:${step}`) });
    expect(result.status).toBe('non-finite');
    expect(result.message).toMatch(/3 steps in a row had a non-finite loss/);
    expect(saved).toEqual([0, 1]); // no checkpoint after a skipped step
    const skips = trainer.events.filter((e) => e.type === 'skip');
    expect(skips.map((e) => (e as { consecutive: number }).consecutive)).toEqual([1, 2, 3]);
    await expect(trainer.step().then(() => trainer.step()).then(() => trainer.step())).rejects.toBeInstanceOf(NonFiniteStop);
  }, 60_000);

  it('builds PPO with a value head; KL in the reward with per-turn rewards only for PPO (token-level penalties)', () => {
    const turnKl = { kl: { coef: 0.01, estimator: 'k3', placement: 'reward' }, reward: { mode: 'turn', terminal: 1, deviation: 5, turnWeight: 'inverse-T', gamma: 1, stdEpsilon: 1e-6 } };
    const ppo = toyTrainer(weights, toyConfig({ algorithm: 'ppo', ...turnKl }));
    expect(ppo.valueHead!.weight).toHaveLength(weights.config.hiddenSize);
    expect(ppo.optimizer.params.has('value_head.weight')).toBe(true);
    expect(toyTrainer(weights, toyConfig()).valueHead).toBeNull();
    expect(() => toyTrainer(weights, toyConfig(turnKl))).toThrow(/kl\.placement "reward" is not supported with reward\.mode "turn"/);
  });

  it('RLOO and Dr.GRPO run and learn a little', async () => {
    for (const algorithm of ['rloo', 'drgrpo']) {
      const t = toyTrainer(weights, toyConfig({ algorithm, lr: 0.03 }));
      const r: number[] = [];
      for (let s = 0; s < 8; s++) r.push((await t.step()).event.reward.total.mean);
      expect(Math.max(...r.slice(4)), `${algorithm}: ${r.join(' ')}`).toBeGreaterThan(r[0]!);
    }
  }, 60_000);
});
