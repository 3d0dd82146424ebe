// Float64 CPU reference of a 1-D convolution on time-major activations: x is T × Cin (x[t, ci] at
// t·Cin + ci), W is PyTorch's Cout × Cin × K, y is Tout × Cout. Direct loops (no im2col), so the GPU
// path, which goes through im2col + GEMM, is checked against an independent formulation.
export interface Conv1dShape {
  T: number;
  Cin: number;
  Cout: number;
  K: number;
  stride: number;
  pad: number;
}

/** Tout = ⌊(T + 2·pad − K) / stride⌋ + 1 (PyTorch's Conv1d with dilation 1). */
export function conv1dOutLength(T: number, K: number, stride: number, pad: number): number {
  return Math.floor((T + 2 * pad - K) / stride) + 1;
}

export function checkConv1dShape(what: string, s: Conv1dShape): number {
  for (const key of ['T', 'Cin', 'Cout', 'K', 'stride'] as const) {
    if (!Number.isInteger(s[key]) || s[key] < 1) throw new Error(`${what}: ${key} must be a positive integer, got ${s[key]}`);
  }
  if (!Number.isInteger(s.pad) || s.pad < 0) throw new Error(`${what}: pad must be a non-negative integer, got ${s.pad}`);
  const Tout = conv1dOutLength(s.T, s.K, s.stride, s.pad);
  if (Tout < 1) throw new Error(`${what}: T=${s.T} with pad ${s.pad} is shorter than the kernel (K=${s.K})`);
  return Tout;
}

type Vec = ArrayLike<number>;

function checkLengths(what: string, arrays: [string, Vec | undefined, number][]): void {
  for (const [name, a, n] of arrays) if (a && a.length !== n) throw new Error(`${what}: ${name} has ${a.length} values, expected ${n}`);
}

/** y[to, co] = b[co] + Σ_{ci,k} W[co, ci, k] · x[to·stride + k − pad, ci] (x = 0 outside 0..T−1). */
export function conv1dForward(s: Conv1dShape, x: Vec, w: Vec, b?: Vec): { y: Float64Array; Tout: number } {
  const Tout = checkConv1dShape('conv1d', s);
  const { T, Cin, Cout, K, stride, pad } = s;
  checkLengths('conv1d', [['x', x, T * Cin], ['w', w, Cout * Cin * K], ['b', b, Cout]]);
  const y = new Float64Array(Tout * Cout);
  for (let to = 0; to < Tout; to++) {
    for (let co = 0; co < Cout; co++) {
      let acc = b ? b[co]! : 0;
      for (let ci = 0; ci < Cin; ci++) {
        for (let k = 0; k < K; k++) {
          const t = to * stride + k - pad;
          if (t >= 0 && t < T) acc += w[(co * Cin + ci) * K + k]! * x[t * Cin + ci]!;
        }
      }
      y[to * Cout + co] = acc;
    }
  }
  return { y, Tout };
}

/** Gradients of Σ dy ⊙ conv1d(x, W, b) with respect to x (T × Cin), W (Cout × Cin × K) and b (Cout). */
export function conv1dBackward(s: Conv1dShape, x: Vec, w: Vec, dy: Vec): { dx: Float64Array; dw: Float64Array; db: Float64Array } {
  const Tout = checkConv1dShape('conv1d_backward', s);
  const { T, Cin, Cout, K, stride, pad } = s;
  checkLengths('conv1d_backward', [['x', x, T * Cin], ['w', w, Cout * Cin * K], ['dy', dy, Tout * Cout]]);
  const dx = new Float64Array(T * Cin);
  const dw = new Float64Array(Cout * Cin * K);
  const db = new Float64Array(Cout);
  for (let to = 0; to < Tout; to++) {
    for (let co = 0; co < Cout; co++) {
      const g = dy[to * Cout + co]!;
      db[co] += g;
      for (let ci = 0; ci < Cin; ci++) {
        for (let k = 0; k < K; k++) {
          const t = to * stride + k - pad;
          if (t < 0 || t >= T) continue;
          const wi = (co * Cin + ci) * K + k;
          dw[wi] += g * x[t * Cin + ci]!;
          dx[t * Cin + ci] += g * w[wi]!;
        }
      }
    }
  }
  return { dx, dw, db };
}
