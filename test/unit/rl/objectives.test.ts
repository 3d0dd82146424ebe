import { describe, expect, it } from 'vitest';
import { rng } from '../../../src/reference/compare.ts';
import {
  aggregationWeights,
  defaultAggregation,
  policyObjective,
  toLossInterface,
  type ObjectiveOptions,
  type PolicySequence,
} from '../../../src/rl/objectives.ts';
import { klEstimate, klEstimateGrad, klRewardPenalty, sequenceKlPenalty } from '../../../src/rl/kl.ts';

function randomBatch(seed: number, lengths: number[], maxDrift = 0.35): PolicySequence[] {
  const rand = rng(seed);
  return lengths.map((n) => {
    const logpOld = Array.from({ length: n }, () => -0.05 - 3 * rand());
    return {
      logpOld,
      logp: logpOld.map((x) => x + (2 * rand() - 1) * maxDrift),
      logpRef: logpOld.map((x) => x + (2 * rand() - 1) * 0.5),
      advantages: Array.from({ length: n }, () => 2 * rand() - 1),
      mask: Array.from({ length: n }, (_, t) => (t < 2 || rand() < 0.75 ? 1 : 0)),
      entropy: Array.from({ length: n }, () => 2 * rand()),
    };
  });
}

const base: ObjectiveOptions = {
  clip: { low: 0.2, high: 0.28 },
  kl: { coef: 0, estimator: 'k3', placement: 'loss' },
  entropyCoef: 0,
  aggregation: 'token-mean',
};

describe('policy objective derivatives', () => {
  const variants: Array<[string, Partial<ObjectiveOptions>]> = [
    ['token-mean, no KL', {}],
    ['sequence-mean, k3 in loss', { aggregation: 'sequence-mean', kl: { coef: 0.1, estimator: 'k3', placement: 'loss' } }],
    ['constant (Dr.GRPO), k1 in loss', { aggregation: 'constant', constantNormalizer: 16, kl: { coef: 0.05, estimator: 'k1', placement: 'loss' } }],
    ['token-mean, KL in reward, entropy bonus', { kl: { coef: 0.3, estimator: 'k3', placement: 'reward' }, entropyCoef: 0.01 }],
  ];
  it.each(variants)('match central finite differences of the scalar objective (%s)', (_name, extra) => {
    const options = { ...base, ...extra };
    const batch = randomBatch(7, [5, 9, 1, 6]);
    const result = policyObjective(batch, options);
    expect(result.clipFraction).toBeGreaterThan(0); // the drift is wide enough to exercise the clip
    expect(result.clipFraction).toBeLessThan(1);
    const h = 1e-6;
    batch.forEach((seq, i) => {
      for (let t = 0; t < seq.mask.length; t++) {
        const at = (delta: number) => {
          const logp = Array.from(seq.logp);
          logp[t] += delta;
          const moved = batch.map((s, j) => (j === i ? { ...s, logp } : s));
          return policyObjective(moved, options).objective;
        };
        const numeric = (at(h) - at(-h)) / (2 * h);
        expect(result.dLogp[i]![t], `seq ${i} token ${t}`).toBeCloseTo(numeric, 7);
        if (!seq.mask[t]) expect(result.dLogp[i]![t]).toBe(0);
      }
    });
  });

  it('entropy weights are dJ/dH (finite differences in the entropy)', () => {
    const options: ObjectiveOptions = { ...base, aggregation: 'sequence-mean', entropyCoef: 0.02 };
    const batch = randomBatch(3, [4, 7]);
    const result = policyObjective(batch, options);
    const h = 1e-6;
    const seq = batch[1]!;
    const entropy = Array.from(seq.entropy!);
    entropy[2] += h;
    const up = policyObjective([batch[0]!, { ...seq, entropy }], options).objective;
    expect(result.entropyWeight[1]![2]).toBeCloseTo((up - result.objective) / h, 7);
    expect(result.entropyWeight[1]![2]).toBeCloseTo(seq.mask[2] ? 0.02 / (2 * result.dLogp[1]!.filter((_, t) => seq.mask[t]).length) : 0, 12);
  });

  it('first inner step: ratio exactly 1, nothing clipped, gradient = weight × advantage', () => {
    const batch = randomBatch(11, [6, 3, 8]).map((s) => ({ ...s, logp: s.logpOld }));
    for (const aggregation of ['token-mean', 'sequence-mean', 'constant'] as const) {
      const result = policyObjective(batch, { ...base, aggregation, constantNormalizer: 10, clip: { low: 0, high: 0 } });
      expect(result.clipFraction).toBe(0);
      expect(result.ratio).toEqual({ mean: 1, min: 1, max: 1 });
      const counts = batch.map((s) => Array.from(s.mask).reduce((a, b) => a + b, 0));
      const w = aggregationWeights(counts, aggregation, 10);
      batch.forEach((s, i) => {
        for (let t = 0; t < s.mask.length; t++) expect(result.dLogp[i]![t]).toBe(s.mask[t] ? w[i]! * s.advantages[t]! : 0);
      });
    }
  });

  it('hand-computed small case: clipping, KL and aggregation', () => {
    // Token 0: r = 1.5, A = +1 → clipped at 1.2 (high ε 0.2), no gradient from the surrogate.
    // Token 1: r = 0.5, A = +1 → unclipped (min picks r·A = 0.5), gradient 0.5.
    // Token 2: r = 0.5, A = −2 → clipped at 0.8: value −1.6 < −1.0, no gradient.
    // Token 3: masked out.
    const seq: PolicySequence = {
      logp: [Math.log(1.5), Math.log(0.5), Math.log(0.5), 123],
      logpOld: [0, 0, 0, 0],
      logpRef: [0, Math.log(0.5), 0, 0],
      advantages: [1, 1, -2, 5],
      mask: [1, 1, 1, 0],
    };
    const r = policyObjective([seq], { ...base, clip: { low: 0.2, high: 0.2 }, kl: { coef: 0.5, estimator: 'k1', placement: 'loss' } });
    expect(r.tokens).toBe(3);
    expect(r.clipFraction).toBeCloseTo(2 / 3, 15);
    expect(r.surrogate).toBeCloseTo((1.2 + 0.5 - 1.6) / 3, 14);
    const k1 = [Math.log(1.5), 0, Math.log(0.5)];
    expect(r.klPerToken).toBeCloseTo((k1[0]! + k1[1]! + k1[2]!) / 3, 14);
    expect(r.objective).toBeCloseTo((1.2 + 0.5 - 1.6) / 3 - 0.5 * (k1[0]! + k1[1]! + k1[2]!) / 3, 14);
    expect(Array.from(r.dLogp[0]!)).toEqual([(0 - 0.5) / 3, (0.5 - 0.5) / 3, (0 - 0.5) / 3, 0].map((x) => expect.closeTo(x, 14)));
    expect(r.ratio.max).toBeCloseTo(1.5, 14);
    expect(r.ratio.min).toBeCloseTo(0.5, 14);
  });

  it('adapts to the train module loss interface (L = −J)', () => {
    const batch = randomBatch(8, [3, 5]);
    const result = policyObjective(batch, { ...base, aggregation: 'sequence-mean', entropyCoef: 0.1 });
    const loss = toLossInterface(result);
    loss.forEach((s, i) => {
      s.dLogprob.forEach((g, t) => expect(g).toBe(result.dLogp[i]![t] === 0 ? 0 : -result.dLogp[i]![t]!));
      const n = Array.from(batch[i]!.mask).reduce((a, b) => a + b, 0);
      expect(s.entropyCoef).toBeCloseTo(0.1 / (2 * n), 15);
    });
  });

  it('aggregation weights', () => {
    expect(aggregationWeights([2, 0, 6], 'token-mean')).toEqual([1 / 8, 0, 1 / 8]);
    expect(aggregationWeights([2, 0, 6], 'sequence-mean')).toEqual([1 / 4, 0, 1 / 12]);
    expect(aggregationWeights([2, 0, 6], 'constant', 100)).toEqual([1 / 300, 0, 1 / 300]);
    expect(defaultAggregation('grpo')).toBe('sequence-mean');
    expect(defaultAggregation('drgrpo')).toBe('constant');
    expect(defaultAggregation('ppo')).toBe('token-mean');
  });

  it('propagates a non-finite log-prob into the objective (so the trainer can skip the step)', () => {
    const batch = randomBatch(5, [4]);
    const logp = Array.from(batch[0]!.logp);
    logp[0] = Number.NaN;
    expect(Number.isFinite(policyObjective([{ ...batch[0]!, logp }], base).objective)).toBe(false);
    // ...but garbage on masked-out tokens is ignored.
    const masked = { ...batch[0]!, mask: [0, 1, 1, 1], logp };
    expect(Number.isFinite(policyObjective([masked], base).objective)).toBe(true);
  });

  it('rejects malformed input with a clear message', () => {
    const [seq] = randomBatch(1, [3]);
    expect(() => policyObjective([{ ...seq!, logpOld: [0, 0] }], base)).toThrow(/sequence 0: logpOld has 2 entries, mask has 3/);
    expect(() => policyObjective([{ ...seq!, mask: [1, 0.5, 1] }], base)).toThrow(/mask\[1\] must be 0 or 1/);
    expect(() => policyObjective([{ ...seq!, logpRef: undefined }], { ...base, kl: { coef: 0.1, estimator: 'k1', placement: 'loss' } })).toThrow(/needs logpRef/);
    expect(() => policyObjective([seq!], { ...base, aggregation: 'constant' })).toThrow(/constantNormalizer > 0/);
    expect(() => policyObjective([seq!], { ...base, clip: { low: 1, high: 0.2 } })).toThrow(/clip.low must be in \[0, 1\)/);
    expect(() => policyObjective([seq!], { ...base, kl: { coef: 0, estimator: 'k2' as 'k1', placement: 'loss' } })).toThrow(/kl.estimator/);
  });
});

describe('KL estimators', () => {
  it('values and derivatives by hand', () => {
    expect(klEstimate('k1', -1, -1.5)).toBeCloseTo(0.5, 15);
    expect(klEstimate('k3', -1, -1.5)).toBeCloseTo(Math.exp(-0.5) + 0.5 - 1, 15);
    expect(klEstimate('k3', -2, -2)).toBe(0);
    expect(klEstimateGrad('k1', -1, -3)).toBe(1);
    expect(klEstimateGrad('k3', -1, -1.5)).toBeCloseTo(1 - Math.exp(-0.5), 15);
    const h = 1e-6;
    for (const [lp, lr] of [[-1, -1.5], [-0.2, -3], [-4, -0.1]] as const) {
      for (const e of ['k1', 'k3'] as const) {
        const numeric = (klEstimate(e, lp + h, lr) - klEstimate(e, lp - h, lr)) / (2 * h);
        expect(Math.abs(klEstimateGrad(e, lp, lr) - numeric)).toBeLessThan(1e-8 * Math.max(1, Math.abs(numeric)));
      }
      expect(klEstimate('k3', lp, lr)).toBeGreaterThanOrEqual(0);
    }
  });

  it('k1 and k3 are unbiased: their expectation under π equals KL(π‖ref) exactly', () => {
    const pi = [0.5, 0.3, 0.15, 0.05];
    const ref = [0.25, 0.25, 0.25, 0.25];
    const exact = pi.reduce((s, p, i) => s + p * Math.log(p / ref[i]!), 0);
    for (const e of ['k1', 'k3'] as const) {
      const expectation = pi.reduce((s, p, i) => s + p * klEstimate(e, Math.log(p), Math.log(ref[i]!)), 0);
      expect(expectation).toBeCloseTo(exact, 14);
    }
  });

  it('KL in the reward: per-token penalties and their sequence sum', () => {
    const pen = klRewardPenalty([-1, -2, -3], [-1.5, -2, 0], [1, 1, 0], 'k1', 0.1);
    expect(Array.from(pen)).toEqual([-0.05, 0, 0].map((x) => expect.closeTo(x, 15)));
    expect(sequenceKlPenalty([-1, -2, -3], [-1.5, -2, 0], [1, 1, 0], 'k1', 0.1)).toBeCloseTo(-0.05, 15);
    expect(() => klRewardPenalty([0], [0, 0], [1], 'k3', 1)).toThrow(/lengths differ/);
  });
});
