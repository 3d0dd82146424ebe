// AdamW over named float64 tensors on the CPU (the reference the GPU optimizer is checked against),
// with global gradient-norm clipping and a guard: a non-finite loss or gradient skips the step, leaves
// every weight and moment untouched and says so in the report.
import { adamwUpdate, clipScale, DEFAULT_ADAMW, globalGradNorm, type AdamWHyper } from '../reference/adamw.ts';
import type { LoraAdapter } from './lora.ts';
import type { Grads } from './cpu/layer.ts';

export interface AdamWOptions extends AdamWHyper {
  /** Clip the global gradient norm to this (undefined or ≤ 0: no clipping). */
  maxGradNorm?: number;
}

export interface StepReport {
  applied: boolean;
  /** Optimizer steps applied so far (skipped steps do not count). */
  step: number;
  gradNorm: number;
  clipScale: number;
  skipped?: 'non-finite loss' | 'non-finite gradient';
}

/** Moments and step count: what a checkpoint needs to resume AdamW exactly. */
export interface AdamWSnapshot {
  step: number;
  m: Map<string, Float64Array>;
  v: Map<string, Float64Array>;
}

export class CpuAdamW {
  private m = new Map<string, Float64Array>();
  private v = new Map<string, Float64Array>();
  private t = 0;
  readonly opts: AdamWOptions;
  skippedSteps = 0;

  constructor(
    readonly params: Map<string, Float64Array>,
    opts: Partial<AdamWOptions> = {},
  ) {
    this.opts = { ...DEFAULT_ADAMW, ...opts };
    for (const [k, p] of params) {
      this.m.set(k, new Float64Array(p.length));
      this.v.set(k, new Float64Array(p.length));
    }
  }

  get stepCount(): number {
    return this.t;
  }

  step(grads: Map<string, ArrayLike<number>>, loss: number): StepReport {
    for (const k of grads.keys()) if (!this.params.has(k)) throw new Error(`AdamW: gradient for unknown parameter "${k}"`);
    const norm = globalGradNorm(grads.values());
    const skip = !Number.isFinite(loss) ? 'non-finite loss' : !Number.isFinite(norm) ? 'non-finite gradient' : undefined;
    if (skip) {
      this.skippedSteps++;
      return { applied: false, step: this.t, gradNorm: norm, clipScale: 0, skipped: skip };
    }
    const scale = clipScale(norm, this.opts.maxGradNorm);
    this.t++;
    for (const [k, g] of grads) {
      const p = this.params.get(k)!;
      if (g.length !== p.length) throw new Error(`AdamW: gradient "${k}" has ${g.length} values, parameter has ${p.length}`);
      adamwUpdate(p, g, this.m.get(k)!, this.v.get(k)!, this.t, this.opts, scale);
    }
    return { applied: true, step: this.t, gradNorm: norm, clipScale: scale };
  }

  /** The live moments (not copies) and the step count. */
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

/** The adapter's tensors as named parameters (the same arrays: updating them updates the adapter). */
export function loraParams(a: LoraAdapter): Map<string, Float64Array> {
  const m = new Map<string, Float64Array>();
  for (const [path, p] of a.modules) {
    m.set(`${path}.lora_A`, p.A);
    m.set(`${path}.lora_B`, p.B);
  }
  return m;
}

/** LoRA gradients under the names loraParams uses. */
export function loraGradMap(g: Grads): Map<string, Float64Array> {
  const m = new Map<string, Float64Array>();
  for (const [path, { dA, dB }] of g.lora) {
    m.set(`${path}.lora_A`, dA);
    m.set(`${path}.lora_B`, dB);
  }
  return m;
}
