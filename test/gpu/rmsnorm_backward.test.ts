import { describe, it, beforeAll } from 'vitest';
import { testGpu, poisonedBuffer, expectClose } from '../helpers/gpu.ts';
import { rmsnormBackward } from '../../src/kernels/rmsnorm_backward.ts';
import { rmsnormBackward as reference } from '../../src/reference/rmsnorm_backward.ts';
import { randomArray } from '../../src/reference/compare.ts';
import type { KernelRunner } from '../../src/gpu/runner.ts';

let runner: KernelRunner;
beforeAll(async () => {
  ({ runner } = await testGpu());
});

describe('rmsnorm_backward vs float64 reference', () => {
  // D = 1 is left out: there dx is pure cancellation (∝ eps) and no float32 kernel can match it relatively.
  for (const [rows, D] of [[1, 2], [3, 7], [5, 300]] as const) {
    for (const accumulate of [false, true]) {
      it(`${rows}×${D}${accumulate ? ' (accumulate)' : ''}`, async () => {
        const x = randomArray(rows * D, rows + D, 2);
        const w = randomArray(D, rows + D + 1);
        const dy = randomArray(rows * D, rows + D + 2);
        const prior = randomArray(rows * D, rows + D + 3);
        const dx = accumulate ? await runner.upload('dx', prior) : await poisonedBuffer(runner, 'dx', rows * D);
        await rmsnormBackward(runner, { x: await runner.upload('x', x), w: await runner.upload('w', w), dy: await runner.upload('dy', dy), dx, rows, D, eps: 1e-6, accumulate });
        const want = reference(x, w, dy, rows, D, 1e-6).dx;
        if (accumulate) for (let i = 0; i < want.length; i++) want[i] += prior[i]!;
        expectClose(await runner.readF32(dx, rows * D), want, 1e-5, 'dx');
      });
    }
  }
});
