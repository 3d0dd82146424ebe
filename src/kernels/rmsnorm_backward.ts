// Dispatch wrappers for shaders/rmsnorm_backward.wgsl: dx (+)= RMSNorm backward per row (entry main),
// and the norm weight's gradient (entry dw_main, full-weight mode).
import type { KernelRunner } from '../gpu/runner.ts';
import { checkDims, dummyBuffer, grid2d } from './dispatch.ts';
import { bindAt, encodePass, submitOrRecord } from './bind-at.ts';

/** Where rows live: row r is group r % groups of line r / groups, at off + line·ld + group·D. */
export interface RowLayout {
  ld?: number;
  off?: number;
}

export interface RmsnormBackwardArgs {
  x: GPUBuffer; // the forward's input
  w: GPUBuffer; // D
  dy: GPUBuffer;
  dx: GPUBuffer; // must not alias dy
  rows: number;
  D: number;
  eps: number;
  accumulate?: boolean;
  /** rows per line (default 1: plain rows × D) */
  groups?: number;
  xLayout?: RowLayout;
  dyLayout?: RowLayout;
  dxLayout?: RowLayout;
  /** when given, 1/rms of every row is stored here (rows floats) for rmsnormWeightGrad */
  inv?: GPUBuffer;
  /** first element of the weight vector in `w` */
  wOffset?: number;
}

function params(runner: KernelRunner, a: RmsnormBackwardArgs, dwOff: number): GPUBuffer {
  const groups = a.groups ?? 1;
  const line = a.D * groups;
  return runner.sharedUniform('rmsnorm_backward', [
    ['u32', a.rows], ['u32', a.D], ['u32', (a.accumulate ? 1 : 0) | (a.inv ? 2 : 0)], ['f32', a.eps],
    ['u32', groups], ['u32', a.xLayout?.ld ?? line], ['u32', a.xLayout?.off ?? 0], ['u32', a.dyLayout?.ld ?? line],
    ['u32', a.dyLayout?.off ?? 0], ['u32', a.dxLayout?.ld ?? line], ['u32', a.dxLayout?.off ?? 0], ['u32', dwOff],
    ['u32', a.wOffset ?? 0], ['u32', 0], ['u32', 0], ['u32', 0],
  ]);
}

function check(a: RmsnormBackwardArgs): void {
  checkDims('rmsnorm_backward', { rows: a.rows, D: a.D, groups: a.groups ?? 1 });
  if (a.rows % (a.groups ?? 1) !== 0) throw new Error(`rmsnorm_backward: ${a.rows} rows is not a multiple of ${a.groups} groups`);
}

export async function rmsnormBackward(runner: KernelRunner, a: RmsnormBackwardArgs, encoder?: GPUCommandEncoder): Promise<void> {
  check(a);
  const pipeline = await runner.pipeline('rmsnorm_backward', { entryPoint: 'main' });
  const inv = a.inv ?? (await dummyBuffer(runner));
  const group = bindAt(runner, pipeline, [[0, params(runner, a, 0)], [1, a.x], [2, a.w], [3, a.dy], [4, a.dx], [5, inv]]);
  submitOrRecord(runner, (enc) => encodePass(enc, pipeline, group, grid2d(runner, a.rows, 'rmsnorm_backward')), encoder);
}

/** dw[dwOffset + i] += Σ_rows dy·x·inv — run after rmsnormBackward with `inv` on the same rows. */
export async function rmsnormWeightGrad(runner: KernelRunner, a: RmsnormBackwardArgs & { inv: GPUBuffer; dw: GPUBuffer; dwOffset?: number }, encoder?: GPUCommandEncoder): Promise<void> {
  check(a);
  const pipeline = await runner.pipeline('rmsnorm_backward', { entryPoint: 'dw_main' });
  const group = bindAt(runner, pipeline, [[0, params(runner, a, a.dwOffset ?? 0)], [1, a.x], [3, a.dy], [5, a.inv], [6, a.dw]]);
  submitOrRecord(runner, (enc) => encodePass(enc, pipeline, group, [Math.ceil(a.D / 64), 1, 1]), encoder);
}
