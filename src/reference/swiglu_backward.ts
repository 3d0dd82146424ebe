// Float64 SwiGLU h = silu(gate) ⊙ up and its backward.
// silu'(g) = σ(g)·(1 + g·(1 − σ(g))).

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

export function swigluForward(gate: ArrayLike<number>, up: ArrayLike<number>): Float64Array {
  const h = new Float64Array(gate.length);
  for (let i = 0; i < gate.length; i++) h[i] = gate[i]! * sigmoid(gate[i]!) * up[i]!;
  return h;
}

export function swigluBackward(gate: ArrayLike<number>, up: ArrayLike<number>, dh: ArrayLike<number>): { dGate: Float64Array; dUp: Float64Array } {
  const n = gate.length;
  const dGate = new Float64Array(n);
  const dUp = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const g = gate[i]!;
    const s = sigmoid(g);
    dUp[i] = dh[i]! * g * s;
    dGate[i] = dh[i]! * up[i]! * s * (1 + g * (1 - s));
  }
  return { dGate, dUp };
}
