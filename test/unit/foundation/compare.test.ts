import { describe, expect, it } from 'vitest';
import { compare, randomArray, rng } from '../../../src/reference/compare.ts';

describe('compare (kernel output vs float64 reference)', () => {
  it('computes relative and max-abs error', () => {
    const c = compare([1, 2, 3.5], [1, 2, 3], 1);
    expect(c.relError).toBeCloseTo(0.5 / Math.sqrt(14), 12);
    expect(c.maxAbsError).toBe(0.5);
    expect(c.maxAbsIndex).toBe(2);
    expect(c.ok).toBe(true);
    expect(compare([1, 2, 3.5], [1, 2, 3], 1e-3).ok).toBe(false);
  });

  it('never passes NaN or Infinity, whatever the tolerance', () => {
    expect(compare([1, NaN, 3], [1, 2, 3], Infinity).ok).toBe(false);
    expect(compare([1, Infinity], [1, 2], Infinity).nonFinite).toBe(1);
    expect(compare([NaN], [0], 1).ok).toBe(false);
  });

  it('rejects length mismatches loudly', () => {
    expect(() => compare([1], [1, 2], 1)).toThrow(/length mismatch/);
  });

  it('makes reproducible random inputs without zeros', () => {
    expect(randomArray(1000, 7)).toEqual(randomArray(1000, 7));
    expect(randomArray(1000, 7)).not.toEqual(randomArray(1000, 8));
    expect(randomArray(10000, 3).every((v) => v !== 0 && Math.abs(v) <= 1)).toBe(true);
    const r = rng(1);
    expect(r()).not.toBe(r());
  });
});
