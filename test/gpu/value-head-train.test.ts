// PPO's value head on WebGPU: the GPU trainer returns the final hidden states (after the final
// RMSNorm) and back-propagates a dHidden into the LoRA gradients like the float64 CPU trainer; the
// RL trainer's PPO step on the WebGPU engine matches the CPU engine and resumes exactly.
import { beforeAll, describe, expect, it } from 'vitest';
import type { KernelRunner } from '../../src/gpu/runner.ts';
import { forwardBackward, type TrainSequence } from '../../src/train/cpu/model.ts';
import { trainModelFromWeights, trainModelToWeights } from '../../src/train/cpu/params.ts';
import { createLora } from '../../src/train/lora.ts';
import { GpuTrainer } from '../../src/train/gpu/trainer.ts';
import type { ModelWeights } from '../../src/model/weights.ts';
import { serializeCheckpoint } from '../../src/rl/trainer/checkpoint.ts';
import { GpuTrainEngine } from '../../src/rl/trainer/engine-gpu.ts';
import type { TrainerStepEvent } from '../../src/rl/trainer/trainer.ts';
import { expectClose, testGpu } from '../helpers/gpu.ts';
import { rand64 } from '../unit/train/fd.ts';
import { randomTrainModel, tinyConfig } from '../unit/train/tiny-model.ts';
import { tinyToyModel, toyConfig, toyTrainer } from '../unit/rl/trainer-helpers.ts';

let runner: KernelRunner;
let toy: ModelWeights;
beforeAll(async () => {
  ({ runner } = await testGpu());
  ({ weights: toy } = await tinyToyModel(7));
}, 60_000);

describe('value head on the WebGPU trainer', () => {
  it('hidden states and dHidden match the CPU trainer (LoRA gradients)', async () => {
    const weights = trainModelToWeights(randomTrainModel(tinyConfig('qwen3'), 43));
    const model = trainModelFromWeights(weights);
    const D = model.config.hiddenSize;
    const adapter = createLora(model.config, { r: 2, alpha: 4, targets: ['q_proj', 'v_proj', 'down_proj'] }, { init: 'random', seed: 6, randomScale: 0.3 });
    const batch: TrainSequence[] = [
      { tokens: [3, 17, 5, 28, 1, 9], trainable: [1, 0, 1, 1, 1], dLogprob: [-0.2, 0, 0.3, -0.4, 0.1], dHidden: rand64(5 * D, 51) },
      { tokens: [12, 4, 4, 20], trainable: [0, 1, 1], dLogprob: [0, 0, 0], dHidden: rand64(4 * D, 52) },
    ];
    const cpu = forwardBackward(model, adapter, batch, { returnHidden: true });
    const gpu = await GpuTrainer.create(runner, weights, adapter);
    const h = await gpu.logprobs(batch, { hidden: true });
    expectClose(h.hidden!.flatMap((a) => Array.from(a)), cpu.hidden!.flatMap((a) => Array.from(a)), 1e-5, 'hidden');
    await gpu.forwardBackward(batch);
    const g = await gpu.readGrads();
    for (const [path, c] of cpu.grads.lora) {
      expectClose(g.get(path)!.dA, c.dA, 1e-4, `${path} dA`);
      expectClose(g.get(path)!.dB, c.dB, 1e-4, `${path} dB`);
    }
    // Without dHidden the gradients differ (the head's gradient really arrives).
    const plain = forwardBackward(model, adapter, batch.map(({ dHidden: _d, ...s }) => s));
    const path = [...cpu.grads.lora.keys()][0]!;
    expect(Math.max(...Array.from(plain.grads.lora.get(path)!.dA, (x, i) => Math.abs(x - cpu.grads.lora.get(path)!.dA[i]!)))).toBeGreaterThan(1e-3);
  }, 60_000);

  it('PPO steps on the WebGPU engine match the CPU engine; a resumed run continues exactly', async () => {
    const config = toyConfig({ algorithm: 'ppo', tasksPerStep: 2, groupSize: 2, innerSteps: 2, entropyCoef: 0.05, loss: { aggregation: 'token-mean', constantNormalizer: 1024 } });
    const cpu = toyTrainer(toy, config);
    const gpuTrainer = () => toyTrainer(toy, config, { makeEngine: (_m, adapter, optimizer) => GpuTrainEngine.create(runner, toy, adapter, optimizer) });
    const gpu = gpuTrainer();
    // A non-zero head from the start, so the value loss has a gradient into the adapters at once
    // (the toy rewards of the first steps are mostly 0, like the zero-initialised head).
    const w0 = rand64(toy.config.hiddenSize, 61, 0.3);
    for (const t of [cpu, gpu]) (t.valueHead!.weight.set(w0), (t.valueHead!.bias[0] = 0.2));
    for (let s = 0; s < 2; s++) {
      const a = (await cpu.step()).event as TrainerStepEvent;
      const b = (await gpu.step()).event as TrainerStepEvent;
      expect(b.reward).toEqual(a.reward);
      expect(b.value!.loss).toBeCloseTo(a.value!.loss, 4);
      expect(b.value!.mean).toBeCloseTo(a.value!.mean, 4);
      expect(b.loss!).toBeCloseTo(a.loss!, 4);
    }
    expectClose(gpu.valueHead!.weight, cpu.valueHead!.weight, 1e-3, 'value head after 2 steps');
    expect(Math.max(...Array.from(gpu.valueHead!.weight, (w, i) => Math.abs(w - w0[i]!)))).toBeGreaterThan(1e-3);
    const files = serializeCheckpoint(await gpu.snapshot());
    const next = (await gpu.step()).event as TrainerStepEvent;
    const resumed = gpuTrainer(); // its zero head is replaced by the checkpoint's
    await resumed.restore(files);
    const again = (await resumed.step()).event as TrainerStepEvent;
    expect(again.reward).toEqual(next.reward);
    for (const k of ['loss', 'gradNorm', 'klPerToken', 'entropy'] as const) expect(Math.abs(again[k]! - next[k]!), k).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(next[k]!)));
    expect(Math.abs(again.value!.loss - next.value!.loss)).toBeLessThanOrEqual(1e-9);
    expect(Array.from(resumed.valueHead!.weight)).toEqual(Array.from(gpu.valueHead!.weight));
  }, 240_000);
});
