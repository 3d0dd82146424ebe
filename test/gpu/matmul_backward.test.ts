import { describe, it, beforeAll, expect } from 'vitest';
import { testGpu, poisonedBuffer, expectClose } from '../helpers/gpu.ts';
import { dyTx, dyW, xWt } from '../../src/kernels/matmul_backward.ts';
import { matmulAB, matmulAtB } from '../../src/reference/matmul_backward.ts';
import { matmulABt } from '../../src/reference/matmul.ts';
import { randomArray } from '../../src/reference/compare.ts';
import { uploadMatrix } from '../../src/kernels/gpu-matrix.ts';
import { roundToF16 } from '../../src/kernels/f16.ts';
import type { KernelRunner } from '../../src/gpu/runner.ts';
import { backInput } from '../../src/train/gpu/ops.ts';

let runner: KernelRunner;
beforeAll(async () => {
  ({ runner } = await testGpu());
});

describe('matmul_backward: strided C = alpha·op(A)·op(B) + beta·C', () => {
  const sizes: [number, number, number][] = [
    [1, 1, 1],
    [7, 13, 5],
    [70, 33, 67],
  ];
  for (const [T, N, K] of sizes) {
    it(`dX = dY·W, dW = dYᵀ·X, Y = X·Wᵀ at T=${T} N=${N} K=${K}`, async () => {
      const s = T * 131 + N * 17 + K;
      const dy = randomArray(T * N, s);
      const w = randomArray(N * K, s + 1);
      const x = randomArray(T * K, s + 2);
      const [dyB, wB, xB] = await Promise.all([runner.upload('dy', dy), runner.upload('w', w), runner.upload('x', x)]);
      const dx = await poisonedBuffer(runner, 'dx', T * K);
      await dyW(runner, dyB, wB, dx, T, N, K);
      expectClose(await runner.readF32(dx, T * K), matmulAB(dy, w, T, N, K), 1e-5, 'dY·W');
      const dw = await poisonedBuffer(runner, 'dw', N * K);
      await dyTx(runner, dyB, xB, dw, T, N, K);
      expectClose(await runner.readF32(dw, N * K), matmulAtB(dy, x, T, N, K), 1e-5, 'dYᵀ·X');
      const y = await poisonedBuffer(runner, 'y', T * N);
      await xWt(runner, xB, wB, y, T, N, K);
      expectClose(await runner.readF32(y, T * N), matmulABt(x, w, T, N, K), 1e-5, 'X·Wᵀ');
    });
  }

  it('accumulates with alpha and beta (gradient accumulation, LoRA scale)', async () => {
    const [T, N, K] = [9, 6, 11];
    const dy = randomArray(T * N, 1);
    const x = randomArray(T * K, 2);
    const c0 = randomArray(N * K, 3);
    const cB = await runner.upload('c', c0);
    await dyTx(runner, await runner.upload('dy', dy), await runner.upload('x', x), cB, T, N, K, { alpha: 0.75, beta: 1 });
    const ref = matmulAtB(dy, x, T, N, K);
    expectClose(await runner.readF32(cB, N * K), ref.map((v, i) => 0.75 * v + c0[i]!), 1e-5, 'accumulate');
  });

  it('reads f16-packed weights with odd rows (the engine layout) in both orientations', async () => {
    const [T, N, K] = [5, 7, 9];
    const w = randomArray(N * K, 4);
    const wq = roundToF16(w);
    const m = await uploadMatrix(runner, 'w16', N, K, 'f16', { f32: w });
    const halvesPerRow = m.rowWords * 2;
    const dy = randomArray(T * N, 5);
    const x = randomArray(T * K, 6);
    const dx = await poisonedBuffer(runner, 'dx', T * K);
    await dyW(runner, await runner.upload('dy', dy), m.chunks[0]!.buffer, dx, T, N, K, { f16: true, wRowStride: halvesPerRow });
    expectClose(await runner.readF32(dx, T * K), matmulAB(dy, wq, T, N, K), 1e-5, 'dY·W16');
    const y = await poisonedBuffer(runner, 'y', T * N);
    await xWt(runner, await runner.upload('x', x), m.chunks[0]!.buffer, y, T, N, K, { f16: true, wRowStride: halvesPerRow });
    expectClose(await runner.readF32(y, T * N), matmulABt(x, wq, T, N, K), 1e-5, 'X·W16ᵀ');
  });

  it('dX = dY·W over a weight split into row chunks (large vocabularies), f16 and f32', async () => {
    const [T, N, K] = [6, 37, 10];
    const dy = randomArray(T * 2 * N, 7); // dY rows are wider than N: the product reads columns N..2N
    const w = randomArray(N * K, 8);
    for (const dtype of ['f16', 'f32'] as const) {
      const m = await uploadMatrix(runner, `w-${dtype}`, N, K, dtype, { f32: w }, { maxChunkBytes: 7 * K * 4 });
      expect(m.chunks.length).toBeGreaterThan(2);
      const dx = await poisonedBuffer(runner, 'dx', T * K);
      const enc = runner.device.createCommandEncoder();
      await backInput(runner, enc, { buffer: await runner.upload('dy', dy), ld: 2 * N, off: N }, m, { buffer: dx, ld: K }, T, false);
      runner.device.queue.submit([enc.finish()]);
      const dySlice = Float64Array.from({ length: T * N }, (_, j) => dy[Math.floor(j / N) * 2 * N + N + (j % N)]!);
      const wq = dtype === 'f16' ? roundToF16(w) : w;
      expectClose(await runner.readF32(dx, T * K), matmulAB(dySlice, wq, T, N, K), 1e-5, `chunked ${dtype}`);
    }
  });
});
