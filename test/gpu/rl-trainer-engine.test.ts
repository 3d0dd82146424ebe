// The RL trainer with its training half on the GPU (GpuTrainEngine over src/train/gpu's GpuTrainer)
// against the CPU float64 engine on the toy tool-call episode: same rollouts, ratio 1 at the first
// inner step, sampling log-probs reproduced, the same loss, and an applied LoRA update.
import { beforeAll, describe, expect, it } from 'vitest';
import type { KernelRunner } from '../../src/gpu/runner.ts';
import type { ModelWeights } from '../../src/model/weights.ts';
import { GpuTrainEngine } from '../../src/rl/trainer/engine-gpu.ts';
import { testGpu } from '../helpers/gpu.ts';
import { tinyToyModel, toyConfig, toyTrainer } from '../unit/rl/trainer-helpers.ts';

let runner: KernelRunner;
let weights: ModelWeights;
beforeAll(async () => {
  ({ runner } = await testGpu());
  ({ weights } = await tinyToyModel(7));
}, 60_000);

describe('RL trainer on the WebGPU training engine', () => {
  it('matches the CPU engine on the first step and applies an update', async () => {
    const config = toyConfig(); // step 0 has one success among 32 rollouts: a non-zero gradient
    const cpu = toyTrainer(weights, config);
    const gpu = toyTrainer(weights, config, { makeEngine: (_m, adapter) => GpuTrainEngine.create(runner, weights, adapter) });
    const a = await cpu.step();
    const b = await gpu.step();
    expect(b.trajectories.map((t) => t.tokens!.ids)).toEqual(a.trajectories.map((t) => t.tokens!.ids));
    expect(b.train!.firstRatio.mean).toBe(1);
    expect(b.train!.ratioCheck).toBeLessThan(1e-4);
    expect(b.samplingLogpMaxDiff!).toBeLessThan(1e-4);
    expect(b.train!.skipped).toBeNull();
    expect(b.event.loss!).toBeCloseTo(a.event.loss!, 5);
    expect(a.event.gradNorm!).toBeGreaterThan(0);
    expect(Math.abs(b.event.gradNorm! - a.event.gradNorm!) / a.event.gradNorm!).toBeLessThan(1e-3);
    const moved = [...gpu.adapter.modules.values()].some((m) => m.B.some((x) => x !== 0));
    expect(moved).toBe(true);
    const c = await gpu.step();
    expect(c.train!.ratioCheck).toBeLessThan(1e-4);
    expect(c.samplingLogpMaxDiff!).toBeLessThan(1e-4);
  }, 240_000);
});
