// Float64 backward of a linear layer y = x·Wᵀ (+ b) and of a LoRA-adapted one
// y = x·Wᵀ (+ b) + s·(x·Aᵀ)·Bᵀ, with x: T × in, W: out × in, A: r × in, B: out × r (HF/PEFT layouts).

/** C = A·B for row-major A (M×K) and B (K×N). */
export function matmulAB(a: ArrayLike<number>, b: ArrayLike<number>, M: number, K: number, N: number): Float64Array {
  const c = new Float64Array(M * N);
  for (let m = 0; m < M; m++) {
    for (let k = 0; k < K; k++) {
      const av = a[m * K + k]!;
      if (av === 0) continue;
      for (let n = 0; n < N; n++) c[m * N + n] += av * b[k * N + n]!;
    }
  }
  return c;
}

/** C (+)= Aᵀ·B for row-major A (K×M) and B (K×N): the weight-gradient product dyᵀ·x. */
export function matmulAtB(a: ArrayLike<number>, b: ArrayLike<number>, K: number, M: number, N: number, into?: Float64Array, scale = 1): Float64Array {
  const c = into ?? new Float64Array(M * N);
  for (let k = 0; k < K; k++) {
    for (let m = 0; m < M; m++) {
      const av = a[k * M + m]! * scale;
      if (av === 0) continue;
      for (let n = 0; n < N; n++) c[m * N + n] += av * b[k * N + n]!;
    }
  }
  return c;
}

export interface LinearGrads {
  dx: Float64Array;
  dW?: Float64Array;
  dB?: Float64Array;
}

/** dx = dy·W; with `weightGrads`, dW = dyᵀ·x and db = Σ_t dy (accumulated into the given arrays). */
export function linearBackward(
  x: ArrayLike<number>,
  W: ArrayLike<number>,
  dy: ArrayLike<number>,
  T: number,
  inF: number,
  outF: number,
  weightGrads?: { dW: Float64Array; dB?: Float64Array },
): LinearGrads {
  const dx = matmulAB(dy, W, T, outF, inF);
  if (!weightGrads) return { dx };
  matmulAtB(dy, x, T, outF, inF, weightGrads.dW);
  if (weightGrads.dB) for (let t = 0; t < T; t++) for (let o = 0; o < outF; o++) weightGrads.dB[o] += dy[t * outF + o]!;
  return { dx, dW: weightGrads.dW, dB: weightGrads.dB };
}

/** The LoRA branch alone: y = s·(x·Aᵀ)·Bᵀ; also returns u = x·Aᵀ (T × r), which the backward needs. */
export function loraForward(x: ArrayLike<number>, A: ArrayLike<number>, B: ArrayLike<number>, T: number, inF: number, outF: number, r: number, s: number): { y: Float64Array; u: Float64Array } {
  const u = new Float64Array(T * r);
  for (let t = 0; t < T; t++) {
    for (let j = 0; j < r; j++) {
      let acc = 0;
      for (let i = 0; i < inF; i++) acc += x[t * inF + i]! * A[j * inF + i]!;
      u[t * r + j] = acc;
    }
  }
  const y = new Float64Array(T * outF);
  for (let t = 0; t < T; t++) {
    for (let o = 0; o < outF; o++) {
      let acc = 0;
      for (let j = 0; j < r; j++) acc += u[t * r + j]! * B[o * r + j]!;
      y[t * outF + o] = s * acc;
    }
  }
  return { y, u };
}

/**
 * Backward of the LoRA branch: dB += s·dyᵀ·u, du = s·dy·B, dA += duᵀ·x; returns the branch's dx = du·A
 * (add it to the base layer's dx).
 */
export function loraBackward(
  x: ArrayLike<number>,
  u: ArrayLike<number>,
  A: ArrayLike<number>,
  B: ArrayLike<number>,
  dy: ArrayLike<number>,
  T: number,
  inF: number,
  outF: number,
  r: number,
  s: number,
  grads: { dA: Float64Array; dB: Float64Array },
): Float64Array {
  matmulAtB(dy, u, T, outF, r, grads.dB, s);
  const du = matmulAB(dy, B, T, outF, r);
  for (let i = 0; i < du.length; i++) du[i] *= s;
  matmulAtB(du, x, T, r, inF, grads.dA);
  return matmulAB(du, A, T, r, inF);
}
