// Dispatch wrapper for shaders/swiglu_backward.wgsl: dgu (T × 2I) from gu (T × 2I) and dh (T × I).
import type { KernelRunner } from '../gpu/runner.ts';
import { checkDims } from './dispatch.ts';
import { elementGrid } from './elementwise-grid.ts';

export async function swigluBackward(runner: KernelRunner, gu: GPUBuffer, dh: GPUBuffer, dgu: GPUBuffer, T: number, I: number, encoder?: GPUCommandEncoder): Promise<void> {
  checkDims('swiglu_backward', { T, I });
  const pipeline = await runner.pipeline('swiglu_backward');
  const params = runner.sharedUniform('swiglu_backward', [['u32', T], ['u32', I]]);
  runner.dispatch(pipeline, [params, gu, dh, dgu], elementGrid(runner, T * I, 'swiglu_backward'), encoder);
}
