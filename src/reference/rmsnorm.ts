// Float64 CPU reference of RMSNorm over rows of length D: y = x / sqrt(mean(x²) + eps) · w.
// Also Qwen3's per-head q_norm/k_norm: rows = tokens × heads, D = head_dim.
export function rmsnorm(x: ArrayLike<number>, w: ArrayLike<number>, rows: number, D: number, eps: number): Float64Array {
  if (x.length !== rows * D) throw new Error(`rmsnorm: x has ${x.length} values, expected ${rows}×${D}`);
  if (w.length !== D) throw new Error(`rmsnorm: weight has ${w.length} values, expected ${D}`);
  const y = new Float64Array(rows * D);
  for (let r = 0; r < rows; r++) {
    const o = r * D;
    let ss = 0;
    for (let i = 0; i < D; i++) ss += x[o + i]! * x[o + i]!;
    const inv = 1 / Math.sqrt(ss / D + eps);
    for (let i = 0; i < D; i++) y[o + i] = x[o + i]! * inv * w[i]!;
  }
  return y;
}
