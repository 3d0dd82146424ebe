// Float64 CPU reference of GELU in its tanh form (gelu_pytorch_tanh), forward and backward.
import { geluTanh } from '../speech/encoder-reference.ts';

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const A = 0.044715;

export function gelu(x: ArrayLike<number>): Float64Array {
  return Float64Array.from(x, geluTanh);
}

/** gelu'(v) of the tanh form. */
export function geluTanhGrad(v: number): number {
  const th = Math.tanh(SQRT_2_OVER_PI * (v + A * v * v * v));
  return 0.5 * (1 + th) + 0.5 * v * (1 - th * th) * SQRT_2_OVER_PI * (1 + 3 * A * v * v);
}

/** dx = dy · gelu'(x), x the forward input. */
export function geluBackward(x: ArrayLike<number>, dy: ArrayLike<number>): Float64Array {
  if (x.length !== dy.length) throw new Error(`gelu_backward: x has ${x.length} values, dy has ${dy.length}`);
  const dx = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) dx[i] = dy[i]! * geluTanhGrad(x[i]!);
  return dx;
}
