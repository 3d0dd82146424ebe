import { describe, it, beforeAll, expect } from 'vitest';
import { testGpu, poisonedBuffer, expectClose } from '../helpers/gpu.ts';
import { linear } from '../../src/kernels/linear.ts';
import { uploadMatrix, type GpuDtype } from '../../src/kernels/gpu-matrix.ts';
import { roundToF16 } from '../../src/kernels/f16.ts';
import { matmulABt } from '../../src/reference/matmul.ts';
import { randomArray } from '../../src/reference/compare.ts';
import { rmsnorm } from '../../src/reference/rmsnorm.ts';
import { swiglu } from '../../src/reference/swiglu.ts';
import type { KernelRunner } from '../../src/gpu/runner.ts';

let runner: KernelRunner;
beforeAll(async () => {
  ({ runner } = await testGpu());
});

async function check(M: number, N: number, K: number, dtype: GpuDtype, mode: 'tiled' | 'gemv' | 'gemv_serial', withBias: boolean, chunkRows?: number) {
  const seed = M * 7919 + N * 31 + K * 3 + (withBias ? 1 : 0) + (dtype === 'f16' ? 5 : 0);
  const a = randomArray(M * K, seed);
  const w = randomArray(N * K, seed + 1);
  const bias = withBias ? randomArray(N, seed + 2) : undefined;
  const rowBytes = (dtype === 'f16' ? Math.ceil(K / 2) : K) * 4;
  const W = await uploadMatrix(runner, 'W', N, K, dtype, { f32: w }, chunkRows ? { maxChunkBytes: chunkRows * rowBytes } : {});
  if (chunkRows) expect(W.chunks.length).toBe(Math.ceil(N / chunkRows));
  const A = await runner.upload('A', a);
  const Bias = bias ? await runner.upload('bias', bias) : undefined;
  const C = await poisonedBuffer(runner, 'C', M * N);
  await linear(runner, { a: A, w: W, c: C, bias: Bias, M, mode });
  const got = await runner.readF32(C, M * N);
  const wRef = dtype === 'f16' ? roundToF16(w) : w;
  // Against the weights as stored: f32 accuracy; against the unrounded weights: the f16 budget.
  expectClose(got, matmulABt(a, wRef, M, N, K, bias), 1e-5, `${mode} ${dtype} ${M}×${N}×${K}`);
  if (dtype === 'f16') expectClose(got, matmulABt(a, w, M, N, K, bias), 1e-2, 'f16 vs f32 weights');
}

describe('linear C = A·Wᵀ (+bias), u32-packed weights', () => {
  for (const dtype of ['f32', 'f16'] as const) {
    for (const [M, N, K] of [[1, 1, 1], [3, 37, 29], [8, 65, 130], [5, 130, 257]] as const) {
      it(`gemv ${dtype} ${M}×${N}×${K} + bias`, () => check(M, N, K, dtype, 'gemv', true));
    }
    for (const [M, N, K] of [[1, 1, 1], [6, 70, 33], [19, 65, 40]] as const) {
      it(`gemv_serial ${dtype} ${M}×${N}×${K} + bias (rows in groups of 8)`, () => check(M, N, K, dtype, 'gemv_serial', true));
    }
    for (const [M, N, K] of [[1, 3, 5], [67, 33, 31], [70, 130, 96]] as const) {
      it(`tiled ${dtype} ${M}×${N}×${K}`, () => check(M, N, K, dtype, 'tiled', M > 60));
    }
    it(`${dtype} weights split over several buffers (gemv and tiled)`, async () => {
      await check(4, 45, 34, dtype, 'gemv', true, 16);
      await check(66, 45, 34, dtype, 'tiled', true, 16);
      await check(11, 45, 34, dtype, 'gemv_serial', true, 16);
    });
  }

  describe('fused prologues (decode: one dispatch fewer each)', () => {
    for (const mode of ['gemv', 'gemv_serial'] as const) {
      for (const [M, N, K] of [[1, 9, 33], [6, 21, 130], [8, 5, 7]] as const) {
        it(`${mode}: RMSNorm(A)·Wᵀ + bias, ${M}×${N}×${K}, f16`, async () => {
          const x = randomArray(M * K, M + K, 3);
          const g = randomArray(K, K + 1);
          const w = randomArray(N * K, N + 2);
          const bias = randomArray(N, N + 3);
          const W = await uploadMatrix(runner, 'W', N, K, 'f16', { f32: w });
          const C = await poisonedBuffer(runner, 'C', M * N);
          const norm = { weights: await runner.upload('g', g), eps: 1e-6 };
          await linear(runner, { a: await runner.upload('x', x), w: W, c: C, M, mode, norm, bias: await runner.upload('b', bias) });
          const want = matmulABt(rmsnorm(x, g, M, K, 1e-6), roundToF16(w), M, N, K, bias);
          expectClose(await runner.readF32(C, M * N), want, 1e-5, 'norm-fused');
        });
      }
    }
    for (const mode of ['gemv', 'gemv_serial', 'tiled'] as const) {
      it(`${mode}: (silu(gate) ⊙ up)·Wᵀ accumulated into C, f32`, async () => {
        const [M, N, K] = mode === 'tiled' ? [70, 19, 37] : [7, 19, 37];
        const gu = randomArray(M * 2 * K, 5, 4);
        const w = randomArray(N * K, 6);
        const base = randomArray(M * N, 7);
        const gate = new Float32Array(M * K);
        const up = new Float32Array(M * K);
        for (let m = 0; m < M; m++) {
          gate.set(gu.subarray(m * 2 * K, m * 2 * K + K), m * K);
          up.set(gu.subarray(m * 2 * K + K, (m + 1) * 2 * K), m * K);
        }
        const W = await uploadMatrix(runner, 'W', N, K, 'f32', { f32: w });
        const C = await runner.upload('C', base);
        await linear(runner, { a: await runner.upload('gu', gu), w: W, c: C, M, mode, swigluInput: true, accumulate: true });
        const prod = matmulABt(swiglu(gate, up), w, M, N, K);
        expectClose(await runner.readF32(C, M * N), prod.map((v, i) => v + base[i]!), 1e-5, 'swiglu-fused');
      });
    }
  });

  it('accumulates into a column window of a wider output (residual add, split vocab)', async () => {
    const [M, N, K, ldc, off] = [3, 20, 18, 31, 7];
    const a = randomArray(M * K, 1);
    const w = randomArray(N * K, 2);
    const base = randomArray(M * ldc, 3);
    const W = await uploadMatrix(runner, 'W', N, K, 'f16', { f32: w }, { maxChunkBytes: 6 * 9 * 4 });
    const A = await runner.upload('A', a);
    const C = await runner.upload('C', base);
    await linear(runner, { a: A, w: W, c: C, M, ldc, colOffset: off, accumulate: true });
    const got = await runner.readF32(C, M * ldc);
    const prod = matmulABt(a, roundToF16(w), M, N, K);
    const want = Float64Array.from(base);
    for (let m = 0; m < M; m++) for (let n = 0; n < N; n++) want[m * ldc + off + n]! += prod[m * N + n]!;
    expectClose(got, want, 1e-5, 'accumulate');
  });

  it('rejects mismatched shapes with a clear error', async () => {
    const W = await uploadMatrix(runner, 'Wq', 4, 4, 'f32', { f32: randomArray(16, 1) });
    const A = await runner.createBuffer('A', 16);
    await expect(linear(runner, { a: A, w: W, c: A, M: 2 })).rejects.toThrow(/linear Wq: input holds 16 bytes, needs 2×4 floats/);
    await expect(uploadMatrix(runner, 'Wbad', 4, 4, 'f32', { f32: randomArray(15, 1) })).rejects.toThrow(/Wbad: expected 4×4 = 16 values, got 15/);
    await expect(uploadMatrix(runner, 'Wwide', 2, 64, 'f32', { f32: randomArray(128, 1) }, { maxChunkBytes: 100 })).rejects.toThrow(
      /Wwide: one row is 256 bytes, over the device's buffer binding limit of 100 bytes/,
    );
  });
});
