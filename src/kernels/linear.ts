// Dispatch wrapper for shaders/linear.wgsl: C[:, off .. off+N) (+)= A · Wᵀ (+ bias) with f16-packed or
// f32 weights, one dispatch per weight chunk. Entry points: `gemv` (M ≤ 8, decode: weights read once
// for all rows), `tiled` (64×64 blocks, prefill), `gemv_serial` (no barriers: CPU-emulated adapters).
import type { KernelRunner } from '../gpu/runner.ts';
import { checkDims, dummyBuffer, grid2d, prepare, run, type Dispatch } from './dispatch.ts';
import type { GpuMatrix } from './gpu-matrix.ts';

export const GEMV_MAX_ROWS = 8;
const GEMV_ROWS_PER_GROUP = 4;
const TILE = 64;

export type LinearMode = 'tiled' | 'gemv' | 'gemv_serial';

export interface LinearArgs {
  a: GPUBuffer; // M × K (K = w.cols)
  w: GpuMatrix; // N × K
  c: GPUBuffer; // M × ldc
  M: number;
  bias?: GPUBuffer; // w.rows floats, indexed by output column
  /** Row stride of C in floats (default w.rows). */
  ldc?: number;
  /** First column of C written (default 0). */
  colOffset?: number;
  /** C += A·Wᵀ instead of C = A·Wᵀ (fuses the residual add). */
  accumulate?: boolean;
  mode?: 'auto' | LinearMode;
  /** Fused RMSNorm of A's rows (K weights) before the product; gemv modes only. */
  norm?: { weights: GPUBuffer; eps: number };
  /** A holds fused gate|up rows (M × 2K): the product uses silu(gate) ⊙ up (SwiGLU fused in). */
  swigluInput?: boolean;
}

/** A CPU-emulated adapter (SwiftShader): workgroup barriers cost milliseconds there. */
export function isSoftwareAdapter(runner: KernelRunner): boolean {
  const r = runner.ctx.report;
  return r.isFallbackAdapter || /swiftshader/i.test(`${r.description} ${r.architecture}`);
}

/** gemv for decode-sized M, tiles above; the barrier-free serial variant on software adapters. */
export function linearMode(runner: KernelRunner, M: number): LinearMode {
  if (isSoftwareAdapter(runner)) return 'gemv_serial';
  return M > GEMV_MAX_ROWS ? 'tiled' : 'gemv';
}

export async function prepareLinear(runner: KernelRunner, args: LinearArgs): Promise<Dispatch[]> {
  const { w, M } = args;
  const K = w.cols;
  const ldc = args.ldc ?? w.rows;
  const off = args.colOffset ?? 0;
  checkDims(`linear ${w.label}`, { M, K, N: w.rows, ldc });
  if (off + w.rows > ldc) throw new Error(`linear ${w.label}: columns ${off}..${off + w.rows} pass the row stride ${ldc}`);
  const aCols = args.swigluInput ? 2 * K : K;
  if (args.a.size < M * aCols * 4) throw new Error(`linear ${w.label}: input holds ${args.a.size} bytes, needs ${M}×${aCols} floats`);
  if (args.norm && args.swigluInput) throw new Error(`linear ${w.label}: a fused norm and a SwiGLU input cannot be combined`);
  if (args.norm && args.norm.weights.size < K * 4) throw new Error(`linear ${w.label}: norm weights must hold ${K} floats`);
  if (args.norm && !(args.norm.eps > 0)) throw new Error(`linear ${w.label}: norm eps must be positive`);
  if (args.c.size < M * ldc * 4) throw new Error(`linear ${w.label}: output holds ${args.c.size} bytes, needs ${M}×${ldc} floats`);
  const mode = !args.mode || args.mode === 'auto' ? linearMode(runner, M) : args.mode;
  if (mode === 'gemv' && M > GEMV_MAX_ROWS) throw new Error(`linear: gemv handles at most ${GEMV_MAX_ROWS} rows, got ${M}`);
  if (mode === 'tiled' && args.norm) throw new Error(`linear ${w.label}: the tiled kernel has no fused norm (use rmsnorm first)`);
  const aux = args.norm?.weights ?? (await dummyBuffer(runner));
  const aMode = args.norm ? 1 : args.swigluInput ? 2 : 0;
  const pipeline = await runner.pipeline('linear', { entryPoint: mode, constants: { WEIGHT_F16: w.dtype === 'f16' ? 1 : 0, A_MODE: aMode } });
  const bias = args.bias ?? (await dummyBuffer(runner));
  const flags = (args.bias ? 1 : 0) | (args.accumulate ? 2 : 0);
  const max = runner.device.limits.maxComputeWorkgroupsPerDimension;
  const out: Dispatch[] = [];
  w.chunks.forEach((chunk, i) => {
    // gemv_serial takes at most 8 rows per dispatch: a larger M becomes several dispatches.
    const rowGroups = mode === 'gemv_serial' ? Math.ceil(M / GEMV_MAX_ROWS) : 1;
    for (let g = 0; g < rowGroups; g++) {
      const m0 = g * GEMV_MAX_ROWS;
      const rows = mode === 'gemv_serial' ? Math.min(GEMV_MAX_ROWS, M - m0) : M;
      const params = runner.uniform(`linear.${w.label}.${i}`, [
        ['u32', rows], ['u32', chunk.rows], ['u32', K], ['u32', flags],
        ['u32', ldc], ['u32', off + chunk.row0], ['u32', w.rowWords], ['u32', m0],
        ['f32', args.norm?.eps ?? 0],
      ]);
      let groups: [number, number, number];
      if (mode === 'gemv') groups = grid2d(runner, Math.ceil(chunk.rows / GEMV_ROWS_PER_GROUP), `linear ${w.label}`);
      else if (mode === 'gemv_serial') groups = grid2d(runner, Math.ceil(chunk.rows / 64), `linear ${w.label}`);
      else {
        groups = [Math.ceil(chunk.rows / TILE), Math.ceil(M / TILE), 1];
        if (groups[0] > max || groups[1] > max) throw new Error(`linear ${w.label}: ${M}×${chunk.rows} needs too many workgroups (limit ${max})`);
      }
      out.push(prepare(runner, `linear ${w.label}`, pipeline, [params, args.a, chunk.buffer, bias, args.c, aux], groups));
    }
  });
  return out;
}

export async function linear(runner: KernelRunner, args: LinearArgs, encoder?: GPUCommandEncoder): Promise<void> {
  run(runner, await prepareLinear(runner, args), encoder);
}
