// `tarl lora-grad --device webgpu`: the same loss and gradients as the CPU path, computed by the GPU trainer.
import { acquireGpu, type AcquireOptions } from '../../gpu/device.ts';
import { KernelRunner } from '../../gpu/runner.ts';
import type { ModelWeights } from '../../model/weights.ts';
import type { LoraAdapter } from '../lora.ts';
import { formatLoraGrads, type LoraGradOutput } from '../lora-grad.ts';
import { GpuTrainer } from './trainer.ts';

export async function loraGradGpu(weights: ModelWeights, adapter: LoraAdapter, tokens: number[], acquire: AcquireOptions = {}): Promise<LoraGradOutput> {
  const ctx = await acquireGpu(acquire);
  try {
    const trainer = await GpuTrainer.create(new KernelRunner(ctx), weights, adapter, { dtype: 'f32' });
    const res = await trainer.forwardBackward([{ tokens }]);
    return { loss: res.loss, grads: formatLoraGrads(adapter, await trainer.readGrads()) };
  } finally {
    ctx.destroy();
  }
}
