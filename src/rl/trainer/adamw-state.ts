// AdamW over the LoRA tensors with a serializable state (moments and step count), so a checkpoint
// restores the optimizer exactly. The update itself is src/reference/adamw.ts (the same float64
// math as src/train/optimizer.ts's CpuAdamW, whose moments are private and cannot be saved).
import { adamwUpdate, clipScale, globalGradNorm, type AdamWHyper } from '../../reference/adamw.ts';

export interface AdamWStepReport {
  applied: boolean;
  gradNorm: number;
  clipScale: number;
  skipped?: 'non-finite loss' | 'non-finite gradient';
}

export interface AdamWSnapshot {
  step: number;
  m: Map<string, Float64Array>;
  v: Map<string, Float64Array>;
}

export class CheckpointableAdamW {
  private m = new Map<string, Float64Array>();
  private v = new Map<string, Float64Array>();
  private t = 0;

  constructor(
    readonly params: Map<string, Float64Array>,
    public hyper: AdamWHyper,
    public maxGradNorm: number | null,
  ) {
    for (const [k, p] of params) {
      this.m.set(k, new Float64Array(p.length));
      this.v.set(k, new Float64Array(p.length));
    }
  }

  get stepCount(): number {
    return this.t;
  }

  /** Applies one update unless the loss or the gradient is not finite (then nothing changes). */
  step(grads: Map<string, ArrayLike<number>>, loss: number): AdamWStepReport {
    for (const k of grads.keys()) if (!this.params.has(k)) throw new Error(`AdamW: gradient for unknown parameter "${k}"`);
    const norm = globalGradNorm(grads.values());
    const skipped = !Number.isFinite(loss) ? 'non-finite loss' : !Number.isFinite(norm) ? 'non-finite gradient' : undefined;
    if (skipped) return { applied: false, gradNorm: norm, clipScale: 0, skipped };
    const scale = clipScale(norm, this.maxGradNorm ?? undefined);
    this.t++;
    for (const [k, g] of grads) {
      const p = this.params.get(k)!;
      if (g.length !== p.length) throw new Error(`AdamW: gradient "${k}" has ${g.length} values, parameter has ${p.length}`);
      adamwUpdate(p, g, this.m.get(k)!, this.v.get(k)!, this.t, this.hyper, scale);
    }
    return { applied: true, gradNorm: norm, clipScale: scale };
  }

  snapshot(): AdamWSnapshot {
    return { step: this.t, m: this.m, v: this.v };
  }

  restore(s: AdamWSnapshot): void {
    if (!Number.isInteger(s.step) || s.step < 0) throw new Error(`AdamW.restore: bad step ${s.step}`);
    for (const [k, p] of this.params) {
      const m = s.m.get(k);
      const v = s.v.get(k);
      if (!m || !v || m.length !== p.length || v.length !== p.length) throw new Error(`AdamW.restore: the checkpoint has no moments of the right size for "${k}"`);
      this.m.get(k)!.set(m);
      this.v.get(k)!.set(v);
    }
    this.t = s.step;
  }
}
