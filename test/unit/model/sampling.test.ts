import { describe, expect, it } from 'vitest';
import { hash32, keptMask, logSoftmax, resolveSampling, sampleFromLogits, samplingUniform, type SamplingParams } from '../../../src/model/sampling.ts';

// The same hash with BigInt arithmetic mod 2^32: an independent check of the Math.imul/>>> version.
function hash32Big(x: number): number {
  const M = 0xffffffffn;
  let v = BigInt(x >>> 0);
  v ^= v >> 16n;
  v = (v * 0x7feb352dn) & M;
  v ^= v >> 15n;
  v = (v * 0x846ca68bn) & M;
  v ^= v >> 16n;
  return Number(v);
}

const logitsOf = (p: number[]) => p.map(Math.log);
const params = (o: Partial<SamplingParams>): SamplingParams => ({ greedy: false, temperature: 1, topK: 0, topP: 1, seed: 0, ...o });

/** Token frequencies over a fine deterministic grid of u, which the inverse CDF must reproduce exactly. */
function frequencies(logits: number[], p: SamplingParams, n = 20000): number[] {
  const f = new Array(logits.length).fill(0);
  for (let i = 0; i < n; i++) f[sampleFromLogits(logits, p, (i + 0.5) / n).token]++;
  return f.map((c) => c / n);
}

describe('sampling', () => {
  it('hashes with u32 arithmetic only and gives reproducible uniforms in [0, 1)', () => {
    for (const x of [0, 1, 2, 12345, 0x7fffffff, 0x80000000, 0xffffffff]) expect(hash32(x)).toBe(hash32Big(x));
    expect(samplingUniform(1, 2, 3)).toBe(samplingUniform(1, 2, 3));
    const us = Array.from({ length: 20000 }, (_, i) => samplingUniform(42, i % 8, i >> 3));
    expect(us.every((u) => u >= 0 && u < 1 && Number.isInteger(u * 2 ** 24))).toBe(true);
    const mean = us.reduce((a, b) => a + b, 0) / us.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.01);
    expect(new Set(us).size).toBeGreaterThan(19900);
    expect(samplingUniform(1, 0, 0)).not.toBe(samplingUniform(2, 0, 0));
    expect(samplingUniform(1, 0, 0)).not.toBe(samplingUniform(1, 1, 0));
  });

  it('greedy takes the argmax (lowest id on ties) with its T = 1 log-prob', () => {
    const logits = [0.5, 2, 2, -1];
    const r = sampleFromLogits(logits, params({ greedy: true, temperature: 0.3 }), 0.99);
    expect(r.token).toBe(1);
    expect(r.logprob).toBeCloseTo(2 - Math.log(logits.reduce((s, l) => s + Math.exp(l), 0)), 12);
    expect(resolveSampling({ maxNewTokens: 1, temperature: 0 }).greedy).toBe(true);
  });

  it('plain sampling follows softmax(logits / T) and reports that log-prob', () => {
    const logits = [1, 0.2, -0.5, 2.5, 0];
    for (const T of [1, 0.7, 2]) {
      const p = Array.from(logSoftmax(logits, T), Math.exp);
      const f = frequencies(logits, params({ temperature: T }));
      f.forEach((fi, i) => expect(Math.abs(fi - p[i]!)).toBeLessThan(2e-4));
      const r = sampleFromLogits(logits, params({ temperature: T }), 0.3);
      expect(r.logprob).toBeCloseTo(Math.log(p[r.token]!), 12);
    }
  });

  it('top-k keeps the k most probable ids (ties at the k-th kept, as HF) and renormalizes', () => {
    const p = [0.1, 0.4, 0.05, 0.3, 0.15];
    expect(Array.from(keptMask(p, 2, 1))).toEqual([0, 1, 0, 1, 0]);
    expect(Array.from(keptMask([0.4, 0.2, 0.2, 0.2], 2, 1))).toEqual([1, 1, 1, 1]);
    const f = frequencies(logitsOf(p), params({ topK: 2 }));
    expect(f[1]).toBeCloseTo(0.4 / 0.7, 3);
    expect(f[3]).toBeCloseTo(0.3 / 0.7, 3);
    expect(f[0]! + f[2]! + f[4]!).toBe(0);
  });

  it('top-p keeps the smallest most-probable set reaching p (HF rule: mass strictly above < p)', () => {
    const p = [0.05, 0.5, 0.15, 0.3];
    expect(Array.from(keptMask(p, 0, 0.8))).toEqual([0, 1, 0, 1]);
    expect(Array.from(keptMask(p, 0, 0.85))).toEqual([0, 1, 1, 1]);
    expect(Array.from(keptMask(p, 0, 0.01))).toEqual([0, 1, 0, 0]); // always at least the top id
    // Top-p works on the renormalized top-k set: 0.5 / 0.8 = 0.625 above id 3.
    expect(Array.from(keptMask(p, 2, 0.65))).toEqual([0, 1, 0, 1]);
    expect(Array.from(keptMask(p, 2, 0.6))).toEqual([0, 1, 0, 0]);
    const f = frequencies(logitsOf(p), params({ topP: 0.75 })); // away from the exact 0.8 boundary, where rounding decides
    expect(f[1]).toBeCloseTo(0.5 / 0.8, 3);
    expect(f[3]).toBeCloseTo(0.3 / 0.8, 3);
  });

  it('validates options', () => {
    expect(() => resolveSampling({ maxNewTokens: 1, temperature: -1 })).toThrow(/temperature/);
    expect(() => resolveSampling({ maxNewTokens: 1, topK: 1.5 })).toThrow(/topK/);
    expect(() => resolveSampling({ maxNewTokens: 1, topP: 1.2 })).toThrow(/topP/);
    expect(() => resolveSampling({ maxNewTokens: 1, seed: 0.5 })).toThrow(/seed/);
  });
});
