// Float64 CPU reference: C[m,n] = Σ_k A[m,k] · B[n,k] (+ bias[n]); A is M×K, B is N×K, row-major.
export function matmulABt(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  M: number,
  N: number,
  K: number,
  bias?: ArrayLike<number>,
): Float64Array {
  const c = new Float64Array(M * N);
  for (let m = 0; m < M; m++) {
    for (let n = 0; n < N; n++) {
      let s = bias ? bias[n]! : 0;
      for (let k = 0; k < K; k++) s += a[m * K + k]! * b[n * K + k]!;
      c[m * N + n] = s;
    }
  }
  return c;
}
