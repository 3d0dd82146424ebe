// RL objectives expressed through the trainer's loss interface: per token, ∂L/∂logprob.
// The trainer multiplies these by d logprob / d logits, so any objective that is a per-token function of
// the current log-prob (with old/reference log-probs and advantages as constants) fits.

/** Supervised NLL: L = −Σ lp  →  ∂L/∂lp = −1. */
export function nllGrad(n: number): Float64Array {
  return new Float64Array(n).fill(-1);
}

/**
 * PPO/GRPO clipped surrogate, L_t = −min(ρ·A, clip(ρ, 1−ε, 1+ε)·A) with ρ = exp(lp − lpOld), scaled by
 * `weight` (e.g. 1/number of tokens). ∂L/∂lp = −ρ·A when the unclipped term is active, else 0.
 */
export function ppoClipGrad(lp: ArrayLike<number>, lpOld: ArrayLike<number>, adv: ArrayLike<number>, eps: number, weight = 1): Float64Array {
  const g = new Float64Array(lp.length);
  for (let t = 0; t < lp.length; t++) {
    const rho = Math.exp(lp[t]! - lpOld[t]!);
    const a = adv[t]!;
    const clipped = Math.min(Math.max(rho, 1 - eps), 1 + eps);
    const unclippedActive = rho * a <= clipped * a;
    g[t] = unclippedActive ? -rho * a * weight : 0;
  }
  return g;
}

/** k3 KL estimator to the reference policy, KL_t = e^{r} − r − 1 with r = lpRef − lp; ∂KL/∂lp = 1 − e^{r}. Adds coef·∂KL/∂lp into `into`. */
export function addKlK3Grad(into: Float64Array, lp: ArrayLike<number>, lpRef: ArrayLike<number>, coef: number): Float64Array {
  for (let t = 0; t < lp.length; t++) into[t] += coef * (1 - Math.exp(lpRef[t]! - lp[t]!));
  return into;
}

export function klK3(lp: ArrayLike<number>, lpRef: ArrayLike<number>): Float64Array {
  return Float64Array.from({ length: lp.length }, (_, t) => {
    const r = lpRef[t]! - lp[t]!;
    return Math.exp(r) - r - 1;
  });
}
