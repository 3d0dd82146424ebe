// Dispatch wrapper for shaders/rmsnorm.wgsl: y = x / sqrt(mean(x²) + eps) · w, per row of `width`.
import type { KernelRunner } from '../gpu/runner.ts';
import { checkDims, grid2d, prepare, run, type Dispatch } from './dispatch.ts';

export interface RmsnormArgs {
  x: GPUBuffer;
  w: GPUBuffer; // width floats
  y: GPUBuffer; // must not be x (read and write bindings cannot alias)
  rows: number;
  width: number;
  eps: number;
  /** Norm rows per buffer row (heads per token for q_norm/k_norm; default 1). */
  groups?: number;
  inStride?: number;
  inOffset?: number;
  outStride?: number;
  outOffset?: number;
}

export async function prepareRmsnorm(runner: KernelRunner, a: RmsnormArgs): Promise<Dispatch> {
  const groups = a.groups ?? 1;
  checkDims('rmsnorm', { rows: a.rows, width: a.width, groups });
  if (a.rows % groups !== 0) throw new Error(`rmsnorm: ${a.rows} rows is not a multiple of ${groups} groups`);
  if (!(a.eps > 0)) throw new Error(`rmsnorm: eps must be positive, got ${a.eps}`);
  const inStride = a.inStride ?? a.width * groups;
  const outStride = a.outStride ?? a.width * groups;
  const inOff = a.inOffset ?? 0;
  const outOff = a.outOffset ?? 0;
  const lines = a.rows / groups;
  if (a.x.size < ((lines - 1) * inStride + inOff + groups * a.width) * 4) throw new Error(`rmsnorm: input buffer too small for ${a.rows}×${a.width}`);
  if (a.y.size < ((lines - 1) * outStride + outOff + groups * a.width) * 4) throw new Error(`rmsnorm: output buffer too small for ${a.rows}×${a.width}`);
  if (a.w.size < a.width * 4) throw new Error(`rmsnorm: weight holds ${a.w.size} bytes, needs ${a.width} floats`);
  const pipeline = await runner.pipeline('rmsnorm');
  const params = runner.uniform('rmsnorm', [
    ['u32', a.rows], ['u32', a.width], ['u32', groups], ['f32', a.eps],
    ['u32', inStride], ['u32', inOff], ['u32', outStride], ['u32', outOff],
  ]);
  return prepare(runner, 'rmsnorm', pipeline, [params, a.x, a.w, a.y], grid2d(runner, a.rows, 'rmsnorm'));
}

export async function rmsnorm(runner: KernelRunner, args: RmsnormArgs, encoder?: GPUCommandEncoder): Promise<void> {
  run(runner, [await prepareRmsnorm(runner, args)], encoder);
}
