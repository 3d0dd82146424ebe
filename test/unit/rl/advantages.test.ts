import { describe, expect, it } from 'vitest';
import { rng } from '../../../src/reference/compare.ts';
import { broadcastAdvantage, gae, rlooAdvantages, tokenLevelGae, turnLevelGae, valueLoss } from '../../../src/rl/advantages.ts';

describe('RLOO', () => {
  it('leave-one-out baseline by hand', () => {
    expect(rlooAdvantages([1, 0, 0, 1])).toEqual([2 / 3, -2 / 3, -2 / 3, 2 / 3].map((x) => expect.closeTo(x, 15)));
    expect(rlooAdvantages([3, 5])).toEqual([-2, 2]);
    expect(rlooAdvantages([4, 4, 4])).toEqual([0, 0, 0]);
    // Equivalent form: G/(G−1)·(R_i − mean).
    const r = [0.3, 2, -1, 7, 0];
    const mean = r.reduce((a, b) => a + b) / r.length;
    rlooAdvantages(r).forEach((a, i) => expect(a).toBeCloseTo((5 / 4) * (r[i]! - mean), 14));
    expect(() => rlooAdvantages([1])).toThrow(/at least 2/);
    expect(Array.from(broadcastAdvantage(0.5, [0, 1, 1]))).toEqual([0, 0.5, 0.5]);
  });
});

describe('GAE', () => {
  it('λ = 1, γ = 1 gives reward-to-go minus value; λ = 0 gives one-step TD errors', () => {
    const rewards = [0, 1, 0, 2];
    const values = [0.5, 0.2, 1, 0.3];
    const mc = gae(rewards, values, { gamma: 1, lambda: 1 });
    expect(Array.from(mc.advantages)).toEqual([3 - 0.5, 3 - 0.2, 2 - 1, 2 - 0.3].map((x) => expect.closeTo(x, 14)));
    expect(Array.from(mc.returns)).toEqual([3, 3, 2, 2].map((x) => expect.closeTo(x, 14)));
    const td = gae(rewards, values, { gamma: 0.9, lambda: 0 });
    expect(Array.from(td.advantages)).toEqual(
      [0 + 0.9 * 0.2 - 0.5, 1 + 0.9 * 1 - 0.2, 0 + 0.9 * 0.3 - 1, 2 - 0.3].map((x) => expect.closeTo(x, 14)),
    );
    const boot = gae([1], [0.5], { gamma: 0.5, lambda: 1, bootstrap: 2 });
    expect(boot.advantages[0]).toBeCloseTo(1 + 0.5 * 2 - 0.5, 15);
    expect(() => gae([1], [1], { gamma: 1.5, lambda: 1 })).toThrow(/gamma must be in \[0, 1\]/);
  });

  it('general γ, λ against the explicit sum of discounted TD errors', () => {
    const rand = rng(9);
    const rewards = Array.from({ length: 7 }, () => rand() - 0.5);
    const values = Array.from({ length: 7 }, () => rand());
    const { gamma, lambda } = { gamma: 0.95, lambda: 0.8 };
    const delta = rewards.map((r, k) => r + gamma * (values[k + 1] ?? 0) - values[k]!);
    const { advantages } = gae(rewards, values, { gamma, lambda });
    for (let k = 0; k < 7; k++) {
      let expected = 0;
      for (let j = k; j < 7; j++) expected += (gamma * lambda) ** (j - k) * delta[j]!;
      expect(advantages[k]).toBeCloseTo(expected, 14);
    }
  });

  it('token level skips non-policy tokens', () => {
    const mask = [0, 1, 1, 0, 0, 1];
    const rewards = [0, 0, 0, 0, 0, 1];
    const values = [9, 0.1, 0.2, 9, 9, 0.4];
    const r = tokenLevelGae(rewards, values, mask, { gamma: 1, lambda: 1 });
    expect(Array.from(r.advantages)).toEqual([0, 0.9, 0.8, 0, 0, 0.6].map((x) => expect.closeTo(x, 14)));
    expect(Array.from(r.returns)).toEqual([0, 1, 1, 0, 0, 1]);
    expect(() => tokenLevelGae([0, 1], [0, 0], [1, 0], { gamma: 1, lambda: 1 })).toThrow(/non-policy token 1/);
  });

  it('turn level gives every token its turn advantage', () => {
    const r = turnLevelGae([0, 1], [0.25, 0.5], [-1, 0, 0, -1, 1, 1], { gamma: 1, lambda: 1 });
    expect(Array.from(r.advantages)).toEqual([0.75, 0.5]);
    expect(Array.from(r.returns)).toEqual([1, 1]);
    expect(Array.from(r.tokenAdvantages)).toEqual([0, 0.75, 0.75, 0, 0.5, 0.5]);
    expect(() => turnLevelGae([0], [0], [2], { gamma: 1, lambda: 1 })).toThrow(/tokenTurn\[0\] = 2/);
  });
});

describe('value loss', () => {
  it('matches finite differences, with and without clipping', () => {
    const rand = rng(4);
    const n = 9;
    const oldValues = Array.from({ length: n }, () => rand());
    const values = oldValues.map((v) => v + (rand() - 0.5));
    const returns = Array.from({ length: n }, () => 2 * rand() - 0.5);
    const mask = [1, 1, 0, 1, 1, 1, 0, 1, 1];
    for (const clip of [null, 0.1]) {
      const res = valueLoss(values, oldValues, returns, mask, clip);
      if (clip !== null) expect(res.clipFraction).toBeGreaterThan(0);
      const h = 1e-6;
      for (let t = 0; t < n; t++) {
        const at = (d: number) => valueLoss(values.map((v, i) => (i === t ? v + d : v)), oldValues, returns, mask, clip).loss;
        expect(res.dValues[t], `clip ${clip} t ${t}`).toBeCloseTo((at(h) - at(-h)) / (2 * h), 7);
      }
    }
    const plain = valueLoss([1, 3], [0, 0], [0, 1], [1, 1], null);
    expect(plain.loss).toBeCloseTo((1 + 4) / 4, 15);
    expect(Array.from(plain.dValues)).toEqual([0.5, 1]);
  });
});
