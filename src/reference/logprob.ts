// Float64 per-token log-probability of a chosen token and entropy of the softmax over a logits row,
// and their backward. lp = z_y − logsumexp(z); H = −Σ p log p.
// d lp / dz = onehot(y) − p;  dH / dz_i = −p_i·(log p_i + H).

export interface LogprobRow {
  logprob: number;
  entropy: number;
}

export function logprobEntropy(z: ArrayLike<number>, offset: number, V: number, target: number): LogprobRow {
  if (!Number.isInteger(target) || target < 0 || target >= V) throw new Error(`logprob: target ${target} is outside [0, ${V})`);
  let max = -Infinity;
  for (let i = 0; i < V; i++) if (z[offset + i]! > max) max = z[offset + i]!;
  let sum = 0;
  for (let i = 0; i < V; i++) sum += Math.exp(z[offset + i]! - max);
  const lse = max + Math.log(sum);
  let entropy = 0;
  for (let i = 0; i < V; i++) {
    const lp = z[offset + i]! - lse;
    entropy -= Math.exp(lp) * lp;
  }
  return { logprob: z[offset + target]! - lse, entropy };
}

/**
 * Writes dz = gLogprob·(onehot(target) − p) + gEntropy·(−p ⊙ (log p + H)) into dz[offset..offset+V),
 * where gLogprob = ∂L/∂lp and gEntropy = ∂L/∂H for this row.
 */
export function logprobEntropyBackward(
  z: ArrayLike<number>,
  offset: number,
  V: number,
  target: number,
  gLogprob: number,
  gEntropy: number,
  dz: Float64Array,
): void {
  let max = -Infinity;
  for (let i = 0; i < V; i++) if (z[offset + i]! > max) max = z[offset + i]!;
  let sum = 0;
  for (let i = 0; i < V; i++) sum += Math.exp(z[offset + i]! - max);
  const lse = max + Math.log(sum);
  let H = 0;
  if (gEntropy !== 0) {
    for (let i = 0; i < V; i++) {
      const lp = z[offset + i]! - lse;
      H -= Math.exp(lp) * lp;
    }
  }
  for (let i = 0; i < V; i++) {
    const lp = z[offset + i]! - lse;
    const p = Math.exp(lp);
    dz[offset + i] = -gLogprob * p - gEntropy * p * (lp + H) + (i === target ? gLogprob : 0);
  }
}

function logSumExp(z: ArrayLike<number>, offset: number, V: number): number {
  let max = -Infinity;
  for (let i = 0; i < V; i++) if (z[offset + i]! > max) max = z[offset + i]!;
  let sum = 0;
  for (let i = 0; i < V; i++) sum += Math.exp(z[offset + i]! - max);
  return max + Math.log(sum);
}

/** Teacher targets (distillation): KL(q ‖ p) = Σ exp(q)·(q − log p), q as log-probabilities (−∞: no term). */
export function teacherKl(z: ArrayLike<number>, offset: number, V: number, q: ArrayLike<number>): number {
  const lse = logSumExp(z, offset, V);
  let kl = 0;
  for (let i = 0; i < V; i++) if (q[i]! > -Infinity) kl += Math.exp(q[i]!) * (q[i]! - (z[offset + i]! - lse));
  return kl;
}

/** Adds ∂KL(q ‖ p)/∂z = p − exp(q) into dz[offset..offset+V). */
export function teacherKlBackward(z: ArrayLike<number>, offset: number, V: number, q: ArrayLike<number>, dz: Float64Array): void {
  const lse = logSumExp(z, offset, V);
  for (let i = 0; i < V; i++) dz[offset + i] += Math.exp(z[offset + i]! - lse) - Math.exp(q[i]!);
}
