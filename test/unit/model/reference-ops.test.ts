// Each forward op reference against a hand-computed case and an independently written naive version.
import { describe, expect, it } from 'vitest';
import { causalAttention } from '../../../src/reference/attention.ts';
import { compare, randomArray } from '../../../src/reference/compare.ts';
import { embeddingGather } from '../../../src/reference/embedding.ts';
import { residualAdd } from '../../../src/reference/residual.ts';
import { rmsnorm } from '../../../src/reference/rmsnorm.ts';
import { applyRope } from '../../../src/reference/rope.ts';
import { swiglu } from '../../../src/reference/swiglu.ts';

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-12) => {
  const c = compare(a, b, tol);
  expect(c.ok, `rel ${c.relError}`).toBe(true);
};

describe('embedding', () => {
  it('gathers rows and rejects ids outside the vocabulary', () => {
    const table = [0, 1, 10, 11, 20, 21];
    expect(Array.from(embeddingGather(table, [2, 0, 2], 3, 2))).toEqual([20, 21, 0, 1, 20, 21]);
    expect(() => embeddingGather(table, [3], 3, 2)).toThrow(/token 0 has id 3, outside the vocabulary \[0, 3\)/);
  });
});

describe('rmsnorm', () => {
  it('matches a hand-computed row and a naive per-row version', () => {
    const y = rmsnorm([3, 4], [1, 2], 1, 2, 0);
    const r = Math.sqrt(12.5);
    close(y, [3 / r, 8 / r]);
    const rows = 5;
    const D = 13;
    const x = randomArray(rows * D, 1);
    const w = randomArray(D, 2);
    const naive: number[] = [];
    for (let i = 0; i < rows; i++) {
      const row = Array.from(x.subarray(i * D, (i + 1) * D));
      const ms = row.reduce((s, v) => s + v * v, 0) / D;
      naive.push(...row.map((v, j) => (v / Math.sqrt(ms + 1e-6)) * w[j]!));
    }
    close(rmsnorm(x, w, rows, D, 1e-6), naive);
  });
});

describe('rope', () => {
  it('rotates (x_i, x_{i+hd/2}) as the complex number x_i + i·x_{i+hd/2} times e^{i·p·θ^(−2i/hd)}', () => {
    const T = 3;
    const heads = 2;
    const hd = 6;
    const theta = 10000;
    const positions = [0, 5, 17];
    const x = randomArray(T * heads * hd, 3);
    const expected = new Float64Array(x.length);
    for (let t = 0; t < T; t++) {
      for (let h = 0; h < heads; h++) {
        for (let i = 0; i < hd / 2; i++) {
          const o = (t * heads + h) * hd;
          const re = x[o + i]!;
          const im = x[o + i + hd / 2]!;
          const ang = positions[t]! / theta ** ((2 * i) / hd);
          expected[o + i] = re * Math.cos(ang) - im * Math.sin(ang);
          expected[o + i + hd / 2] = re * Math.sin(ang) + im * Math.cos(ang);
        }
      }
    }
    close(applyRope(x, positions, heads, hd, theta), expected);
    close(applyRope(x.subarray(0, heads * hd), [0], heads, hd, theta), x.subarray(0, heads * hd)); // position 0: identity
    close(applyRope([1, 0], [2], 1, 2, 10000), [Math.cos(2), Math.sin(2)]);
  });

  it('makes q·k depend only on the relative position', () => {
    const hd = 8;
    const q = randomArray(hd, 4);
    const k = randomArray(hd, 5);
    const dot = (m: number, n: number) => {
      const a = applyRope(q, [m], 1, hd, 1e6);
      const b = applyRope(k, [n], 1, hd, 1e6);
      return a.reduce((s, v, i) => s + v * b[i]!, 0);
    };
    expect(dot(7, 3)).toBeCloseTo(dot(104, 100), 10);
    expect(dot(7, 3)).not.toBeCloseTo(dot(8, 3), 3);
  });
});

/** Independent naive GQA: repeat_kv, a full masked score matrix, softmax, P·V (as HF eager attention). */
function naiveAttention(q: Float32Array, k: Float32Array, v: Float32Array, Tq: number, Tk: number, H: number, KV: number, hd: number): Float64Array {
  const out = new Float64Array(Tq * H * hd);
  const offset = Tk - Tq;
  for (let h = 0; h < H; h++) {
    const kvh = Math.floor((h * KV) / H);
    for (let t = 0; t < Tq; t++) {
      const scores = Array.from({ length: Tk }, (_, s) => {
        if (s > offset + t) return -Infinity;
        let d = 0;
        for (let i = 0; i < hd; i++) d += q[(t * H + h) * hd + i]! * k[(s * KV + kvh) * hd + i]!;
        return d / Math.sqrt(hd);
      });
      const m = Math.max(...scores);
      const e = scores.map((s) => Math.exp(s - m));
      const z = e.reduce((a, b) => a + b, 0);
      for (let s = 0; s < Tk; s++) for (let i = 0; i < hd; i++) out[(t * H + h) * hd + i] += (e[s]! / z) * v[(s * KV + kvh) * hd + i]!;
    }
  }
  return out;
}

describe('causal GQA attention', () => {
  const [T, H, KV, hd] = [7, 6, 2, 5];
  const q = randomArray(T * H * hd, 6);
  const k = randomArray(T * KV * hd, 7);
  const v = randomArray(T * KV * hd, 8);

  it('prefill matches the naive masked version', () => {
    close(causalAttention(q, k, v, { Tq: T, Tk: T, H, KV, hd }), naiveAttention(q, k, v, T, T, H, KV, hd));
  });

  it('decode against the cache equals the prefill row; chunks at an offset equal their prefill rows', () => {
    const full = causalAttention(q, k, v, { Tq: T, Tk: T, H, KV, hd });
    const row = H * hd;
    for (let t = 0; t < T; t++) {
      const one = causalAttention(q.subarray(t * row, (t + 1) * row), k, v, { Tq: 1, Tk: t + 1, H, KV, hd });
      close(one, full.subarray(t * row, (t + 1) * row));
    }
    const chunk = causalAttention(q.subarray(2 * row, 5 * row), k, v, { Tq: 3, Tk: T, H, KV, hd, offset: 2 });
    close(chunk, full.subarray(2 * row, 5 * row));
  });

  it('the first position attends only to itself; bad shapes are named', () => {
    const out = causalAttention(q, k, v, { Tq: T, Tk: T, H, KV, hd });
    for (let h = 0; h < H; h++) {
      const kvh = Math.floor(h / (H / KV));
      close(out.subarray(h * hd, (h + 1) * hd), v.subarray(kvh * hd, (kvh + 1) * hd));
    }
    expect(() => causalAttention(q, k, v, { Tq: T, Tk: T, H: 5, KV, hd })).toThrow(/not a multiple/);
    expect(() => causalAttention(q, k, v, { Tq: T, Tk: T - 1, H, KV, hd, offset: 0 })).toThrow(/lacks/);
  });
});

describe('swiglu and residual', () => {
  it('computes silu(gate)·up and a + b', () => {
    close(swiglu([0, 1, -2], [5, 3, 0.5]), [0, 3 / (1 + Math.exp(-1)), (0.5 * -2) / (1 + Math.exp(2))]);
    expect(swiglu([40], [1])[0]).toBeCloseTo(40, 10);
    expect(() => swiglu([1, 2], [1])).toThrow(/gate has 2 values, up has 1/);
    expect(Array.from(residualAdd([1, 2], [0.5, -3]))).toEqual([1.5, -1]);
    expect(() => residualAdd([1], [1, 2])).toThrow(/lengths differ/);
  });
});
