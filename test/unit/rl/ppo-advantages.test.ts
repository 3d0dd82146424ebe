// PPO advantages of a two-turn trajectory by hand: token-level GAE over policy positions, turn-level
// GAE with one step per agent turn (valued at the turn's first position), KL rewards, whitening.
import { describe, expect, it } from 'vitest';
import type { ScoredTrajectory } from '../../../src/reward/trajectories.ts';
import { ppoAdvantages } from '../../../src/rl/trainer/ppo.ts';
import type { TrainItem } from '../../../src/rl/trainer/sequences.ts';

// tokens: prompt, prompt, turn 0 (2 tokens), user, turn 1 (2 tokens); turn rewards 0.3 and 1.
const record = { ids: [5, 6, 7, 8, 9, 10, 11], logprobs: [0, 0, -1, -1, 0, -1, -1], trainable: [0, 0, 1, 1, 0, 1, 1], turn: [-1, -1, 0, 0, -1, 1, 1] };
const scored = [{ trajectory: { tokens: record }, tokens: { rewards: Float64Array.from([0, 0, 0, 0.3, 0, 0, 1]), advantages: new Float64Array(7) } }] as unknown as ScoredTrajectory[];
const item = (): TrainItem[] => [{ index: 0, group: 0, tokens: record.ids, mask: Float64Array.from([0, 1, 1, 0, 1, 1]), samplingLogp: new Float64Array(6), advantages: new Float64Array(6) }];
const values = [Float64Array.from([9, 0.2, 0.4, 9, 0.5, 0.7])]; // 9: positions that are not steps
const g = 0.9, l = 0.8;

describe('ppoAdvantages', () => {
  it('token level: GAE over the policy positions; returns = A + V', () => {
    const items = item();
    const t = ppoAdvantages(items, scored, values, null, { level: 'token', gamma: g, lambda: l, normalize: false })[0]!;
    const A5 = 1 - 0.7;
    const A4 = 0 + g * 0.7 - 0.5 + g * l * A5;
    const A2 = 0.3 + g * 0.5 - 0.4 + g * l * A4;
    const A1 = 0 + g * 0.4 - 0.2 + g * l * A2;
    const want = [0, A1, A2, 0, A4, A5];
    items[0]!.advantages.forEach((a, k) => expect(a).toBeCloseTo(want[k]!, 12));
    expect(Array.from(t.mask)).toEqual([0, 1, 1, 0, 1, 1]);
    [1, 2, 4, 5].forEach((k) => expect(t.returns[k]).toBeCloseTo(want[k]! + values[0]![k]!, 12));
  });

  it('turn level: one step per turn, valued at its first position; KL rewards are summed per turn', () => {
    const items = item();
    const kl = [Float64Array.from([0, -0.01, -0.02, 0, -0.03, -0.04])];
    const t = ppoAdvantages(items, scored, values, kl, { level: 'turn', gamma: g, lambda: l, normalize: false })[0]!;
    const A1 = 1 - 0.07 - 0.5;
    const A0 = 0.3 - 0.03 + g * 0.5 - 0.2 + g * l * A1;
    const want = [0, A0, A0, 0, A1, A1];
    items[0]!.advantages.forEach((a, k) => expect(a).toBeCloseTo(want[k]!, 12));
    expect(Array.from(t.mask)).toEqual([0, 1, 0, 0, 1, 0]);
    expect(t.returns[1]).toBeCloseTo(A0 + 0.2, 12);
    expect(t.returns[4]).toBeCloseTo(A1 + 0.5, 12);
  });

  it('whitens over policy positions (mean 0, std 1) and leaves other positions at 0', () => {
    const items = item();
    ppoAdvantages(items, scored, values, null, { level: 'token', gamma: 1, lambda: 1, normalize: true });
    const a = [1, 2, 4, 5].map((k) => items[0]!.advantages[k]!);
    const m = a.reduce((s, x) => s + x) / 4;
    expect(m).toBeCloseTo(0, 12);
    expect(Math.sqrt(a.reduce((s, x) => s + (x - m) ** 2, 0) / 4)).toBeCloseTo(1, 6);
    expect(items[0]!.advantages[0]).toBe(0);
    expect(items[0]!.advantages[3]).toBe(0);
  });
});
