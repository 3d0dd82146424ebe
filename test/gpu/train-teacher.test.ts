// Teacher targets (distillation) in the GPU trainer vs the float64 CPU trainer: KL(q ‖ p) at chosen
// next-token positions (trainable or not) joins the loss (teacherKl), the LM head's gradient and from
// there every gradient: LoRA A/B, full weights, ∂L/∂rows of spliced input rows; mode 'input' (only
// ∂L/∂rows, as the speech alignment trains) and 'none'; the RL engine passes teachers through.
import { describe, it, beforeAll, expect } from 'vitest';
import { testGpu, expectClose } from '../helpers/gpu.ts';
import { GpuTrainer } from '../../src/train/gpu/trainer.ts';
import { GpuTrainEngine } from '../../src/rl/trainer/engine-gpu.ts';
import { forwardBackward, type TrainSequence } from '../../src/train/cpu/model.ts';
import { trainModelFromWeights, trainModelToWeights } from '../../src/train/cpu/params.ts';
import { createLora, LORA_TARGETS } from '../../src/train/lora.ts';
import { logSoftmax } from '../../src/model/sampling.ts';
import { randomArray } from '../../src/reference/compare.ts';
import { randomTrainModel, tinyConfig } from '../unit/train/tiny-model.ts';
import { randomRows } from '../helpers/tiny-weights.ts';
import type { KernelRunner } from '../../src/gpu/runner.ts';

let runner: KernelRunner;
beforeAll(async () => {
  ({ runner } = await testGpu());
});

/** A teacher distribution: a random log-softmax with a few tokens at log 0. */
function teacherRow(V: number, seed: number): Float64Array {
  const q = logSoftmax(randomArray(V, seed, 3));
  for (let i = seed % 7; i < V; i += 9) q[i] = -Infinity;
  return q;
}

function batchFor(D: number, V: number): TrainSequence[] {
  const t = (positions: number[], seed: number) => ({ positions, logprobs: positions.map((_, j) => teacherRow(V, seed + j)) });
  return [
    // Teachers at trainable and masked positions; position 3 repeats (the last distribution counts, as on the CPU).
    { tokens: [3, 17, 5, 28, 1, 9, 11], trainable: [1, 0, 1, 0, 1, 1], dLogprob: [-1, -1, 0.7, -0.4, -1.3, -0.5], inputRows: randomRows([1, 2, 3], D, 7), teacher: t([1, 3, 5, 3], 10) },
    { tokens: [12, 4, 4, 20] }, // no teacher, no rows
    // Nothing trainable: the teacher alone drives the gradient (the alignment's shape).
    { tokens: [6, 2, 9, 27, 8], trainable: [0, 0, 0, 0], inputRows: randomRows([0, 1], D, 8), teacher: t([3, 0, 2], 20) },
  ];
}

const flat = (xs: readonly Float64Array[]) => xs.flatMap((a) => Array.from(a));
const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

describe('GPU trainer with teacher targets vs the float64 CPU trainer', () => {
  it('qwen3 LoRA: loss, teacherKl, log-probs, A/B gradients and ∂L/∂rows (recompute, small LM-head blocks)', async () => {
    const weights = trainModelToWeights(randomTrainModel(tinyConfig('qwen3'), 41));
    const model = trainModelFromWeights(weights);
    const adapter = createLora(model.config, { r: 2, alpha: 4, targets: [...LORA_TARGETS] }, { init: 'random', seed: 2, randomScale: 0.3 });
    const batch = batchFor(model.config.hiddenSize, model.config.vocabSize);
    const cpu = forwardBackward(model, adapter, batch, { entropyCoef: 0.05 });
    for (const options of [{}, { recompute: true, headBlockRows: 2 }]) {
      const what = JSON.stringify(options);
      const gpu = await GpuTrainer.create(runner, weights, adapter, options);
      const res = await gpu.forwardBackward(batch, { entropyCoef: 0.05 });
      expect(rel(res.loss, cpu.loss), `loss ${what}`).toBeLessThan(1e-5);
      expect(rel(res.teacherKl!, cpu.teacherKl!), `teacherKl ${what}`).toBeLessThan(1e-5);
      expectClose(flat(res.logprobs), flat(cpu.logprobs), 1e-5, `logprobs ${what}`);
      expect(res.inputGrads![1]).toBeNull();
      for (const i of [0, 2]) expectClose(res.inputGrads![i]!, cpu.inputGrads![i]!, 1e-5, `∂L/∂rows ${i} ${what}`);
      const g = await gpu.readGrads();
      for (const [path, want] of cpu.grads.lora) {
        expectClose(g.get(path)!.dA, want.dA, 1e-5, `${path} dA ${what}`);
        expectClose(g.get(path)!.dB, want.dB, 1e-5, `${path} dB ${what}`);
      }
    }
  });

  it('qwen2 full-weight: every weight gradient with teachers and spliced rows', async () => {
    const weights = trainModelToWeights(randomTrainModel(tinyConfig('qwen2'), 61));
    const model = trainModelFromWeights(weights);
    const batch = batchFor(model.config.hiddenSize, model.config.vocabSize);
    const cpu = forwardBackward(model, null, batch, { mode: 'full' });
    const gpu = await GpuTrainer.createFull(runner, weights, { headBlockRows: 3 });
    const res = await gpu.forwardBackward(batch);
    expect(rel(res.loss, cpu.loss)).toBeLessThan(1e-5);
    expect(rel(res.teacherKl!, cpu.teacherKl!)).toBeLessThan(1e-5);
    for (const i of [0, 2]) expectClose(res.inputGrads![i]!, cpu.inputGrads![i]!, 1e-5, `∂L/∂rows ${i}`);
    const grads = await gpu.readWeightGrads();
    for (const [name, g] of cpu.grads.weights) expectClose(grads.get(name)!, g, 1e-5, name);
  });

  it("mode 'input': ∂L/∂rows only (the adapter frozen, its gradients left as they were); mode 'none': loss and KL", async () => {
    const weights = trainModelToWeights(randomTrainModel(tinyConfig('qwen2'), 43));
    const model = trainModelFromWeights(weights);
    const adapter = createLora(model.config, { r: 2, alpha: 4, targets: ['q_proj', 'v_proj', 'down_proj'] }, { init: 'random', seed: 3, randomScale: 0.3 });
    const batch = batchFor(model.config.hiddenSize, model.config.vocabSize);
    const gpu = await GpuTrainer.create(runner, weights, adapter);
    await gpu.forwardBackward([batch[1]!]);
    const before = await gpu.readGrads();
    const cpu = forwardBackward(model, adapter, batch, { mode: 'input' });
    const res = await gpu.forwardBackward(batch, { mode: 'input' });
    expect(rel(res.loss, cpu.loss)).toBeLessThan(1e-5);
    expect(rel(res.teacherKl!, cpu.teacherKl!)).toBeLessThan(1e-5);
    expect(res.inputGrads![1]).toBeNull();
    for (const i of [0, 2]) expectClose(res.inputGrads![i]!, cpu.inputGrads![i]!, 1e-5, `∂L/∂rows ${i}`);
    for (const [path, g] of await gpu.readGrads()) {
      expect(Array.from(g.dA)).toEqual(Array.from(before.get(path)!.dA));
      expect(Array.from(g.dB)).toEqual(Array.from(before.get(path)!.dB));
    }
    const none = forwardBackward(model, adapter, batch, { mode: 'none' });
    const fwd = await gpu.forwardBackward(batch, { mode: 'none' });
    expect(fwd.inputGrads).toEqual(none.inputGrads); // [null, null, null], as on the CPU
    expect(rel(fwd.loss, none.loss)).toBeLessThan(1e-5);
    expect(rel(fwd.teacherKl!, none.teacherKl!)).toBeLessThan(1e-5);
    expectClose(flat(fwd.logprobs), flat(none.logprobs), 1e-5, 'forward logprobs');
  });

  it('the RL engine passes teachers through; malformed teachers are refused as on the CPU', async () => {
    const weights = trainModelToWeights(randomTrainModel(tinyConfig('qwen3'), 47));
    const model = trainModelFromWeights(weights);
    const V = model.config.vocabSize;
    const adapter = createLora(model.config, { r: 2, alpha: 4, targets: ['k_proj', 'up_proj'] }, { init: 'random', seed: 5, randomScale: 0.3 });
    const engine = await GpuTrainEngine.create(runner, weights, adapter);
    const batch = batchFor(model.config.hiddenSize, V);
    const r = await engine.forwardBackward(batch, [0, 0, 0]);
    const cpu = forwardBackward(model, adapter, batch, {});
    expect(rel(r.loss, cpu.loss)).toBeLessThan(1e-5);
    for (const i of [0, 2]) expectClose(r.inputGrads![i]!, cpu.inputGrads![i]!, 1e-5, `engine ∂L/∂rows ${i}`);
    const lp = await engine.logprobs(batch, true);
    expectClose(flat(lp.logprobs), flat(cpu.logprobs), 1e-5, 'engine logprobs');
    const bad = (teacher: TrainSequence['teacher']) => engine.forwardBackward([{ tokens: [1, 2, 3], teacher }], [0]);
    await expect(bad({ positions: [2], logprobs: [teacherRow(V, 1)] })).rejects.toThrow(/teacher position 2 is outside the 2 next-token positions/);
    await expect(bad({ positions: [0], logprobs: [new Float64Array(V - 1)] })).rejects.toThrow(/expected the vocabulary size/);
    await expect(bad({ positions: [0, 1], logprobs: [teacherRow(V, 1)] })).rejects.toThrow(/2 positions but 1 distributions/);
  });
});
