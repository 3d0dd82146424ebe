// Spliced input rows (speech) in the GPU trainer vs the float64 CPU trainer: the forward sees the
// rows instead of the token embeddings, ∂L/∂rows comes back (inputGrads), and in full-weight mode the
// replaced positions add nothing to the embedding's gradient.
import { describe, it, beforeAll, expect } from 'vitest';
import { testGpu, expectClose } from '../helpers/gpu.ts';
import { GpuTrainer } from '../../src/train/gpu/trainer.ts';
import { GpuTrainEngine } from '../../src/rl/trainer/engine-gpu.ts';
import { forwardBackward, type TrainSequence } from '../../src/train/cpu/model.ts';
import { trainModelFromWeights, trainModelToWeights } from '../../src/train/cpu/params.ts';
import { createLora, LORA_TARGETS } from '../../src/train/lora.ts';
import { randomTrainModel, tinyConfig } from '../unit/train/tiny-model.ts';
import { randomRows } from '../helpers/tiny-weights.ts';
import type { KernelRunner } from '../../src/gpu/runner.ts';

let runner: KernelRunner;
beforeAll(async () => {
  ({ runner } = await testGpu());
});


function batchFor(D: number): TrainSequence[] {
  return [
    { tokens: [3, 17, 5, 28, 1, 9, 11], trainable: [1, 0, 1, 1, 1, 1], dLogprob: [-1, -1, 0.7, -0.4, -1.3, -0.5], inputRows: randomRows([1, 2, 3, 5], D, 7) },
    { tokens: [12, 4, 4, 20] },
    { tokens: [6, 2, 9, 27, 8], inputRows: randomRows([4, 0], D, 8) }, // unordered positions, the last one included
  ];
}

const flat = (xs: readonly Float64Array[]) => xs.flatMap((a) => Array.from(a));

describe('GPU trainer with spliced input rows vs the float64 CPU trainer', () => {
  it('qwen3 LoRA: loss, log-probs, A/B gradients and ∂L/∂rows (with and without recompute)', async () => {
    const weights = trainModelToWeights(randomTrainModel(tinyConfig('qwen3'), 41));
    const model = trainModelFromWeights(weights);
    const adapter = createLora(model.config, { r: 2, alpha: 4, targets: [...LORA_TARGETS] }, { init: 'random', seed: 2, randomScale: 0.3 });
    const batch = batchFor(model.config.hiddenSize);
    const cpu = forwardBackward(model, adapter, batch, { entropyCoef: 0.05 });
    for (const recompute of [false, true]) {
      const gpu = await GpuTrainer.create(runner, weights, adapter, { recompute });
      const res = await gpu.forwardBackward(batch, { entropyCoef: 0.05 });
      expect(res.loss).toBeCloseTo(cpu.loss, 4);
      expectClose(flat(res.logprobs), flat(cpu.logprobs), 1e-5, 'logprobs');
      expect(res.inputGrads!.map((g) => g && g.length)).toEqual(cpu.inputGrads!.map((g) => g && g.length));
      expect(res.inputGrads![1]).toBeNull();
      for (const i of [0, 2]) expectClose(res.inputGrads![i]!, cpu.inputGrads![i]!, 1e-4, `∂L/∂rows ${i}${recompute ? ' (recompute)' : ''}`);
      const g = await gpu.readGrads();
      for (const [path, want] of cpu.grads.lora) {
        expectClose(g.get(path)!.dA, want.dA, 1e-4, `${path} dA`);
        expectClose(g.get(path)!.dB, want.dB, 1e-4, `${path} dB`);
      }
    }
    // Forward only: the rows change the log-probs, and no input gradient comes back.
    const gpu = await GpuTrainer.create(runner, weights, adapter);
    const fwd = await gpu.logprobs(batch);
    expectClose(flat(fwd.logprobs), flat(cpu.logprobs), 1e-5, 'forward-only logprobs');
    const plain = await gpu.logprobs(batch.map(({ inputRows: _r, ...s }) => s));
    expect(Array.from(plain.logprobs[0]!)).not.toEqual(Array.from(fwd.logprobs[0]!));
  });

  it('qwen2 full-weight: the embedding gradient skips the replaced positions', async () => {
    const weights = trainModelToWeights(randomTrainModel(tinyConfig('qwen2'), 61));
    const model = trainModelFromWeights(weights);
    const batch = batchFor(model.config.hiddenSize);
    const cpu = forwardBackward(model, null, batch, { mode: 'full' });
    const gpu = await GpuTrainer.createFull(runner, weights);
    const res = await gpu.forwardBackward(batch);
    expect(res.loss).toBeCloseTo(cpu.loss, 4);
    for (const i of [0, 2]) expectClose(res.inputGrads![i]!, cpu.inputGrads![i]!, 1e-4, `∂L/∂rows ${i}`);
    const grads = await gpu.readWeightGrads();
    for (const [name, g] of cpu.grads.weights) expectClose(grads.get(name)!, g, 1e-4, name);
  });

  it('the RL training engine returns inputGrads and checks rows clearly', async () => {
    const weights = trainModelToWeights(randomTrainModel(tinyConfig('qwen2'), 43));
    const model = trainModelFromWeights(weights);
    const D = model.config.hiddenSize;
    const adapter = createLora(model.config, { r: 2, alpha: 4, targets: ['v_proj', 'down_proj'] }, { init: 'random', seed: 3, randomScale: 0.3 });
    const engine = await GpuTrainEngine.create(runner, weights, adapter);
    const batch = batchFor(D);
    const r = await engine.forwardBackward(batch, [0, 0, 0]);
    const cpu = forwardBackward(model, adapter, batch, {});
    for (const i of [0, 2]) expectClose(r.inputGrads![i]!, cpu.inputGrads![i]!, 1e-4, `engine ∂L/∂rows ${i}`);
    expect(r.inputGrads![1]).toBeNull();
    await expect(engine.logprobs([{ tokens: [1, 2, 3], inputRows: randomRows([3], D, 1) }], true)).rejects.toThrow(/GPU trainer: sequence 0: embedding row 0 targets position 3, outside the 3 positions/);
    await expect(engine.forwardBackward([{ tokens: [1, 2, 3], inputRows: { positions: [1], rows: [1, 2] } }], [0])).rejects.toThrow(/1 replaced positions need \d+ values/);
  });
});
