// Float64 RMSNorm forward and backward over rows of length D: y = x · w / sqrt(mean(x²) + eps).
// The forward here is the one the trainer differentiates (kept next to its backward so the
// finite-difference test checks exactly the pair that is used).
import { rmsnorm } from './rmsnorm.ts';

export function rmsnormForward(x: ArrayLike<number>, w: ArrayLike<number>, rows: number, D: number, eps: number): Float64Array {
  return rmsnorm(x, w, rows, D, eps); // the inference reference: training differentiates the same forward
}

/**
 * dx_i = inv·h_i − x_i·inv³·(Σ_j h_j x_j)/D with h = w ⊙ dy;  dw = Σ_rows dy ⊙ x·inv.
 * `dw` is accumulated into when given (several call sites share one norm weight).
 */
export function rmsnormBackward(
  x: ArrayLike<number>,
  w: ArrayLike<number>,
  dy: ArrayLike<number>,
  rows: number,
  D: number,
  eps: number,
  dw?: Float64Array,
): { dx: Float64Array; dw: Float64Array } {
  const dx = new Float64Array(rows * D);
  const gw = dw ?? new Float64Array(D);
  for (let r = 0; r < rows; r++) {
    const o = r * D;
    let ss = 0;
    for (let i = 0; i < D; i++) ss += x[o + i]! * x[o + i]!;
    const inv = 1 / Math.sqrt(ss / D + eps);
    let dot = 0;
    for (let i = 0; i < D; i++) dot += w[i]! * dy[o + i]! * x[o + i]!;
    const c = (inv * inv * inv * dot) / D;
    for (let i = 0; i < D; i++) {
      dx[o + i] = inv * w[i]! * dy[o + i]! - x[o + i]! * c;
      gw[i] += dy[o + i]! * x[o + i]! * inv;
    }
  }
  return { dx, dw: gw };
}
