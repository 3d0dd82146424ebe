// Float64 CPU reference of causal grouped-query attention, for prefill and for decode against a KV cache.
// q: Tq × H × hd (queries at absolute positions offset .. offset+Tq−1);
// k, v: Tk × KV × hd (the cache: keys at positions 0 .. Tk−1, Tk ≥ offset + Tq);
// query head h reads kv head ⌊h / (H/KV)⌋ (HF repeat_kv); query t sees keys s ≤ offset + t;
// out: Tq × H × hd = softmax(q·kᵀ / sqrt(hd)) · v.
// Prefill: Tq = Tk, offset 0. Decode of one token: Tq = 1, offset = Tk − 1.

export interface AttentionDims {
  Tq: number;
  Tk: number;
  H: number;
  KV: number;
  hd: number;
  /** Absolute position of the first query (default Tk − Tq: the queries are the cache's last rows). */
  offset?: number;
}

export function causalAttention(q: ArrayLike<number>, k: ArrayLike<number>, v: ArrayLike<number>, d: AttentionDims): Float64Array {
  const { Tq, Tk, H, KV, hd } = d;
  const offset = d.offset ?? Tk - Tq;
  if (H % KV !== 0) throw new Error(`attention: ${H} query heads is not a multiple of ${KV} kv heads`);
  if (q.length !== Tq * H * hd) throw new Error(`attention: q has ${q.length} values, expected ${Tq}×${H}×${hd}`);
  if (k.length < Tk * KV * hd || v.length < Tk * KV * hd) throw new Error(`attention: k/v need ${Tk}×${KV}×${hd} values`);
  if (offset < 0 || offset + Tq > Tk) throw new Error(`attention: queries at ${offset}..${offset + Tq - 1} need keys the cache (${Tk}) lacks`);
  const group = H / KV;
  const scale = 1 / Math.sqrt(hd);
  const out = new Float64Array(Tq * H * hd);
  const scores = new Float64Array(Tk);
  for (let t = 0; t < Tq; t++) {
    const last = offset + t; // causal: keys 0..last
    for (let h = 0; h < H; h++) {
      const kh = Math.floor(h / group);
      const qo = (t * H + h) * hd;
      let max = -Infinity;
      for (let s = 0; s <= last; s++) {
        const ko = (s * KV + kh) * hd;
        let dot = 0;
        for (let i = 0; i < hd; i++) dot += q[qo + i]! * k[ko + i]!;
        scores[s] = dot * scale;
        if (scores[s]! > max) max = scores[s]!;
      }
      let sum = 0;
      for (let s = 0; s <= last; s++) {
        scores[s] = Math.exp(scores[s]! - max);
        sum += scores[s]!;
      }
      for (let s = 0; s <= last; s++) {
        const p = scores[s]! / sum;
        const vo = (s * KV + kh) * hd;
        for (let i = 0; i < hd; i++) out[qo + i] += p * v[vo + i]!;
      }
    }
  }
  return out;
}
