// Dispatch wrapper for shaders/residual.wgsl: x += y in place (n floats).
import type { KernelRunner } from '../gpu/runner.ts';
import { checkDims, prepare, run, type Dispatch } from './dispatch.ts';
import { elementGrid } from './elementwise-grid.ts';

export async function prepareResidualAdd(runner: KernelRunner, x: GPUBuffer, y: GPUBuffer, n: number): Promise<Dispatch> {
  checkDims('residual', { n });
  if (x.size < n * 4 || y.size < n * 4) throw new Error(`residual: buffers must hold ${n} floats`);
  const pipeline = await runner.pipeline('residual');
  const params = runner.uniform('residual', [['u32', n]]);
  return prepare(runner, 'residual', pipeline, [params, x, y], elementGrid(runner, n, 'residual'));
}

export async function residualAdd(runner: KernelRunner, x: GPUBuffer, y: GPUBuffer, n: number, encoder?: GPUCommandEncoder): Promise<void> {
  run(runner, [await prepareResidualAdd(runner, x, y, n)], encoder);
}
