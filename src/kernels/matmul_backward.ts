// Dispatch wrapper for shaders/matmul_backward.wgsl: C = alpha·op(A)·op(B) + beta·C with strided
// operands (f32 A and C; B f32 or f16-packed). Helpers name the products the trainer uses.
import type { KernelRunner } from '../gpu/runner.ts';
import { checkDims } from './dispatch.ts';

const TILE = 64;

export interface StridedOperand {
  buffer: GPUBuffer;
  offset?: number;
  /** element stride between consecutive rows of the operand as it enters the product (m for A, k for B) */
  rowStride: number;
  /** element stride between consecutive columns (k for A, n for B) */
  colStride: number;
}

export interface GemmArgs {
  M: number;
  N: number;
  K: number;
  a: StridedOperand;
  b: StridedOperand & { f16?: boolean };
  c: { buffer: GPUBuffer; offset?: number; ld: number };
  alpha?: number;
  /** 0: overwrite C; 1: accumulate into it. */
  beta?: number;
}

export async function gemm(runner: KernelRunner, g: GemmArgs, encoder?: GPUCommandEncoder): Promise<void> {
  checkDims('gemm', { M: g.M, N: g.N, K: g.K });
  const max = runner.device.limits.maxComputeWorkgroupsPerDimension;
  const gx = Math.ceil(g.N / TILE);
  const gy = Math.ceil(g.M / TILE);
  if (gx > max || gy > max) throw new Error(`gemm: ${g.M}×${g.N} needs ${gy}×${gx} workgroups, over the device limit ${max}`);
  const pipeline = await runner.pipeline('matmul_backward');
  const params = runner.sharedUniform('gemm.params', [
    ['u32', g.M], ['u32', g.N], ['u32', g.K], ['u32', g.a.offset ?? 0],
    ['u32', g.a.rowStride], ['u32', g.a.colStride], ['u32', g.b.offset ?? 0], ['u32', g.b.rowStride],
    ['u32', g.b.colStride], ['u32', g.c.offset ?? 0], ['u32', g.c.ld], ['u32', g.b.f16 ? 1 : 0],
    ['f32', g.alpha ?? 1], ['f32', g.beta ?? 0],
  ]);
  runner.dispatch(pipeline, [params, g.a.buffer, g.b.buffer, g.c.buffer], [gx, gy], encoder);
}

/** C (T×N) (+)= alpha·X (T×K) · Wᵀ where W is N×K row-major (rowWords·2 halves per row when f16). */
export function xWt(runner: KernelRunner, x: GPUBuffer, w: GPUBuffer, c: GPUBuffer, T: number, N: number, K: number, o: { alpha?: number; beta?: number; wRowStride?: number; f16?: boolean; wOffset?: number } = {}, enc?: GPUCommandEncoder) {
  return gemm(runner, { M: T, N, K, a: { buffer: x, rowStride: K, colStride: 1 }, b: { buffer: w, offset: o.wOffset, rowStride: 1, colStride: o.wRowStride ?? K, f16: o.f16 }, c: { buffer: c, ld: N }, alpha: o.alpha, beta: o.beta }, enc);
}

/** dX (T×K) (+)= alpha·dY (T×N) · W where W is N×K row-major. */
export function dyW(runner: KernelRunner, dy: GPUBuffer, w: GPUBuffer, dx: GPUBuffer, T: number, N: number, K: number, o: { alpha?: number; beta?: number; wRowStride?: number; f16?: boolean; wOffset?: number; dyLd?: number; dyOffset?: number } = {}, enc?: GPUCommandEncoder) {
  return gemm(runner, { M: T, N: K, K: N, a: { buffer: dy, offset: o.dyOffset, rowStride: o.dyLd ?? N, colStride: 1 }, b: { buffer: w, offset: o.wOffset, rowStride: o.wRowStride ?? K, colStride: 1, f16: o.f16 }, c: { buffer: dx, ld: K }, alpha: o.alpha, beta: o.beta }, enc);
}

/** dW (N×K) (+)= alpha·dYᵀ (N×T) · X (T×K). */
export function dyTx(runner: KernelRunner, dy: GPUBuffer, x: GPUBuffer, dw: GPUBuffer, T: number, N: number, K: number, o: { alpha?: number; beta?: number; dyLd?: number; dyOffset?: number } = {}, enc?: GPUCommandEncoder) {
  return gemm(runner, { M: N, N: K, K: T, a: { buffer: dy, offset: o.dyOffset, rowStride: 1, colStride: o.dyLd ?? N }, b: { buffer: x, rowStride: K, colStride: 1 }, c: { buffer: dw, ld: K }, alpha: o.alpha, beta: o.beta }, enc);
}
