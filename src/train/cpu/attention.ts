// Causal grouped-query attention for the CPU trainer, with the maths of src/reference/attention_backward.ts
// but without its H × T × T probability matrix (700 MB in float64 at 4.7k tokens and 4 heads): the
// forward keeps one log-sum-exp per (head, query) and the backward recomputes each probability row from
// it — the FlashAttention recurrence, in plain loops. Checked against the reference in
// test/unit/train/attention-lse.test.ts.
import type { AttentionShape } from '../../reference/attention_backward.ts';

export function attentionForwardLse(q: ArrayLike<number>, k: ArrayLike<number>, v: ArrayLike<number>, s: AttentionShape): { out: Float64Array; lse: Float64Array } {
  const { T, H, KV, hd } = s;
  if (H % KV !== 0) throw new Error(`attention: ${H} query heads is not a multiple of ${KV} kv heads`);
  if (q.length !== T * H * hd || k.length !== T * KV * hd || v.length !== T * KV * hd) throw new Error(`attention: q/k/v sizes do not match T ${T}, H ${H}, KV ${KV}, hd ${hd}`);
  const group = H / KV;
  const scale = 1 / Math.sqrt(hd);
  const out = new Float64Array(T * H * hd);
  const lse = new Float64Array(H * T);
  const row = new Float64Array(T);
  for (let h = 0; h < H; h++) {
    const kh = Math.floor(h / group);
    for (let t = 0; t < T; t++) {
      const qo = (t * H + h) * hd;
      let max = -Infinity;
      for (let u = 0; u <= t; u++) {
        const ko = (u * KV + kh) * hd;
        let dot = 0;
        for (let i = 0; i < hd; i++) dot += q[qo + i]! * k[ko + i]!;
        row[u] = dot * scale;
        if (row[u]! > max) max = row[u]!;
      }
      let sum = 0;
      for (let u = 0; u <= t; u++) sum += row[u] = Math.exp(row[u]! - max);
      lse[h * T + t] = max + Math.log(sum);
      for (let u = 0; u <= t; u++) {
        const p = row[u]! / sum;
        const vo = (u * KV + kh) * hd;
        for (let i = 0; i < hd; i++) out[qo + i] += p * v[vo + i]!;
      }
    }
  }
  return { out, lse };
}

/** dS = P ⊙ (dP − Σ_u P·dP), with P recomputed per row as exp(q·k/√hd − lse) and Σ_u P·dP = dO·O. */
export function attentionBackwardLse(
  q: ArrayLike<number>, k: ArrayLike<number>, v: ArrayLike<number>, out: ArrayLike<number>, lse: ArrayLike<number>, dOut: ArrayLike<number>, s: AttentionShape,
): { dq: Float64Array; dk: Float64Array; dv: Float64Array } {
  const { T, H, KV, hd } = s;
  const group = H / KV;
  const scale = 1 / Math.sqrt(hd);
  const dq = new Float64Array(q.length);
  const dk = new Float64Array(k.length);
  const dv = new Float64Array(v.length);
  for (let h = 0; h < H; h++) {
    const kh = Math.floor(h / group);
    for (let t = 0; t < T; t++) {
      const qo = (t * H + h) * hd;
      const l = lse[h * T + t]!;
      let rowDot = 0;
      for (let i = 0; i < hd; i++) rowDot += dOut[qo + i]! * out[qo + i]!;
      for (let u = 0; u <= t; u++) {
        const ko = (u * KV + kh) * hd;
        let dot = 0;
        let dP = 0;
        for (let i = 0; i < hd; i++) {
          dot += q[qo + i]! * k[ko + i]!;
          dP += dOut[qo + i]! * v[ko + i]!;
        }
        const p = Math.exp(dot * scale - l);
        const dS = p * (dP - rowDot) * scale;
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
