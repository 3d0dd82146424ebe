import { describe, it, beforeAll, expect } from 'vitest';
import { testGpu, poisonedBuffer, expectClose } from '../helpers/gpu.ts';
import { conv1dBackward, conv1dForward, conv1dOutLength, type Conv1dShape } from '../../src/kernels/conv1d.ts';
import { gelu } from '../../src/kernels/gelu.ts';
import { xWt } from '../../src/kernels/matmul_backward.ts';
import { conv1dBackward as convBackwardRef, conv1dForward as convForwardRef } from '../../src/reference/conv1d.ts';
import { convEncoderForward, initConvEncoder } from '../../src/speech/encoder-reference.ts';
import { randomArray } from '../../src/reference/compare.ts';
import type { KernelRunner } from '../../src/gpu/runner.ts';

let runner: KernelRunner;
beforeAll(async () => {
  ({ runner } = await testGpu());
});

const shapes: Conv1dShape[] = [
  { T: 37, Cin: 5, Cout: 7, K: 3, stride: 1, pad: 1 },
  { T: 50, Cin: 16, Cout: 24, K: 5, stride: 2, pad: 2 },
  { T: 40, Cin: 6, Cout: 9, K: 3, stride: 2, pad: 1 },
  { T: 41, Cin: 6, Cout: 9, K: 3, stride: 2, pad: 1 },
  { T: 11, Cin: 3, Cout: 4, K: 4, stride: 3, pad: 0 },
];

describe('conv1d on the GPU (im2col + GEMM) against the float64 direct-loop reference', () => {
  for (const s of shapes) {
    it(`T=${s.T} Cin=${s.Cin} Cout=${s.Cout} K=${s.K} stride ${s.stride} pad ${s.pad}`, async () => {
      const Tout = conv1dOutLength(s.T, s.K, s.stride, s.pad);
      const width = s.Cin * s.K;
      const seed = s.T * 100 + s.Cin;
      const x = randomArray(s.T * s.Cin, seed);
      const w = randomArray(s.Cout * width, seed + 1, 0.5);
      const b = randomArray(s.Cout, seed + 2);
      const dy = randomArray(Tout * s.Cout, seed + 3);
      const dw0 = randomArray(s.Cout * width, seed + 4);
      const db0 = randomArray(s.Cout, seed + 5);
      const W = await runner.upload('w', w);
      const cols = await poisonedBuffer(runner, 'cols', Tout * width);
      const y = await poisonedBuffer(runner, 'y', Tout * s.Cout);
      await conv1dForward(runner, { ...s, x: await runner.upload('x', x), w: W, b: await runner.upload('b', b), cols, y });
      const ref = convForwardRef(s, x, w, b);
      expect(ref.Tout).toBe(Tout);
      expectClose(await runner.readF32(y, Tout * s.Cout), ref.y, 1e-5, 'y');

      const dw = await runner.upload('dw', dw0);
      const db = await runner.upload('db', db0);
      const dx = await poisonedBuffer(runner, 'dx', s.T * s.Cin);
      const dcols = await poisonedBuffer(runner, 'dcols', Tout * width);
      await conv1dBackward(runner, { ...s, w: W, cols, dy: await runner.upload('dy', dy), dw, db, dx, dcols });
      const g = convBackwardRef(s, x, w, dy);
      expectClose(await runner.readF32(dx, s.T * s.Cin), g.dx, 1e-5, 'dx');
      expectClose(await runner.readF32(dw, dw0.length), g.dw.map((v, i) => v + dw0[i]!), 1e-5, 'dw (accumulated)');
      expectClose(await runner.readF32(db, s.Cout), g.db.map((v, i) => v + db0[i]!), 1e-5, 'db (accumulated)');
    });
  }

  it('without bias, and with dcols aliasing cols and dx omitted where not needed', async () => {
    const s: Conv1dShape = { T: 19, Cin: 4, Cout: 5, K: 3, stride: 2, pad: 1 };
    const Tout = conv1dOutLength(s.T, s.K, s.stride, s.pad);
    const x = randomArray(s.T * s.Cin, 1);
    const w = randomArray(s.Cout * s.Cin * s.K, 2);
    const dy = randomArray(Tout * s.Cout, 3);
    const W = await runner.upload('w', w);
    const cols = await poisonedBuffer(runner, 'cols', Tout * s.Cin * s.K);
    const y = await poisonedBuffer(runner, 'y', Tout * s.Cout);
    await conv1dForward(runner, { ...s, x: await runner.upload('x', x), w: W, cols, y });
    expectClose(await runner.readF32(y, Tout * s.Cout), convForwardRef(s, x, w).y, 1e-5, 'y (no bias)');
    const g = convBackwardRef(s, x, w, dy);
    const DY = await runner.upload('dy', dy);
    const dwOnly = await runner.upload('dw', new Float32Array(w.length));
    await conv1dBackward(runner, { ...s, w: W, cols, dy: DY, dw: dwOnly }); // first layer: no dx
    expectClose(await runner.readF32(dwOnly, w.length), g.dw, 1e-5, 'dw (no dx)');
    const dw = await runner.upload('dw', new Float32Array(w.length));
    const dx = await poisonedBuffer(runner, 'dx', s.T * s.Cin);
    await conv1dBackward(runner, { ...s, w: W, cols, dy: DY, dw, dx, dcols: cols });
    expectClose(await runner.readF32(dw, w.length), g.dw, 1e-5, 'dw (dcols = cols)');
    expectClose(await runner.readF32(dx, s.T * s.Cin), g.dx, 1e-5, 'dx (dcols = cols)');
  });

  it('composes to the speech encoder: conv k3 s1 p1 → GELU → conv k3 s2 p1 → GELU → linear', async () => {
    const c = { nMels: 20, channels: 16, outDim: 12 };
    const T = 45;
    const w = initConvEncoder(c, 11);
    const mel = randomArray(c.nMels * T, 12, 3); // nMels × T, as LogMel stores it
    const ref = convEncoderForward(c, w, mel, T);
    const x = new Float32Array(T * c.nMels); // the GPU path is time-major
    for (let m = 0; m < c.nMels; m++) for (let t = 0; t < T; t++) x[t * c.nMels + m] = mel[m * T + t]!;
    const up = (name: string, a: Float64Array) => runner.upload(name, Float32Array.from(a));
    const T1 = conv1dOutLength(T, 3, 1, 1);
    const T2 = conv1dOutLength(T1, 3, 2, 1);
    expect(T2).toBe(ref.T);
    const C = c.channels;
    const cols1 = await poisonedBuffer(runner, 'cols1', T1 * c.nMels * 3);
    const h1 = await poisonedBuffer(runner, 'h1', T1 * C);
    const a1 = await poisonedBuffer(runner, 'a1', T1 * C);
    const cols2 = await poisonedBuffer(runner, 'cols2', T2 * C * 3);
    const h2 = await poisonedBuffer(runner, 'h2', T2 * C);
    const a2 = await poisonedBuffer(runner, 'a2', T2 * C);
    const frames = await poisonedBuffer(runner, 'frames', T2 * c.outDim);
    const projB = Float32Array.from({ length: T2 * c.outDim }, (_, i) => w.projB[i % c.outDim]!); // bias rows, then += a2·Wᵀ
    runner.write(frames, projB);
    const enc = runner.device.createCommandEncoder();
    await conv1dForward(runner, { T, Cin: c.nMels, Cout: C, K: 3, stride: 1, pad: 1, x: await runner.upload('x', x), w: await up('c1w', w.conv1W), b: await up('c1b', w.conv1B), cols: cols1, y: h1 }, enc);
    await gelu(runner, h1, a1, T1 * C, enc);
    await conv1dForward(runner, { T: T1, Cin: C, Cout: C, K: 3, stride: 2, pad: 1, x: a1, w: await up('c2w', w.conv2W), b: await up('c2b', w.conv2B), cols: cols2, y: h2 }, enc);
    await gelu(runner, h2, a2, T2 * C, enc);
    await xWt(runner, a2, await up('pw', w.projW), frames, T2, c.outDim, C, { beta: 1 }, enc);
    runner.device.queue.submit([enc.finish()]);
    expectClose(await runner.readF32(frames, T2 * c.outDim), ref.frames, 1e-5, 'encoder frames');
  });
});
