// Policy-gradient objectives as per-token derivatives. The WGSL trainer computes log-probs of the
// sampled tokens; this module turns them into dJ/d(logp) per token (J is the objective to MAXIMISE,
// the loss is −J), which the trainer back-propagates. Pure float64 math, no GPU.
//
// Per trainable token t of sequence i, with r = exp(logp − logpOld) and advantage A:
//   f = min(r·A, clip(r, 1 − ε_low, 1 + ε_high)·A) − β·k(logp, logpRef)   [KL term only with placement 'loss']
//   J = Σ_i Σ_t w_it · f_it  (+ entropyCoef · Σ w_it · H_it)
// The aggregation weights w_it:
//   token-mean     1 / (total trainable tokens in the batch)                  (DAPO / PPO style)
//   sequence-mean  1 / (sequences with trainable tokens · tokens of sequence i) (original GRPO)
//   constant       1 / (number of sequences · C)                              (Dr.GRPO: C = max generation length)
// The same clipped surrogate serves every algorithm; they differ in their advantages (GRPO: group
// mean/std, Dr.GRPO: group mean only — src/reward; RLOO: leave-one-out; PPO: GAE — advantages.ts) and
// in the default aggregation (defaultAggregation). At the first inner step logp == logpOld, so r is
// exactly 1, nothing is clipped, and dJ/dlogp = w·A (minus the KL term).
import { klEstimate, klEstimateGrad, KL_ESTIMATORS, type KlEstimator } from './kl.ts';

export type Algorithm = 'grpo' | 'drgrpo' | 'rloo' | 'ppo';
export const ALGORITHMS: readonly Algorithm[] = ['grpo', 'drgrpo', 'rloo', 'ppo'];
export type KlPlacement = 'loss' | 'reward';
export type Aggregation = 'token-mean' | 'sequence-mean' | 'constant';
export const AGGREGATIONS: readonly Aggregation[] = ['token-mean', 'sequence-mean', 'constant'];

export function defaultAggregation(algorithm: Algorithm): Aggregation {
  return algorithm === 'grpo' ? 'sequence-mean' : algorithm === 'ppo' ? 'token-mean' : 'constant';
}

export interface PolicySequence {
  logp: ArrayLike<number>; // log π_θ(token) under the current parameters (training forward)
  logpOld: ArrayLike<number>; // log π at sampling time
  logpRef?: ArrayLike<number>; // reference policy (adapters off); needed for KL in the loss
  advantages: ArrayLike<number>; // per token (sequence-level algorithms repeat one value)
  mask: ArrayLike<number>; // 1 on trainable policy tokens; 0 on prompt/user/tool/environment tokens
  entropy?: ArrayLike<number>; // optional per-token entropy of π_θ, for the objective value and metrics
}

export interface ObjectiveOptions {
  clip: { low: number; high: number }; // ratio kept in [1 − low, 1 + high]
  kl: { coef: number; estimator: KlEstimator; placement: KlPlacement };
  entropyCoef: number;
  aggregation: Aggregation;
  constantNormalizer?: number; // C for 'constant' aggregation (required there)
}

export interface ObjectiveResult {
  objective: number; // J; the loss is −J. NaN/Inf inputs propagate here so the trainer can skip the step.
  dLogp: Float64Array[]; // dJ/d(logp) per token, 0 where mask is 0
  entropyWeight: Float64Array[]; // dJ/dH per token: the trainer adds entropyWeight[t] · ∇H_t
  surrogate: number; // the clipped policy-gradient part of J
  klTerm: number; // aggregated KL estimate (0 when coef is 0 or placement is 'reward')
  klPerToken: number; // mean KL estimate over trainable tokens (NaN without logpRef)
  entropyPerToken: number; // mean entropy over trainable tokens (NaN without entropy)
  clipFraction: number; // share of trainable tokens whose gradient the clip zeroed
  ratio: { mean: number; min: number; max: number };
  tokens: number; // trainable tokens
}

function checkOptions(o: ObjectiveOptions): void {
  const bad = (msg: string) => {
    throw new Error(`policyObjective: ${msg}`);
  };
  if (!(o.clip.low >= 0 && o.clip.low < 1)) bad(`clip.low must be in [0, 1), got ${o.clip.low}`);
  if (!(o.clip.high >= 0) || !Number.isFinite(o.clip.high)) bad(`clip.high must be a finite number >= 0, got ${o.clip.high}`);
  if (!(o.kl.coef >= 0) || !Number.isFinite(o.kl.coef)) bad(`kl.coef must be a finite number >= 0, got ${o.kl.coef}`);
  if (!KL_ESTIMATORS.includes(o.kl.estimator)) bad(`kl.estimator must be k1 or k3, got ${JSON.stringify(o.kl.estimator)}`);
  if (o.kl.placement !== 'loss' && o.kl.placement !== 'reward') bad(`kl.placement must be loss or reward, got ${JSON.stringify(o.kl.placement)}`);
  if (!Number.isFinite(o.entropyCoef)) bad(`entropyCoef must be finite, got ${o.entropyCoef}`);
  if (!AGGREGATIONS.includes(o.aggregation)) bad(`aggregation must be one of ${AGGREGATIONS.join(', ')}, got ${JSON.stringify(o.aggregation)}`);
  if (o.aggregation === 'constant' && !(o.constantNormalizer! > 0)) {
    bad(`aggregation 'constant' needs constantNormalizer > 0, got ${o.constantNormalizer}`);
  }
}

function countMask(seq: PolicySequence, i: number): number {
  const n = seq.mask.length;
  const fields = ['logp', 'logpOld', 'advantages', 'logpRef', 'entropy'] as const;
  for (const f of fields) {
    const a = seq[f];
    if (a && a.length !== n) throw new Error(`policyObjective: sequence ${i}: ${f} has ${a.length} entries, mask has ${n}`);
  }
  let count = 0;
  for (let t = 0; t < n; t++) {
    const m = seq.mask[t];
    if (m !== 0 && m !== 1) throw new Error(`policyObjective: sequence ${i}: mask[${t}] must be 0 or 1, got ${m}`);
    count += m;
  }
  return count;
}

/** Aggregation weight of each trainable token of each sequence (one weight per sequence). */
export function aggregationWeights(tokenCounts: readonly number[], aggregation: Aggregation, constantNormalizer = 0): number[] {
  const total = tokenCounts.reduce((a, b) => a + b, 0);
  const nonEmpty = tokenCounts.filter((c) => c > 0).length;
  return tokenCounts.map((c) => {
    if (c === 0) return 0;
    if (aggregation === 'token-mean') return 1 / total;
    if (aggregation === 'sequence-mean') return 1 / (nonEmpty * c);
    return 1 / (tokenCounts.length * constantNormalizer);
  });
}

export function policyObjective(sequences: readonly PolicySequence[], options: ObjectiveOptions): ObjectiveResult {
  checkOptions(options);
  const { clip, kl, entropyCoef } = options;
  const klInLoss = kl.placement === 'loss' && kl.coef > 0;
  const counts = sequences.map((s, i) => countMask(s, i));
  const weights = aggregationWeights(counts, options.aggregation, options.constantNormalizer);
  const lo = 1 - clip.low;
  const hi = 1 + clip.high;

  let surrogate = 0, klTerm = 0, entropyTerm = 0;
  let klSum = 0, klCount = 0, entSum = 0, entCount = 0, clipped = 0, tokens = 0;
  let rSum = 0, rMin = Infinity, rMax = -Infinity;
  const dLogp: Float64Array[] = [];
  const entropyWeight: Float64Array[] = [];
  sequences.forEach((seq, i) => {
    if (klInLoss && !seq.logpRef) throw new Error(`policyObjective: sequence ${i}: KL in the loss needs logpRef`);
    const w = weights[i]!;
    const n = seq.mask.length;
    const grad = new Float64Array(n);
    const entW = new Float64Array(n);
    for (let t = 0; t < n; t++) {
      if (!seq.mask[t]) continue;
      tokens++;
      const logp = seq.logp[t]!;
      const a = seq.advantages[t]!;
      const r = Math.exp(logp - seq.logpOld[t]!);
      rSum += r;
      rMin = Math.min(rMin, r);
      rMax = Math.max(rMax, r);
      const unclipped = r * a;
      const clippedValue = Math.min(Math.max(r, lo), hi) * a;
      let g: number;
      if (clippedValue < unclipped) {
        clipped++; // the min picks the clipped branch, which is flat in logp
        surrogate += w * clippedValue;
        g = 0;
      } else {
        surrogate += w * unclipped;
        g = unclipped; // d(r·A)/dlogp = r·A
      }
      if (seq.logpRef) {
        const k = klEstimate(kl.estimator, logp, seq.logpRef[t]!);
        klSum += k;
        klCount++;
        if (klInLoss) {
          klTerm += w * k;
          g -= kl.coef * klEstimateGrad(kl.estimator, logp, seq.logpRef[t]!);
        }
      }
      if (seq.entropy) {
        entSum += seq.entropy[t]!;
        entCount++;
        entropyTerm += w * seq.entropy[t]!;
      }
      grad[t] = w * g;
      entW[t] = w * entropyCoef;
    }
    dLogp.push(grad);
    entropyWeight.push(entW);
  });
  const objective = surrogate - (klInLoss ? kl.coef * klTerm : 0) + (entropyCoef !== 0 ? entropyCoef * entropyTerm : 0);
  return {
    objective,
    dLogp,
    entropyWeight,
    surrogate,
    klTerm: klInLoss ? klTerm : 0,
    klPerToken: klCount > 0 ? klSum / klCount : Number.NaN,
    entropyPerToken: entCount > 0 ? entSum / entCount : Number.NaN,
    clipFraction: tokens > 0 ? clipped / tokens : 0,
    ratio: tokens > 0 ? { mean: rSum / tokens, min: rMin, max: rMax } : { mean: 1, min: 1, max: 1 },
    tokens,
  };
}

/**
 * Adapter to the train module's loss interface (src/train: per token ∂L/∂logprob with L minimised,
 * and an entropy bonus L −= β·Σ H_t over trainable tokens): dLogprob = −dJ/dlogp, and β per sequence
 * = its aggregation weight × entropyCoef (constant within a sequence).
 */
export function toLossInterface(result: ObjectiveResult): Array<{ dLogprob: Float64Array; entropyCoef: number }> {
  return result.dLogp.map((g, i) => ({
    dLogprob: g.map((x) => (x === 0 ? 0 : -x)),
    entropyCoef: result.entropyWeight[i]!.reduce((m, w) => (w !== 0 ? w : m), 0),
  }));
}
