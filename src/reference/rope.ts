// Float64 CPU reference of rotary position embedding, Qwen/NeoX "rotate_half" layout (as HF Qwen2/Qwen3):
// x is T × heads × hd; for i < hd/2 the pair (x[i], x[i + hd/2]) at position p rotates by
// angle p · invFreq[i], invFreq[i] = theta^(−2i/hd):  x'[i] = x[i]·cos − x[i+hd/2]·sin,
// x'[i+hd/2] = x[i+hd/2]·cos + x[i]·sin.

export function ropeInvFreq(hd: number, theta: number): Float64Array {
  if (hd % 2 !== 0) throw new Error(`rope: head dim ${hd} must be even`);
  const f = new Float64Array(hd / 2);
  for (let i = 0; i < hd / 2; i++) f[i] = 1 / Math.pow(theta, (2 * i) / hd);
  return f;
}

/** positions[t] is the absolute position of row t (prefill: 0..T−1; decode: the cache length). */
export function applyRope(x: ArrayLike<number>, positions: ArrayLike<number>, heads: number, hd: number, theta: number): Float64Array {
  return rotateRope(x, positions, heads, hd, theta, 1);
}

/** The rotation by sign·angle; sign −1 is the inverse rotation (RoPE's backward, since it is orthogonal). */
export function rotateRope(x: ArrayLike<number>, positions: ArrayLike<number>, heads: number, hd: number, theta: number, sign: 1 | -1): Float64Array {
  const T = positions.length;
  if (x.length !== T * heads * hd) throw new Error(`rope: x has ${x.length} values, expected ${T}×${heads}×${hd}`);
  const half = hd / 2;
  const inv = ropeInvFreq(hd, theta);
  const out = new Float64Array(x.length);
  for (let t = 0; t < T; t++) {
    for (let i = 0; i < half; i++) {
      const angle = positions[t]! * inv[i]!;
      const c = Math.cos(angle);
      const s = sign * Math.sin(angle);
      for (let h = 0; h < heads; h++) {
        const o = (t * heads + h) * hd;
        const a = x[o + i]!;
        const b = x[o + i + half]!;
        out[o + i] = a * c - b * s;
        out[o + i + half] = b * c + a * s;
      }
    }
  }
  return out;
}
