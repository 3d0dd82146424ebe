// The default model's SFT loop on the WGSL trainer (GpuTrainer.createFull through Dawn) follows the
// float64 CPU trainer step for step: same batches, same warm-up/cosine LR, same AdamW.
import { beforeAll, describe, expect, it } from 'vitest';
import { testGpu } from '../helpers/gpu.ts';
import { runSft } from '../../src/model/default/sft.ts';
import { trainModelToWeights } from '../../src/train/cpu/params.ts';
import { randomTrainModel, tinyConfig } from '../unit/train/tiny-model.ts';
import type { KernelRunner } from '../../src/gpu/runner.ts';
import type { Demo } from '../../src/model/default/demos.ts';

let runner: KernelRunner;
beforeAll(async () => {
  ({ runner } = await testGpu());
});

function demos(V: number): Demo[] {
  let s = 7;
  const next = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) % V;
  return Array.from({ length: 5 }, (_, i) => {
    const tokens = Array.from({ length: 9 + 3 * i }, next);
    const trainable = Uint8Array.from({ length: tokens.length - 1 }, (_, t) => (t >= 4 ? 1 : 0));
    return { source: `d${i}`, tokens, trainable };
  });
}

describe('default-model SFT on the GPU', () => {
  it('matches the CPU trainer step for step: losses, LR schedule, weights', async () => {
    const config = tinyConfig('qwen3', { max_position_embeddings: 64 });
    const init = trainModelToWeights(randomTrainModel(config, 5));
    const o = { steps: 6, batchSize: 2, lr: 1e-2, warmupSteps: 2, weightDecay: 0.01, maxGradNorm: 1, seed: 3 };
    const cpu = await runSft(init, demos(config.vocabSize), { ...o, device: 'cpu' });
    const gpu = await runSft(init, demos(config.vocabSize), { ...o, device: 'webgpu', runner });
    expect(gpu.curve).toHaveLength(6);
    for (const [i, p] of gpu.curve.entries()) expect(Math.abs(p.loss - cpu.curve[i]!.loss)).toBeLessThan(1e-3 * Math.max(1, cpu.curve[i]!.loss));
    expect(gpu.curve.map((p) => p.lr)).toEqual(cpu.curve.map((p) => p.lr));
    const w = gpu.weights.tensor('model.layers.0.mlp.down_proj.weight');
    const c = cpu.weights.tensor('model.layers.0.mlp.down_proj.weight');
    let err = 0;
    for (let i = 0; i < w.length; i++) err = Math.max(err, Math.abs(w[i]! - c[i]!));
    expect(err).toBeLessThan(1e-3);
    // Fresh init vs trained: the weights moved.
    expect(Math.abs(w[0]! - init.tensor('model.layers.0.mlp.down_proj.weight')[0]!)).toBeGreaterThan(1e-5);
  }, 120_000);
});
