// Dispatch wrapper for shaders/swiglu.wgsl: out[t, i] = silu(gu[t, i]) · gu[t, I + i].
import type { KernelRunner } from '../gpu/runner.ts';
import { checkDims, prepare, run, type Dispatch } from './dispatch.ts';
import { elementGrid } from './elementwise-grid.ts';

export async function prepareSwiglu(runner: KernelRunner, gu: GPUBuffer, out: GPUBuffer, T: number, I: number): Promise<Dispatch> {
  checkDims('swiglu', { T, I });
  if (gu.size < T * 2 * I * 4) throw new Error(`swiglu: gate|up buffer must hold ${T}×${2 * I} floats`);
  if (out.size < T * I * 4) throw new Error(`swiglu: output must hold ${T}×${I} floats`);
  const pipeline = await runner.pipeline('swiglu');
  const params = runner.uniform('swiglu', [['u32', T], ['u32', I]]);
  return prepare(runner, 'swiglu', pipeline, [params, gu, out], elementGrid(runner, T * I, 'swiglu'));
}

export async function swiglu(runner: KernelRunner, gu: GPUBuffer, out: GPUBuffer, T: number, I: number, encoder?: GPUCommandEncoder): Promise<void> {
  run(runner, [await prepareSwiglu(runner, gu, out, T, I)], encoder);
}
