import { describe, it, beforeAll, expect } from 'vitest';
import { testGpu, expectClose } from '../helpers/gpu.ts';
import { adamwStep, createAdamWState, readControl } from '../../src/kernels/adamw.ts';
import { adamwUpdate, clipScale, globalGradNorm, type AdamWHyper } from '../../src/reference/adamw.ts';
import { randomArray } from '../../src/reference/compare.ts';
import type { KernelRunner } from '../../src/gpu/runner.ts';

let runner: KernelRunner;
beforeAll(async () => {
  ({ runner } = await testGpu());
});

const h: AdamWHyper & { maxGradNorm: number } = { lr: 0.01, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1, maxGradNorm: 2 };

describe('AdamW on the GPU (grad_norm + adamw)', () => {
  it('three steps match the float64 reference, with global-norm clipping', async () => {
    const n = 1000; // not a multiple of 256
    const w0 = randomArray(n, 1);
    const ref = { w: Float64Array.from(w0), m: new Float64Array(n), v: new Float64Array(n) };
    const params = await runner.upload('w', w0);
    const state = await createAdamWState(runner, params, n);
    const loss = await runner.upload('loss', new Float32Array([1.5]));
    for (let step = 1; step <= 3; step++) {
      const g = randomArray(n, 10 + step, step === 2 ? 0.01 : 1); // step 2 is under the clip threshold
      await adamwStep(runner, state, await runner.upload('g', g), loss, h);
      const norm = globalGradNorm([g]);
      const scale = clipScale(norm, h.maxGradNorm);
      adamwUpdate(ref.w, g, ref.m, ref.v, step, h, scale);
      const report = await readControl(runner, state);
      expect(report).toMatchObject({ applied: true, step, skippedSteps: 0 });
      expect(report.gradNorm).toBeCloseTo(norm, 3);
      expect(report.clipScale).toBeCloseTo(scale, 5);
      expectClose(await runner.readF32(params, n), ref.w, 1e-5, `weights after step ${step}`);
    }
  });

  it('guard: a NaN gradient or an infinite loss skips the step and leaves weights and moments untouched', async () => {
    const n = 300;
    const params = await runner.upload('w', randomArray(n, 2));
    const state = await createAdamWState(runner, params, n);
    const okLoss = await runner.upload('loss', new Float32Array([0.5]));
    await adamwStep(runner, state, await runner.upload('g', randomArray(n, 3)), okLoss, h);
    const [w1, m1, v1] = await Promise.all([runner.readF32(params, n), runner.readF32(state.m, n), runner.readF32(state.v, n)]);
    const bad = randomArray(n, 4);
    bad[123] = NaN;
    await adamwStep(runner, state, await runner.upload('g', bad), okLoss, h);
    let r = await readControl(runner, state);
    expect(r).toMatchObject({ applied: false, step: 1, skippedSteps: 1 });
    await adamwStep(runner, state, await runner.upload('g', randomArray(n, 5)), await runner.upload('loss', new Float32Array([Infinity])), h);
    r = await readControl(runner, state);
    expect(r).toMatchObject({ applied: false, step: 1, skippedSteps: 2 });
    expect(Array.from(await runner.readF32(params, n))).toEqual(Array.from(w1));
    expect(Array.from(await runner.readF32(state.m, n))).toEqual(Array.from(m1));
    expect(Array.from(await runner.readF32(state.v, n))).toEqual(Array.from(v1));
    // The next good step is step 2 (bias corrections continue from the last applied step).
    await adamwStep(runner, state, await runner.upload('g', randomArray(n, 6)), okLoss, h);
    expect(await readControl(runner, state)).toMatchObject({ applied: true, step: 2 });
  });
});
