import { describe, it, beforeAll } from 'vitest';
import { testGpu, expectClose } from '../helpers/gpu.ts';
import { residualAdd } from '../../src/kernels/residual.ts';
import { residualAdd as residualRef } from '../../src/reference/residual.ts';
import { randomArray } from '../../src/reference/compare.ts';
import type { KernelRunner } from '../../src/gpu/runner.ts';

let runner: KernelRunner;
beforeAll(async () => {
  ({ runner } = await testGpu());
});

describe('residual add (in place)', () => {
  for (const n of [1, 255, 1000]) {
    it(`n = ${n}`, async () => {
      const x = randomArray(n, n);
      const y = randomArray(n, n + 1);
      const X = await runner.upload('x', x);
      const Y = await runner.upload('y', y);
      await residualAdd(runner, X, Y, n);
      expectClose(await runner.readF32(X, n), residualRef(x, y), 1e-7, 'residual');
    });
  }
});
