// Exact resume on the WebGPU training engine: the device AdamW moments and step count go into the
// checkpoint (GpuTrainer.optimizerState / restoreOptimizerState) and come back, so a run resumed
// from a checkpoint continues like the uninterrupted one; zeroed moments would not.
import { beforeAll, describe, expect, it } from 'vitest';
import type { KernelRunner } from '../../src/gpu/runner.ts';
import type { ModelWeights } from '../../src/model/weights.ts';
import { parseCheckpoint, serializeCheckpoint, type CheckpointFile } from '../../src/rl/trainer/checkpoint.ts';
import { GpuTrainEngine } from '../../src/rl/trainer/engine-gpu.ts';
import type { TrainerStepEvent } from '../../src/rl/trainer/trainer.ts';
import { testGpu } from '../helpers/gpu.ts';
import { tinyToyModel, toyConfig, toyTrainer } from '../unit/rl/trainer-helpers.ts';

let runner: KernelRunner;
let weights: ModelWeights;
beforeAll(async () => {
  ({ runner } = await testGpu());
  ({ weights } = await tinyToyModel(7));
}, 60_000);

// Small steps (2 tasks × G = 2) with two inner updates each and an entropy bonus, so every update
// has a gradient and the moments matter.
const config = toyConfig({ tasksPerStep: 2, groupSize: 2, innerSteps: 2, entropyCoef: 0.05, loss: { aggregation: 'token-mean', constantNormalizer: 1024 } });
const gpuTrainer = () => toyTrainer(weights, config, { makeEngine: (_m, adapter) => GpuTrainEngine.create(runner, weights, adapter) });

function expectSameStep(got: TrainerStepEvent, want: TrainerStepEvent, tol: number): void {
  expect(got.step).toBe(want.step);
  expect(got.reward).toEqual(want.reward);
  for (const k of ['loss', 'gradNorm', 'klPerToken', 'entropy', 'clipFraction'] as const) {
    const a = got[k] as number, b = want[k] as number;
    expect(Math.abs(a - b), `${k}: ${a} vs ${b}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(b)));
  }
}

describe('WebGPU training engine checkpoints', () => {
  it('resume equals uninterrupted (device AdamW moments restored)', async () => {
    const run = gpuTrainer();
    await run.step();
    await run.step();
    const files: CheckpointFile[] = serializeCheckpoint(await run.snapshot());
    const ck = parseCheckpoint(files);
    expect(ck.optimizer.step).toBe(4); // 2 steps × 2 inner updates
    expect([...ck.optimizer.v.values()].some((v) => v.some((x) => x > 0))).toBe(true);
    const next = (await run.step()).event as TrainerStepEvent;

    const resumed = gpuTrainer();
    await resumed.restore(files);
    const again = (await resumed.step()).event as TrainerStepEvent;
    expectSameStep(again, next, 1e-6);
    for (const [path, m] of run.adapter.modules) {
      const r = resumed.adapter.modules.get(path)!;
      for (let i = 0; i < m.B.length; i++) expect(Math.abs(r.B[i]! - m.B[i]!)).toBeLessThanOrEqual(1e-7);
    }

    // Without the moments (what checkpoints used to carry) the same step trains differently.
    const zeroed = gpuTrainer();
    await zeroed.restore(files);
    const zeros = (src: Map<string, Float64Array>) => new Map([...src].map(([k, a]) => [k, new Float64Array(a.length)]));
    await (await zeroed.engine()).restoreOptimizer({ step: ck.optimizer.step, m: zeros(ck.optimizer.m), v: zeros(ck.optimizer.v) });
    await zeroed.step();
    let diff = 0;
    for (const [path, m] of run.adapter.modules) {
      const z = zeroed.adapter.modules.get(path)!;
      for (let i = 0; i < m.B.length; i++) diff = Math.max(diff, Math.abs(z.B[i]! - m.B[i]!));
    }
    expect(diff).toBeGreaterThan(1e-4);
  }, 240_000);
});
