// Float64 AdamW (decoupled weight decay, as torch.optim.AdamW) and global gradient-norm clipping
// (as torch.nn.utils.clip_grad_norm_). The WGSL kernel shaders/adamw.wgsl is checked against this.

export interface AdamWHyper {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

export const DEFAULT_ADAMW: AdamWHyper = { lr: 1e-4, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 };

/**
 * One AdamW update of `param` in place at step `step` (1-based), using grad·gradScale
 * (gradScale carries the clipping factor, so the gradient buffer itself is never rewritten).
 */
export function adamwUpdate(
  param: Float64Array | Float32Array,
  grad: ArrayLike<number>,
  m: Float64Array | Float32Array,
  v: Float64Array | Float32Array,
  step: number,
  h: AdamWHyper,
  gradScale = 1,
): void {
  if (!Number.isInteger(step) || step < 1) throw new Error(`adamw: step must be a positive integer, got ${step}`);
  const bc1 = 1 - Math.pow(h.beta1, step);
  const bc2 = 1 - Math.pow(h.beta2, step);
  for (let i = 0; i < param.length; i++) {
    const g = grad[i]! * gradScale;
    m[i] = h.beta1 * m[i]! + (1 - h.beta1) * g;
    v[i] = h.beta2 * v[i]! + (1 - h.beta2) * g * g;
    const mHat = m[i]! / bc1;
    const vHat = v[i]! / bc2;
    param[i] = param[i]! * (1 - h.lr * h.weightDecay) - (h.lr * mHat) / (Math.sqrt(vHat) + h.eps);
  }
}

/** ‖g‖₂ over every tensor; NaN/Inf propagate (the caller's guard checks Number.isFinite). */
export function globalGradNorm(grads: Iterable<ArrayLike<number>>): number {
  let ss = 0;
  for (const g of grads) for (let i = 0; i < g.length; i++) ss += g[i]! * g[i]!;
  return Math.sqrt(ss);
}

/** The factor torch's clip_grad_norm_ multiplies gradients by: min(1, maxNorm / (norm + 1e-6)). */
export function clipScale(norm: number, maxNorm: number | undefined): number {
  if (maxNorm === undefined || !(maxNorm > 0)) return 1;
  return Math.min(1, maxNorm / (norm + 1e-6));
}
