// Float64 RoPE (HF "rotate_half" layout, as in Qwen2/Qwen3) and its backward.
// x is T × heads × headDim; pair (i, i + headDim/2) at position p rotates by p·theta^(−2i/headDim).
// The rotation is orthogonal, so the backward is the same rotation by −angle.

function rotate(x: ArrayLike<number>, positions: ArrayLike<number>, heads: number, hd: number, theta: number, sign: number): Float64Array {
  const T = positions.length;
  if (x.length !== T * heads * hd) throw new Error(`rope: expected ${T}×${heads}×${hd} values, got ${x.length}`);
  const half = hd / 2;
  const out = new Float64Array(x.length);
  for (let t = 0; t < T; t++) {
    const p = positions[t]!;
    for (let i = 0; i < half; i++) {
      const ang = p * Math.pow(theta, (-2 * i) / hd);
      const c = Math.cos(ang);
      const s = sign * Math.sin(ang);
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

export function ropeForward(x: ArrayLike<number>, positions: ArrayLike<number>, heads: number, hd: number, theta: number): Float64Array {
  return rotate(x, positions, heads, hd, theta, 1);
}

export function ropeBackward(dy: ArrayLike<number>, positions: ArrayLike<number>, heads: number, hd: number, theta: number): Float64Array {
  return rotate(dy, positions, heads, hd, theta, -1);
}
