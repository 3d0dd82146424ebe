// Float64 RoPE (HF "rotate_half" layout, as in Qwen2/Qwen3) and its backward, on src/reference/rope.ts.
// The rotation is orthogonal, so the backward is the same rotation by −angle.
import { applyRope, rotateRope } from './rope.ts';

export const ropeForward = applyRope;

export function ropeBackward(dy: ArrayLike<number>, positions: ArrayLike<number>, heads: number, hd: number, theta: number): Float64Array {
  return rotateRope(dy, positions, heads, hd, theta, -1);
}
