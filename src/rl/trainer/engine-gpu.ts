// The WebGPU training engine: src/train/gpu's GpuTrainer (LoRA mode) for the training forward,
// backward and AdamW (guard and clipping on the device). After every applied update the adapter is
// copied back to the CPU (rollouts merge it; checkpoints save it).
// Limits (of GpuTrainer's API as it stands): one entropy coefficient per backward call, so a
// per-sequence entropy bonus (entropyCoef ≠ 0 with sequence-mean aggregation) is refused; the AdamW
// moments live privately on the device, so checkpoints carry the adapter and the step count but no
// moments, and a resumed WebGPU run restarts the moments from zero (CPU runs resume exactly).
import type { KernelRunner } from '../../gpu/runner.ts';
import type { ModelWeights } from '../../model/weights.ts';
import type { AdamWHyper } from '../../reference/adamw.ts';
import type { TrainSequence } from '../../train/cpu/model.ts';
import { GpuTrainer } from '../../train/gpu/trainer.ts';
import type { LoraAdapter } from '../../train/lora.ts';
import type { AdamWSnapshot, AdamWStepReport } from './adamw-state.ts';
import type { TrainEngine } from './engine.ts';

export class GpuTrainEngine implements TrainEngine {
  readonly kind = 'webgpu' as const;
  private steps = 0;

  private constructor(
    private readonly runner: KernelRunner,
    private readonly weights: ModelWeights,
    private readonly adapter: LoraAdapter,
    private trainer: GpuTrainer,
  ) {}

  static async create(runner: KernelRunner, weights: ModelWeights, adapter: LoraAdapter): Promise<GpuTrainEngine> {
    return new GpuTrainEngine(runner, weights, adapter, await GpuTrainer.create(runner, weights, adapter));
  }

  logprobs(batch: TrainSequence[], adapter: boolean) {
    return this.trainer.logprobs(batch, { adapter });
  }

  async forwardBackward(batch: TrainSequence[], entropyCoefs: readonly number[]) {
    const beta = entropyCoefs[0] ?? 0;
    if (entropyCoefs.some((b) => b !== beta)) {
      throw new Error('WebGPU trainer: the entropy bonus differs per sequence (entropyCoef ≠ 0 with sequence-mean aggregation); use loss.aggregation token-mean or constant, or entropyCoef 0');
    }
    const r = await this.trainer.forwardBackward(batch, { entropyCoef: beta });
    return { loss: r.loss, logprobs: r.logprobs };
  }

  async step(hyper: AdamWHyper, maxGradNorm: number | null, loss: number): Promise<AdamWStepReport> {
    if (!Number.isFinite(loss)) return { applied: false, gradNorm: Number.NaN, clipScale: 0, skipped: 'non-finite loss' };
    const r = await this.trainer.step({ ...hyper, ...(maxGradNorm !== null ? { maxGradNorm } : {}) });
    if (!r.applied) return { applied: false, gradNorm: r.gradNorm, clipScale: 0, skipped: Number.isFinite(r.loss) ? 'non-finite gradient' : 'non-finite loss' };
    this.steps++;
    await this.trainer.syncAdapter();
    return { applied: true, gradNorm: r.gradNorm, clipScale: r.clipScale };
  }

  async optimizerSnapshot(): Promise<AdamWSnapshot> {
    return { step: this.steps, m: new Map(), v: new Map() };
  }

  async restoreOptimizer(s: AdamWSnapshot): Promise<void> {
    this.steps = s.step; // moments restart from zero (see the header)
  }

  /** Re-uploads the adapter (after a restore) by rebuilding the device trainer. */
  async adapterChanged(): Promise<void> {
    this.trainer = await GpuTrainer.create(this.runner, this.weights, this.adapter);
  }

  dispose(): void {}
}
