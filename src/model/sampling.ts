// Token sampling shared by every backend, specified so a WGSL kernel can reproduce it bit for bit:
//  1. greedy: argmax (lowest id on ties); logprob from log softmax(logits) (T = 1).
//  2. otherwise: z = logits / T; p = softmax(z); logprob reported = log p[token] (before truncation);
//     top-k keeps ids whose p ≥ the k-th largest p (ties kept, as HF);
//     top-p keeps ids whose strictly-larger kept mass (renormalized after top-k) is < topP (at least the max);
//     the token is the first id, in vocabulary order, where the running sum of kept p exceeds u · (kept mass).
//  u = samplingUniform(seed, sequence, step): a u32 hash (no floats until the end), exactly representable in f32.
import type { GenerateOptions } from './backend.ts';

export interface SamplingParams {
  greedy: boolean;
  temperature: number;
  topK: number; // 0 = off
  topP: number; // 1 = off
  seed: number;
}

/** Validates and normalizes GenerateOptions' sampling fields (clear errors on bad values). */
export function resolveSampling(o: GenerateOptions): SamplingParams {
  const temperature = o.temperature ?? 1;
  if (!Number.isFinite(temperature) || temperature < 0) throw new Error(`temperature must be ≥ 0 (got ${o.temperature})`);
  const topK = o.topK ?? 0;
  if (!Number.isInteger(topK) || topK < 0) throw new Error(`topK must be a non-negative integer (got ${o.topK})`);
  const topP = o.topP ?? 1;
  if (!(topP > 0 && topP <= 1)) throw new Error(`topP must be in (0, 1] (got ${o.topP})`);
  const seed = o.seed ?? 0;
  if (!Number.isInteger(seed)) throw new Error(`seed must be an integer (got ${o.seed})`);
  return { greedy: Boolean(o.greedy) || temperature === 0, temperature: temperature || 1, topK, topP, seed: seed >>> 0 };
}

/** lowbias32 integer hash (Chris Wellons): u32 → u32, written with 32-bit ops only (WGSL: same with u32). */
export function hash32(x: number): number {
  x = (x ^ (x >>> 16)) >>> 0;
  x = Math.imul(x, 0x7feb352d) >>> 0;
  x = (x ^ (x >>> 15)) >>> 0;
  x = Math.imul(x, 0x846ca68b) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}

/** Uniform in [0, 1) with 24 bits: hash32(seed ^ hash32(sequence ^ hash32(step))) >> 8, / 2^24. */
export function samplingUniform(seed: number, sequence: number, step: number): number {
  const h = hash32((seed ^ hash32((sequence ^ hash32(step >>> 0)) >>> 0)) >>> 0);
  return (h >>> 8) / 16777216;
}

/** log softmax(logits / temperature) in float64. */
export function logSoftmax(logits: ArrayLike<number>, temperature = 1): Float64Array {
  const n = logits.length;
  const out = new Float64Array(n);
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    out[i] = logits[i]! / temperature;
    if (out[i]! > max) max = out[i]!;
  }
  let sum = 0;
  for (let i = 0; i < n; i++) sum += Math.exp(out[i]! - max);
  const lse = max + Math.log(sum);
  for (let i = 0; i < n; i++) out[i] = out[i]! - lse;
  return out;
}

export function argmax(x: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < x.length; i++) if (x[i]! > x[best]!) best = i;
  return best;
}

/** The mask of ids kept by top-k then top-p (see header), from probabilities p. */
export function keptMask(p: ArrayLike<number>, topK: number, topP: number): Uint8Array {
  const n = p.length;
  const keep = new Uint8Array(n).fill(1);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => p[b]! - p[a]! || a - b);
  if (topK > 0 && topK < n) {
    const kth = p[order[topK - 1]!]!;
    for (let i = 0; i < n; i++) if (p[i]! < kth) keep[i] = 0;
  }
  if (topP < 1) {
    let mass = 0;
    for (let i = 0; i < n; i++) if (keep[i]) mass += p[i]!;
    // Walk ids by decreasing p; an id is kept when the mass strictly above it is < topP (ties share a verdict).
    let above = 0;
    let j = 0;
    while (j < n) {
      const pj = p[order[j]!]!;
      let k = j;
      let tieMass = 0;
      while (k < n && p[order[k]!]! === pj) {
        if (keep[order[k]!]) tieMass += pj;
        k++;
      }
      const keepTie = above / mass < topP || above === 0;
      for (let m = j; m < k; m++) if (!keepTie) keep[order[m]!] = 0;
      above += tieMass;
      j = k;
    }
  }
  return keep;
}

export interface SampledToken {
  token: number;
  logprob: number;
}

export function sampleFromLogits(logits: ArrayLike<number>, params: SamplingParams, u: number): SampledToken {
  if (params.greedy) {
    const token = argmax(logits);
    return { token, logprob: logSoftmax(logits)[token]! };
  }
  const lp = logSoftmax(logits, params.temperature);
  const p = lp.map(Math.exp);
  const keep = keptMask(p, params.topK, params.topP);
  let mass = 0;
  for (let i = 0; i < p.length; i++) if (keep[i]) mass += p[i]!;
  const target = u * mass;
  let acc = 0;
  let last = -1;
  for (let i = 0; i < p.length; i++) {
    if (!keep[i]) continue;
    last = i;
    acc += p[i]!;
    if (acc > target) return { token: i, logprob: lp[i]! };
  }
  return { token: last, logprob: lp[last]! }; // rounding left u·mass at the very top
}
