// Float64 causal grouped-query attention and its backward.
// q: T × H × hd, k and v: T × KV × hd (query head h reads kv head ⌊h / (H/KV)⌋, as HF's repeat_kv),
// out: T × H × hd.  S = q·kᵀ / sqrt(hd) masked to s ≤ t, P = softmax(S), out = P·v.

export interface AttentionShape {
  T: number;
  H: number;
  KV: number;
  hd: number;
}

function check(s: AttentionShape, q: ArrayLike<number>, k: ArrayLike<number>, v: ArrayLike<number>): void {
  if (s.H % s.KV !== 0) throw new Error(`attention: ${s.H} query heads is not a multiple of ${s.KV} kv heads`);
  if (q.length !== s.T * s.H * s.hd) throw new Error(`attention: q has ${q.length} values, expected ${s.T * s.H * s.hd}`);
  if (k.length !== s.T * s.KV * s.hd || v.length !== s.T * s.KV * s.hd) throw new Error(`attention: k/v must have ${s.T * s.KV * s.hd} values`);
}

/** Returns the output and the probabilities P (H × T × T, zero above the diagonal). */
export function attentionForward(q: ArrayLike<number>, k: ArrayLike<number>, v: ArrayLike<number>, s: AttentionShape): { out: Float64Array; probs: Float64Array } {
  check(s, q, k, v);
  const { T, H, KV, hd } = s;
  const group = H / KV;
  const scale = 1 / Math.sqrt(hd);
  const out = new Float64Array(T * H * hd);
  const probs = new Float64Array(H * T * T);
  for (let h = 0; h < H; h++) {
    const kh = Math.floor(h / group);
    for (let t = 0; t < T; t++) {
      const qo = (t * H + h) * hd;
      const row = (h * T + t) * T;
      let max = -Infinity;
      for (let u = 0; u <= t; u++) {
        const ko = (u * KV + kh) * hd;
        let dot = 0;
        for (let i = 0; i < hd; i++) dot += q[qo + i]! * k[ko + i]!;
        probs[row + u] = dot * scale;
        if (probs[row + u]! > max) max = probs[row + u]!;
      }
      let sum = 0;
      for (let u = 0; u <= t; u++) sum += probs[row + u] = Math.exp(probs[row + u]! - max);
      for (let u = 0; u <= t; u++) {
        const p = (probs[row + u]! /= sum);
        const vo = (u * KV + kh) * hd;
        for (let i = 0; i < hd; i++) out[qo + i] += p * v[vo + i]!;
      }
    }
  }
  return { out, probs };
}

/** dP = dO·vᵀ, dS = P ⊙ (dP − Σ_u P·dP), dq = dS·k/√hd, dk = dSᵀ·q/√hd, dv = Pᵀ·dO (summed over each kv head's group). */
export function attentionBackward(
  q: ArrayLike<number>,
  k: ArrayLike<number>,
  v: ArrayLike<number>,
  dOut: ArrayLike<number>,
  s: AttentionShape,
  probs?: Float64Array,
): { dq: Float64Array; dk: Float64Array; dv: Float64Array } {
  check(s, q, k, v);
  const { T, H, KV, hd } = s;
  const P = probs ?? attentionForward(q, k, v, s).probs;
  const group = H / KV;
  const scale = 1 / Math.sqrt(hd);
  const dq = new Float64Array(q.length);
  const dk = new Float64Array(k.length);
  const dv = new Float64Array(v.length);
  const dP = new Float64Array(T);
  for (let h = 0; h < H; h++) {
    const kh = Math.floor(h / group);
    for (let t = 0; t < T; t++) {
      const qo = (t * H + h) * hd;
      const row = (h * T + t) * T;
      let rowDot = 0;
      for (let u = 0; u <= t; u++) {
        const vo = (u * KV + kh) * hd;
        let d = 0;
        for (let i = 0; i < hd; i++) d += dOut[qo + i]! * v[vo + i]!;
        dP[u] = d;
        rowDot += d * P[row + u]!;
      }
      for (let u = 0; u <= t; u++) {
        const p = P[row + u]!;
        const dS = p * (dP[u]! - rowDot) * scale;
        const ko = (u * KV + kh) * hd;
        for (let i = 0; i < hd; i++) {
          dq[qo + i] += dS * k[ko + i]!;
          dk[ko + i] += dS * q[qo + i]!;
          dv[ko + i] += p * dOut[qo + i]!;
        }
      }
    }
  }
  return { dq, dk, dv };
}
