import { describe, it, beforeAll } from 'vitest';
import { testGpu, poisonedBuffer, expectClose } from '../helpers/gpu.ts';
import { rmsnorm } from '../../src/kernels/rmsnorm.ts';
import { rmsnorm as rmsnormRef } from '../../src/reference/rmsnorm.ts';
import { randomArray } from '../../src/reference/compare.ts';
import type { KernelRunner } from '../../src/gpu/runner.ts';

let runner: KernelRunner;
beforeAll(async () => {
  ({ runner } = await testGpu());
});

describe('rmsnorm', () => {
  for (const [rows, width] of [[1, 1], [7, 33], [5, 300], [3, 896]] as const) {
    it(`${rows}×${width}`, async () => {
      const x = randomArray(rows * width, rows + width, 3);
      const w = randomArray(width, width + 1);
      const X = await runner.upload('x', x);
      const Wt = await runner.upload('w', w);
      const Y = await poisonedBuffer(runner, 'y', rows * width);
      await rmsnorm(runner, { x: X, w: Wt, y: Y, rows, width, eps: 1e-6 });
      expectClose(await runner.readF32(Y, rows * width), rmsnormRef(x, w, rows, width, 1e-6), 1e-5, 'rmsnorm');
    });
  }

  it('per head (Qwen3 q_norm) inside a wider packed row', async () => {
    // 3 tokens, rows of 50 floats; heads of 6 at offset 4: columns 4..22 hold 3 heads.
    const [T, stride, off, heads, hd] = [3, 50, 4, 3, 6];
    const x = randomArray(T * stride, 9);
    const w = randomArray(hd, 10);
    const X = await runner.upload('x', x);
    const Wt = await runner.upload('w', w);
    const Y = await poisonedBuffer(runner, 'y', T * heads * hd);
    await rmsnorm(runner, { x: X, w: Wt, y: Y, rows: T * heads, width: hd, groups: heads, inStride: stride, inOffset: off, eps: 1e-5 });
    const packed = new Float32Array(T * heads * hd);
    for (let t = 0; t < T; t++) packed.set(x.subarray(t * stride + off, t * stride + off + heads * hd), t * heads * hd);
    expectClose(await runner.readF32(Y, T * heads * hd), rmsnormRef(packed, w, T * heads, hd, 1e-5), 1e-5, 'per-head');
  });
});
