// The RL trainer's AdamW: src/train/optimizer.ts's CpuAdamW (float64, clipping, non-finite guard,
// snapshot/restore for exact resume) seen through the trainer's knobs — the hyper-parameters and
// the clipping norm are set before every step (schedules; the WGSL engine clips on the device).
import type { AdamWHyper } from '../../reference/adamw.ts';
import { CpuAdamW, type AdamWSnapshot, type StepReport } from '../../train/optimizer.ts';

export type { AdamWSnapshot };
export type AdamWStepReport = Omit<StepReport, 'step'>;

export class CheckpointableAdamW extends CpuAdamW {
  constructor(params: Map<string, Float64Array>, hyper: AdamWHyper, maxGradNorm: number | null) {
    super(params, { ...hyper, maxGradNorm: maxGradNorm ?? undefined });
  }

  get hyper(): AdamWHyper {
    const { lr, beta1, beta2, eps, weightDecay } = this.opts;
    return { lr, beta1, beta2, eps, weightDecay };
  }

  set hyper(h: AdamWHyper) {
    Object.assign(this.opts, { lr: h.lr, beta1: h.beta1, beta2: h.beta2, eps: h.eps, weightDecay: h.weightDecay });
  }

  get maxGradNorm(): number | null {
    return this.opts.maxGradNorm ?? null;
  }

  set maxGradNorm(n: number | null) {
    this.opts.maxGradNorm = n ?? undefined;
  }
}
