// Float64 CPU reference of the SwiGLU gate: h = silu(gate) ⊙ up, silu(g) = g / (1 + e^(−g)).
export function swiglu(gate: ArrayLike<number>, up: ArrayLike<number>): Float64Array {
  if (gate.length !== up.length) throw new Error(`swiglu: gate has ${gate.length} values, up has ${up.length}`);
  const h = new Float64Array(gate.length);
  for (let i = 0; i < gate.length; i++) {
    const g = gate[i]!;
    h[i] = (g / (1 + Math.exp(-g))) * up[i]!;
  }
  return h;
}
