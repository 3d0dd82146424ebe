import { describe, it, beforeAll } from 'vitest';
import { testGpu, poisonedBuffer, expectClose } from '../helpers/gpu.ts';
import { swigluBackward } from '../../src/kernels/swiglu_backward.ts';
import { swigluBackward as reference } from '../../src/reference/swiglu_backward.ts';
import { randomArray } from '../../src/reference/compare.ts';
import type { KernelRunner } from '../../src/gpu/runner.ts';

let runner: KernelRunner;
beforeAll(async () => {
  ({ runner } = await testGpu());
});

describe('swiglu_backward (fused gate|up layout) vs float64 reference', () => {
  for (const [T, I] of [[1, 1], [3, 37], [7, 301]] as const) {
    it(`T=${T} I=${I}`, async () => {
      const gu = randomArray(T * 2 * I, T + I, 4);
      const dh = randomArray(T * I, T + I + 1);
      const dgu = await poisonedBuffer(runner, 'dgu', T * 2 * I);
      await swigluBackward(runner, await runner.upload('gu', gu), await runner.upload('dh', dh), dgu, T, I);
      const gate = new Float64Array(T * I);
      const up = new Float64Array(T * I);
      for (let t = 0; t < T; t++) for (let i = 0; i < I; i++) {
        gate[t * I + i] = gu[t * 2 * I + i]!;
        up[t * I + i] = gu[t * 2 * I + I + i]!;
      }
      const { dGate, dUp } = reference(gate, up, dh);
      const want = new Float64Array(T * 2 * I);
      for (let t = 0; t < T; t++) for (let i = 0; i < I; i++) {
        want[t * 2 * I + i] = dGate[t * I + i]!;
        want[t * 2 * I + I + i] = dUp[t * I + i]!;
      }
      expectClose(await runner.readF32(dgu, T * 2 * I), want, 1e-5, 'dgu');
    });
  }
});
