// KL(π_θ ‖ π_ref) estimators from the log-probs of sampled tokens (Schulman, "Approximating KL
// divergence"). With x ~ π_θ and d = log π_ref(x) − log π_θ(x):
//   k1 = −d                 unbiased, can be negative per token
//   k3 = e^d − d − 1         unbiased, always ≥ 0, lower variance (GRPO's choice)
// Derivatives are with respect to the policy log-prob log π_θ(x) (the reference is constant).

export type KlEstimator = 'k1' | 'k3';
export const KL_ESTIMATORS: readonly KlEstimator[] = ['k1', 'k3'];

export function klEstimate(estimator: KlEstimator, logp: number, logpRef: number): number {
  const d = logpRef - logp;
  return estimator === 'k1' ? -d : Math.expm1(d) - d;
}

/** d(estimate)/d(logp). */
export function klEstimateGrad(estimator: KlEstimator, logp: number, logpRef: number): number {
  return estimator === 'k1' ? 1 : -Math.expm1(logpRef - logp);
}

/**
 * KL "in the reward": a per-token penalty −coef·k(logpOld, logpRef) computed once from the
 * sampling log-probs (no gradient flows through it). PPO adds it to each token's reward; the
 * sequence-level algorithms subtract its sum over the sequence from the scalar reward before
 * group advantages are computed (see sequenceKlPenalty). Zero where mask is 0.
 */
export function klRewardPenalty(
  logpOld: ArrayLike<number>,
  logpRef: ArrayLike<number>,
  mask: ArrayLike<number>,
  estimator: KlEstimator,
  coef: number,
): Float64Array {
  if (logpOld.length !== mask.length || logpRef.length !== mask.length) {
    throw new Error(`klRewardPenalty: lengths differ (logpOld ${logpOld.length}, logpRef ${logpRef.length}, mask ${mask.length})`);
  }
  const out = new Float64Array(mask.length);
  for (let t = 0; t < mask.length; t++) if (mask[t]) out[t] = -coef * klEstimate(estimator, logpOld[t]!, logpRef[t]!);
  return out;
}

/** Sum of klRewardPenalty over a sequence: the amount to add to a sequence-level reward. */
export function sequenceKlPenalty(...args: Parameters<typeof klRewardPenalty>): number {
  return klRewardPenalty(...args).reduce((a, b) => a + b, 0);
}
