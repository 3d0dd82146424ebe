import { describe, it, beforeAll, expect } from 'vitest';
import { testGpu, poisonedBuffer, expectClose } from '../helpers/gpu.ts';
import { matmul } from '../../src/kernels/matmul.ts';
import { matmulABt } from '../../src/reference/matmul.ts';
import { randomArray } from '../../src/reference/compare.ts';
import type { KernelRunner } from '../../src/gpu/runner.ts';
import { WgslCompileError } from '../../src/gpu/errors.ts';

let runner: KernelRunner;
beforeAll(async () => {
  ({ runner } = await testGpu());
});

describe('matmul C = A·Bᵀ (f32)', () => {
  const sizes: [number, number, number][] = [
    [1, 1, 1],
    [7, 13, 5],
    [65, 129, 33],
    [256, 256, 256],
  ];
  for (const [M, N, K] of sizes) {
    for (const withBias of [false, true]) {
      it(`${M}×${N}×${K}${withBias ? ' + bias' : ''}`, async () => {
        const seed = M * 7919 + N * 31 + K + (withBias ? 1 : 0);
        const a = randomArray(M * K, seed);
        const b = randomArray(N * K, seed + 1);
        const bias = withBias ? randomArray(N, seed + 2) : undefined;
        const A = await runner.upload('A', a);
        const B = await runner.upload('B', b);
        const Bias = bias ? await runner.upload('bias', bias) : undefined;
        const C = await poisonedBuffer(runner, 'C', M * N);
        await matmul(runner, { a: A, b: B, c: C, bias: Bias, M, N, K });
        const got = await runner.readF32(C, M * N);
        expectClose(got, matmulABt(a, b, M, N, K, bias), 1e-5, `${M}×${N}×${K}`);
      });
    }
  }

  it('rejects bad sizes with a clear error', async () => {
    const A = await runner.createBuffer('A', 16);
    await expect(matmul(runner, { a: A, b: A, c: A, M: 0, N: 1, K: 1 })).rejects.toThrow(/M must be a positive integer/);
  });

  it('reports WGSL compile errors with the compiler message and line', async () => {
    const err = await runner.compileSource('broken', 'fn main() { let x: f32 = ; }').catch((e) => e);
    expect(err).toBeInstanceOf(WgslCompileError);
    expect(String(err.message)).toMatch(/broken\.wgsl:1:\d+ error/);
  });
});
