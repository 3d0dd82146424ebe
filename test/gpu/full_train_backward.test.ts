// Full-weight mode on the GPU (every matrix, bias, norm and the embedding) vs the float64 CPU trainer.
import { describe, it, beforeAll, expect } from 'vitest';
import { testGpu, expectClose } from '../helpers/gpu.ts';
import { GpuTrainer } from '../../src/train/gpu/trainer.ts';
import { forwardBackward, type TrainSequence } from '../../src/train/cpu/model.ts';
import { trainModelFromWeights, trainModelToWeights } from '../../src/train/cpu/params.ts';
import { CpuAdamW } from '../../src/train/optimizer.ts';
import { randomTrainModel, tinyConfig } from '../unit/train/tiny-model.ts';
import type { KernelRunner } from '../../src/gpu/runner.ts';

let runner: KernelRunner;
beforeAll(async () => {
  ({ runner } = await testGpu());
});

const batch: TrainSequence[] = [
  { tokens: [3, 17, 5, 28, 1, 9, 3], trainable: [1, 0, 1, 1, 1, 1], dLogprob: [-1, -1, 0.7, -0.4, -1.3, -0.5] },
  { tokens: [12, 4, 4, 20] },
];

describe('GPU full-weight forward+backward vs the float64 CPU trainer', () => {
  for (const arch of ['qwen2', 'qwen3'] as const) {
    it(`${arch}: the gradient of every tensor (tied=${arch === 'qwen2'})`, async () => {
      const weights = trainModelToWeights(randomTrainModel(tinyConfig(arch), 61));
      const model = trainModelFromWeights(weights);
      const cpu = forwardBackward(model, null, batch, { mode: 'full', entropyCoef: 0.05 });
      const gpu = await GpuTrainer.createFull(runner, weights);
      const res = await gpu.forwardBackward(batch, { entropyCoef: 0.05 });
      expect(res.loss).toBeCloseTo(cpu.loss, 4);
      const grads = await gpu.readWeightGrads();
      expect([...grads.keys()].sort()).toEqual([...cpu.grads.weights.keys()].sort());
      for (const [name, g] of cpu.grads.weights) expectClose(grads.get(name)!, g, 1e-4, name);
    });
  }

  it('AdamW over every tensor tracks the CPU optimizer and lowers the loss', async () => {
    const weights = trainModelToWeights(randomTrainModel(tinyConfig('qwen3'), 62));
    const model = trainModelFromWeights(weights);
    const gpu = await GpuTrainer.createFull(runner, weights);
    const h = { lr: 1e-2, weightDecay: 0.01, maxGradNorm: 5 };
    const cpuOpt = new CpuAdamW(model.params, h);
    const losses: number[] = [];
    for (let i = 0; i < 3; i++) {
      losses.push((await gpu.forwardBackward([batch[1]!])).loss);
      expect((await gpu.step(h)).applied).toBe(true);
      const c = forwardBackward(model, null, [batch[1]!], { mode: 'full' });
      cpuOpt.step(c.grads.weights, c.loss);
    }
    losses.push((await gpu.forwardBackward([batch[1]!])).loss);
    const after = await gpu.readWeights();
    for (const [name, p] of model.params) expectClose(after.get(name)!, p, 1e-3, name);
    expect(losses.at(-1)!).toBeLessThan(losses[0]!);
  });
});
