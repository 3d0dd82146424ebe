// The trainer's matrix products, expressed with the strided gemm of shaders/matmul_backward.wgsl.
// Row-major activations are addressed as (buffer, leading dimension, column offset).
import type { KernelRunner } from '../../gpu/runner.ts';
import type { GpuMatrix } from '../../kernels/gpu-matrix.ts';
import { gemm } from '../../kernels/matmul_backward.ts';
import type { GpuLora, LoraSlot } from './weights.ts';

export interface View {
  buffer: GPUBuffer;
  ld: number;
  off?: number;
}

/** dx (T × W.cols) (+)= dy[:, off .. off + W.rows) · W, one product per row chunk of W. */
export async function backInput(runner: KernelRunner, enc: GPUCommandEncoder, dy: View, W: GpuMatrix, dx: View, T: number, accumulate: boolean): Promise<void> {
  const f16 = W.dtype === 'f16';
  for (let i = 0; i < W.chunks.length; i++) {
    const ch = W.chunks[i]!;
    await gemm(runner, {
      M: T, N: W.cols, K: ch.rows,
      a: { buffer: dy.buffer, offset: (dy.off ?? 0) + ch.row0, rowStride: dy.ld, colStride: 1 },
      b: { buffer: ch.buffer, rowStride: W.rowWords * (f16 ? 2 : 1), colStride: 1, f16 },
      c: { buffer: dx.buffer, offset: dx.off ?? 0, ld: dx.ld },
      beta: accumulate || i > 0 ? 1 : 0,
    }, enc);
  }
}

/** u = x·Aᵀ (T × r, into u), then y += scale·u·Bᵀ. */
export async function loraForward(runner: KernelRunner, enc: GPUCommandEncoder, lora: GpuLora, s: LoraSlot, x: View, u: View, y: View, T: number): Promise<void> {
  const r = lora.r;
  await gemm(runner, { M: T, N: r, K: s.inF, a: { buffer: x.buffer, offset: x.off, rowStride: x.ld, colStride: 1 }, b: { buffer: lora.params, offset: s.aOff, rowStride: 1, colStride: s.inF }, c: { buffer: u.buffer, offset: u.off, ld: u.ld } }, enc);
  await gemm(runner, { M: T, N: s.outF, K: r, a: { buffer: u.buffer, offset: u.off, rowStride: u.ld, colStride: 1 }, b: { buffer: lora.params, offset: s.bOff, rowStride: 1, colStride: r }, c: { buffer: y.buffer, offset: y.off, ld: y.ld }, alpha: lora.scale, beta: 1 }, enc);
}

/**
 * dB += scale·dyᵀ·u; du = scale·dy·B (into the T × r scratch); dA += duᵀ·x; dx += du·A.
 * `grads` false: only dx (a frozen adapter that gradients pass through).
 */
export async function loraBackward(runner: KernelRunner, enc: GPUCommandEncoder, lora: GpuLora, s: LoraSlot, dy: View, x: View, u: View, du: GPUBuffer, dx: View, T: number, grads = true): Promise<void> {
  const r = lora.r;
  if (grads) await gemm(runner, { M: s.outF, N: r, K: T, a: { buffer: dy.buffer, offset: dy.off, rowStride: 1, colStride: dy.ld }, b: { buffer: u.buffer, offset: u.off, rowStride: u.ld, colStride: 1 }, c: { buffer: lora.grads, offset: s.bOff, ld: r }, alpha: lora.scale, beta: 1 }, enc);
  await gemm(runner, { M: T, N: r, K: s.outF, a: { buffer: dy.buffer, offset: dy.off, rowStride: dy.ld, colStride: 1 }, b: { buffer: lora.params, offset: s.bOff, rowStride: r, colStride: 1 }, c: { buffer: du, ld: r }, alpha: lora.scale }, enc);
  if (grads) await gemm(runner, { M: r, N: s.inF, K: T, a: { buffer: du, rowStride: 1, colStride: r }, b: { buffer: x.buffer, offset: x.off, rowStride: x.ld, colStride: 1 }, c: { buffer: lora.grads, offset: s.aOff, ld: s.inF }, beta: 1 }, enc);
  await gemm(runner, { M: T, N: s.inF, K: r, a: { buffer: du, rowStride: r, colStride: 1 }, b: { buffer: lora.params, offset: s.aOff, rowStride: s.inF, colStride: 1 }, c: { buffer: dx.buffer, offset: dx.off, ld: dx.ld }, beta: 1 }, enc);
}
