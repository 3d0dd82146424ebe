// The whole GPU LoRA training step against the float64 CPU trainer on tiny Qwen2/Qwen3 models.
import { describe, it, beforeAll, expect } from 'vitest';
import { testGpu, expectClose } from '../helpers/gpu.ts';
import { GpuTrainer } from '../../src/train/gpu/trainer.ts';
import { forwardBackward, type TrainSequence } from '../../src/train/cpu/model.ts';
import { trainModelFromWeights, trainModelToWeights } from '../../src/train/cpu/params.ts';
import { createLora, LORA_TARGETS } from '../../src/train/lora.ts';
import { CpuAdamW, loraGradMap, loraParams } from '../../src/train/optimizer.ts';
import { randomTrainModel, tinyConfig } from '../unit/train/tiny-model.ts';
import type { KernelRunner } from '../../src/gpu/runner.ts';

let runner: KernelRunner;
beforeAll(async () => {
  ({ runner } = await testGpu());
});

const batch: TrainSequence[] = [
  { tokens: [3, 17, 5, 28, 1, 9, 11], trainable: [1, 0, 1, 1, 1, 1], dLogprob: [-1, -1, 0.7, -0.4, -1.3, -0.5] },
  { tokens: [12, 4, 4, 20] },
];

function flatGrads(m: Map<string, { dA: ArrayLike<number>; dB: ArrayLike<number> }>, order: string[]): number[] {
  return order.flatMap((p) => [...Array.from(m.get(p)!.dA), ...Array.from(m.get(p)!.dB)]);
}

describe('GPU LoRA forward+backward vs the float64 CPU trainer', () => {
  for (const arch of ['qwen2', 'qwen3'] as const) {
    it(`${arch}: loss, log-probs, entropies and every A/B gradient (ragged batch, mask, entropy bonus)`, async () => {
      const weights = trainModelToWeights(randomTrainModel(tinyConfig(arch), 41));
      const model = trainModelFromWeights(weights);
      const adapter = createLora(model.config, { r: 3, alpha: 6, targets: [...LORA_TARGETS] }, { init: 'random', seed: 2, randomScale: 0.3 });
      const cpu = forwardBackward(model, adapter, batch, { entropyCoef: 0.05 });
      for (const recompute of [false, true]) {
        const gpu = await GpuTrainer.create(runner, weights, adapter, { recompute });
        const res = await gpu.forwardBackward(batch, { entropyCoef: 0.05 });
        expect(res.loss).toBeCloseTo(cpu.loss, 4);
        expectClose(res.logprobs.flatMap((a) => Array.from(a)), cpu.logprobs.flatMap((a) => Array.from(a)), 1e-5, 'logprobs');
        expectClose(res.entropies.flatMap((a) => Array.from(a)), cpu.entropies.flatMap((a) => Array.from(a)), 1e-5, 'entropies');
        const order = [...adapter.modules.keys()];
        const g = await gpu.readGrads();
        for (const path of order) {
          expectClose(g.get(path)!.dA, cpu.grads.lora.get(path)!.dA, 1e-4, `${path} dA${recompute ? ' (recompute)' : ''}`);
          expectClose(g.get(path)!.dB, cpu.grads.lora.get(path)!.dB, 1e-4, `${path} dB${recompute ? ' (recompute)' : ''}`);
        }
        expect(flatGrads(g, order).every(Number.isFinite)).toBe(true);
        if (recompute) expect(res.memory.savedBytes).toBeGreaterThan(0);
        else expect(res.memory.savedBytes).toBe(0);
      }
    });
  }

  it('forward-only log-probs with the adapter (policy) and without it (reference policy)', async () => {
    const weights = trainModelToWeights(randomTrainModel(tinyConfig('qwen3'), 42));
    const model = trainModelFromWeights(weights);
    const adapter = createLora(model.config, { r: 2, alpha: 4, targets: ['v_proj', 'gate_proj'] }, { init: 'random', seed: 4, randomScale: 0.3 });
    const gpu = await GpuTrainer.create(runner, weights, adapter);
    const seqs = [batch[1]!];
    const policy = await gpu.logprobs(seqs);
    const reference = await gpu.logprobs(seqs, { adapter: false });
    expectClose(policy.logprobs[0]!, forwardBackward(model, adapter, seqs, { mode: 'none' }).logprobs[0]!, 1e-5, 'policy');
    expectClose(reference.logprobs[0]!, forwardBackward(model, null, seqs, { mode: 'none' }).logprobs[0]!, 1e-5, 'reference');
    expect(Math.max(...policy.logprobs[0]!.map((x, i) => Math.abs(x - reference.logprobs[0]![i]!)))).toBeGreaterThan(1e-3);
  });

  it('f16 base weights: gradients match the CPU trainer on the f16-rounded model', async () => {
    const base = randomTrainModel(tinyConfig('qwen3'), 43);
    const weights = trainModelToWeights(base);
    const adapter = createLora(base.config, { r: 2, alpha: 4, targets: ['q_proj', 'o_proj', 'up_proj', 'down_proj'] }, { init: 'random', seed: 3 });
    const gpu = await GpuTrainer.create(runner, weights, adapter, { dtype: 'f16' });
    const res = await gpu.forwardBackward([batch[0]!]);
    const cpu = forwardBackward(trainModelFromWeights(weights), adapter, [batch[0]!]);
    const order = [...adapter.modules.keys()];
    expectClose(flatGrads(await gpu.readGrads(), order), flatGrads(cpu.grads.lora, order), 1e-2, 'f16 grads');
    expect(Math.abs(res.loss - cpu.loss) / Math.abs(cpu.loss)).toBeLessThan(1e-2);
  });

  it('AdamW steps on the GPU track the CPU optimizer and lower the loss', async () => {
    const weights = trainModelToWeights(randomTrainModel(tinyConfig('qwen2'), 44));
    const model = trainModelFromWeights(weights);
    const gpuAdapter = createLora(model.config, { r: 2, alpha: 4, targets: [...LORA_TARGETS] }, { seed: 5 });
    const cpuAdapter = createLora(model.config, { r: 2, alpha: 4, targets: [...LORA_TARGETS] }, { seed: 5 });
    const gpu = await GpuTrainer.create(runner, weights, gpuAdapter);
    const h = { lr: 2e-2, weightDecay: 0.01, maxGradNorm: 1 };
    const cpuOpt = new CpuAdamW(loraParams(cpuAdapter), h);
    const losses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await gpu.forwardBackward(batch);
      losses.push(r.loss);
      const report = await gpu.step(h);
      expect(report).toMatchObject({ applied: true, step: i + 1 });
      const c = forwardBackward(model, cpuAdapter, batch);
      cpuOpt.step(loraGradMap(c.grads), c.loss);
    }
    await gpu.syncAdapter();
    const order = [...cpuAdapter.modules.keys()];
    const flat = (a: typeof cpuAdapter) => order.flatMap((p) => [...a.modules.get(p)!.A, ...a.modules.get(p)!.B]);
    expectClose(flat(gpuAdapter), flat(cpuAdapter), 1e-3, 'adapter after 4 steps');
    expect(losses.at(-1)!).toBeLessThan(losses[0]!);
  });
});
