import { describe, it, beforeAll } from 'vitest';
import { testGpu, poisonedBuffer, expectClose } from '../helpers/gpu.ts';
import { swiglu } from '../../src/kernels/swiglu.ts';
import { swiglu as swigluRef } from '../../src/reference/swiglu.ts';
import { randomArray } from '../../src/reference/compare.ts';
import type { KernelRunner } from '../../src/gpu/runner.ts';

let runner: KernelRunner;
beforeAll(async () => {
  ({ runner } = await testGpu());
});

describe('swiglu on a fused gate|up buffer', () => {
  for (const [T, I] of [[1, 1], [3, 37], [5, 300]] as const) {
    it(`${T}×${I}`, async () => {
      const gu = randomArray(T * 2 * I, T + I, 6); // ±6 reaches both tails of silu
      const gate = new Float32Array(T * I);
      const up = new Float32Array(T * I);
      for (let t = 0; t < T; t++) {
        gate.set(gu.subarray(t * 2 * I, t * 2 * I + I), t * I);
        up.set(gu.subarray(t * 2 * I + I, (t + 1) * 2 * I), t * I);
      }
      const GU = await runner.upload('gu', gu);
      const out = await poisonedBuffer(runner, 'out', T * I);
      await swiglu(runner, GU, out, T, I);
      expectClose(await runner.readF32(out, T * I), swigluRef(gate, up), 1e-6, 'swiglu');
    });
  }
});
