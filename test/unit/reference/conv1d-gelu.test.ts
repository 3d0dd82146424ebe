// Central finite-difference checks of the float64 conv1d and GELU references (the GPU kernels are
// tested against these), and their composition against the speech encoder's own forward.
import { describe, expect, it } from 'vitest';
import { conv1dBackward, conv1dForward, type Conv1dShape } from '../../../src/reference/conv1d.ts';
import { gelu, geluBackward } from '../../../src/reference/gelu.ts';
import { convEncoderForward, initConvEncoder } from '../../../src/speech/encoder-reference.ts';
import { randomArray } from '../../../src/reference/compare.ts';

const f64 = (n: number, seed: number, scale = 1) => Float64Array.from(randomArray(n, seed, scale));
const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};

/** Largest |fd − analytic| / max(|analytic|, floor) over every element of `param`. */
function fdError(param: Float64Array, analytic: ArrayLike<number>, loss: () => number, h: number, floor = 1e-2): number {
  let worst = 0;
  for (let i = 0; i < param.length; i++) {
    const v = param[i]!;
    param[i] = v + h;
    const up = loss();
    param[i] = v - h;
    const down = loss();
    param[i] = v;
    const fd = (up - down) / (2 * h);
    worst = Math.max(worst, Math.abs(fd - analytic[i]!) / Math.max(Math.abs(analytic[i]!), floor));
  }
  return worst;
}

describe('conv1d reference gradients (finite differences on L = Σ r ⊙ y)', () => {
  const shapes: Conv1dShape[] = [
    { T: 7, Cin: 3, Cout: 4, K: 3, stride: 1, pad: 1 },
    { T: 9, Cin: 2, Cout: 3, K: 5, stride: 2, pad: 2 },
    { T: 8, Cin: 2, Cout: 3, K: 3, stride: 2, pad: 1 },
    { T: 7, Cin: 2, Cout: 3, K: 3, stride: 2, pad: 1 },
    { T: 10, Cin: 2, Cout: 2, K: 4, stride: 3, pad: 0 },
  ];
  for (const s of shapes) {
    it(`T=${s.T} Cin=${s.Cin} Cout=${s.Cout} K=${s.K} stride ${s.stride} pad ${s.pad}`, () => {
      const x = f64(s.T * s.Cin, 1);
      const w = f64(s.Cout * s.Cin * s.K, 2);
      const b = f64(s.Cout, 3);
      const { y, Tout } = conv1dForward(s, x, w, b);
      expect(Tout).toBe(Math.floor((s.T + 2 * s.pad - s.K) / s.stride) + 1);
      const r = f64(y.length, 4);
      const loss = () => dot(r, conv1dForward(s, x, w, b).y);
      const g = conv1dBackward(s, x, w, r);
      for (const [name, param, grad] of [['x', x, g.dx], ['w', w, g.dw], ['b', b, g.db]] as const) {
        expect(fdError(param, grad, loss, 1e-4), name).toBeLessThan(1e-6);
      }
    });
  }

  it('rejects an input shorter than the kernel', () => {
    expect(() => conv1dForward({ T: 2, Cin: 1, Cout: 1, K: 5, stride: 1, pad: 1 }, [1, 2], [1, 1, 1, 1, 1])).toThrow(/shorter than the kernel/);
  });
});

describe('GELU (tanh form) reference', () => {
  it('backward matches finite differences over ±6', () => {
    const x = Float64Array.from({ length: 241 }, (_, i) => -6 + i * 0.05 + 1e-3);
    const dy = f64(x.length, 5);
    const loss = () => dot(dy, gelu(x));
    expect(fdError(x, geluBackward(x, dy), loss, 1e-5)).toBeLessThan(1e-6);
  });
});

describe('conv1d + GELU references compose to the speech encoder', () => {
  it('conv k3 s1 p1 → GELU → conv k3 s2 p1 → GELU → linear equals convEncoderForward', () => {
    const c = { nMels: 6, channels: 5, outDim: 4 };
    const T = 11;
    const w = initConvEncoder(c, 7);
    const melChannelsFirst = f64(c.nMels * T, 8);
    const x = new Float64Array(T * c.nMels); // time-major copy of the nMels × T log-mel
    for (let m = 0; m < c.nMels; m++) for (let t = 0; t < T; t++) x[t * c.nMels + m] = melChannelsFirst[m * T + t]!;
    const h1 = conv1dForward({ T, Cin: c.nMels, Cout: c.channels, K: 3, stride: 1, pad: 1 }, x, w.conv1W, w.conv1B);
    const h2 = conv1dForward({ T: h1.Tout, Cin: c.channels, Cout: c.channels, K: 3, stride: 2, pad: 1 }, gelu(h1.y), w.conv2W, w.conv2B);
    const a2 = gelu(h2.y);
    const frames = new Float64Array(h2.Tout * c.outDim);
    for (let t = 0; t < h2.Tout; t++) {
      for (let e = 0; e < c.outDim; e++) frames[t * c.outDim + e] = w.projB[e]! + dot(a2.subarray(t * c.channels, (t + 1) * c.channels), w.projW.subarray(e * c.channels, (e + 1) * c.channels));
    }
    const ref = convEncoderForward(c, w, melChannelsFirst, T);
    expect(h2.Tout).toBe(ref.T);
    for (let i = 0; i < frames.length; i++) expect(frames[i]).toBeCloseTo(ref.frames[i]!, 12);
  });
});
