import { describe, it, beforeAll } from 'vitest';
import { testGpu, poisonedBuffer, expectClose } from '../helpers/gpu.ts';
import { gelu, geluBackward } from '../../src/kernels/gelu.ts';
import { gelu as geluRef, geluBackward as geluBackwardRef } from '../../src/reference/gelu.ts';
import { randomArray } from '../../src/reference/compare.ts';
import type { KernelRunner } from '../../src/gpu/runner.ts';

let runner: KernelRunner;
beforeAll(async () => {
  ({ runner } = await testGpu());
});

describe('gelu (tanh form) forward and backward', () => {
  for (const n of [1, 37, 1000]) {
    it(`${n} values over ±6`, async () => {
      const x = randomArray(n, n, 6); // ±6 reaches both tails
      const dy = randomArray(n, n + 1);
      const X = await runner.upload('x', x);
      const DY = await runner.upload('dy', dy);
      const y = await poisonedBuffer(runner, 'y', n);
      const dx = await poisonedBuffer(runner, 'dx', n);
      await gelu(runner, X, y, n);
      await geluBackward(runner, X, DY, dx, n);
      expectClose(await runner.readF32(y, n), geluRef(x), 1e-5, 'gelu');
      expectClose(await runner.readF32(dx, n), geluBackwardRef(x, dy), 1e-5, 'gelu backward');
    });
  }

  it('stays finite far into the tails (|x| up to 1e4)', async () => {
    const x = Float32Array.from([-1e4, -300, -40, -12, 12, 40, 300, 1e4, 0.5, -0.5]);
    const dy = new Float32Array(x.length).fill(1);
    const X = await runner.upload('x', x);
    const y = await poisonedBuffer(runner, 'y', x.length);
    const dx = await poisonedBuffer(runner, 'dx', x.length);
    await gelu(runner, X, y, x.length);
    await geluBackward(runner, X, await runner.upload('dy', dy), dx, x.length);
    expectClose(await runner.readF32(y, x.length), geluRef(x), 1e-6, 'gelu tails');
    expectClose(await runner.readF32(dx, x.length), geluBackwardRef(x, dy), 1e-6, 'gelu backward tails');
  });
});
