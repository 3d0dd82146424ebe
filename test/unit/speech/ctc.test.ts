// CTC against brute force (sum over every alignment of a tiny case), central finite differences of
// the gradient, the impossible case, and greedy decoding.
import { describe, expect, it } from 'vitest';
import { ctcGreedyDecode, ctcLoss, logSoftmaxRows } from '../../../src/speech/listening/ctc.ts';
import { rng } from '../../../src/reference/compare.ts';

const randomLogits = (n: number, seed: number) => {
  const r = rng(seed);
  return Float64Array.from({ length: n }, () => (r() - 0.5) * 4);
};

/** Collapses an alignment (repeats merged, blanks dropped). */
const collapse = (path: number[]) => path.filter((v, i) => v !== 0 && v !== path[i - 1]);

function bruteForce(logits: Float64Array, T: number, V: number, label: number[]): number {
  const lp = logSoftmaxRows(logits, T, V);
  let p = 0;
  const path: number[] = [];
  const walk = (t: number, logp: number) => {
    if (t === T) {
      if (collapse(path).join() === label.join()) p += Math.exp(logp);
      return;
    }
    for (let v = 0; v < V; v++) {
      path.push(v);
      walk(t + 1, logp + lp[t * V + v]!);
      path.pop();
    }
  };
  walk(0, 0);
  return -Math.log(p);
}

describe('CTC loss', () => {
  for (const [T, V, label] of [
    [4, 3, [1, 2]],
    [5, 3, [1, 1]], // a repeat needs a blank between
    [6, 4, [2, 3, 2]],
    [3, 2, [1]],
  ] as [number, number, number[]][]) {
    it(`equals the sum over all alignments (T=${T}, V=${V}, label ${label})`, () => {
      const logits = randomLogits(T * V, T * 10 + V);
      expect(ctcLoss(logits, T, V, label).loss).toBeCloseTo(bruteForce(logits, T, V, label), 10);
    });
  }

  it('gradient matches central differences', () => {
    const [T, V, label] = [9, 5, [1, 3, 3, 2]];
    const logits = randomLogits(T * V, 3);
    const { grad } = ctcLoss(logits, T, V, label);
    const h = 1e-6;
    for (let i = 0; i < T * V; i++) {
      const up = logits.slice();
      up[i]! += h;
      const down = logits.slice();
      down[i]! -= h;
      const fd = (ctcLoss(up, T, V, label).loss - ctcLoss(down, T, V, label).loss) / (2 * h);
      expect(Math.abs(fd - grad[i]!)).toBeLessThan(1e-6 * Math.max(1, Math.abs(fd)));
    }
    // each frame's gradient sums to zero (softmax minus a distribution)
    for (let t = 0; t < T; t++) expect(Math.abs(grad.subarray(t * V, (t + 1) * V).reduce((a, b) => a + b, 0))).toBeLessThan(1e-12);
  });

  it('is infinite with a zero gradient when the label cannot fit, and rejects bad ids', () => {
    const r = ctcLoss(randomLogits(2 * 3, 1), 2, 3, [1, 1]); // needs 3 frames
    expect(r.loss).toBe(Infinity);
    expect(r.grad.every((g) => g === 0)).toBe(true);
    expect(() => ctcLoss(randomLogits(6, 1), 2, 3, [0])).toThrow(/blank/);
    expect(() => ctcLoss(randomLogits(6, 1), 2, 3, [3])).toThrow(/not a symbol/);
  });
});

describe('greedy decoding', () => {
  it('merges repeats and drops blanks', () => {
    const V = 4;
    const best = [0, 1, 1, 0, 1, 2, 2, 0, 3];
    const logits = new Float64Array(best.length * V).fill(-1);
    best.forEach((v, t) => (logits[t * V + v] = 5));
    expect(ctcGreedyDecode(logits, best.length, V)).toEqual([1, 1, 2, 3]);
  });
});
