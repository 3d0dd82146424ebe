// Dispatch wrapper for shaders/gelu.wgsl (tanh form): y = gelu(x) and dx = dy · gelu'(x).
import type { KernelRunner } from '../gpu/runner.ts';
import { checkDims, prepare, type Dispatch } from './dispatch.ts';
import { elementGrid } from './elementwise-grid.ts';

function checkSizes(what: string, n: number, buffers: GPUBuffer[]): void {
  checkDims(what, { n });
  for (const b of buffers) if (b.size < n * 4) throw new Error(`${what}: buffer ${b.label || '?'} holds ${b.size / 4} floats, needs ${n}`);
}

export async function prepareGelu(runner: KernelRunner, x: GPUBuffer, y: GPUBuffer, n: number): Promise<Dispatch> {
  checkSizes('gelu', n, [x, y]);
  const pipeline = await runner.pipeline('gelu', { entryPoint: 'forward' });
  const params = runner.uniform('gelu', [['u32', n]]);
  return prepare(runner, 'gelu', pipeline, [params, x, y], elementGrid(runner, n, 'gelu'));
}

/** dx = dy · gelu'(x), where x is the forward input (not its output). dx is overwritten. */
export async function prepareGeluBackward(runner: KernelRunner, x: GPUBuffer, dy: GPUBuffer, dx: GPUBuffer, n: number): Promise<Dispatch> {
  checkSizes('gelu_backward', n, [x, dy, dx]);
  const pipeline = await runner.pipeline('gelu', { entryPoint: 'backward' });
  const params = runner.uniform('gelu_backward', [['u32', n]]);
  return prepare(runner, 'gelu_backward', pipeline, [params, x, dx, dy], elementGrid(runner, n, 'gelu_backward'));
}

/** y = gelu(x) over n floats (y may not alias x). */
export async function gelu(runner: KernelRunner, x: GPUBuffer, y: GPUBuffer, n: number, encoder?: GPUCommandEncoder): Promise<void> {
  checkSizes('gelu', n, [x, y]);
  const pipeline = await runner.pipeline('gelu', { entryPoint: 'forward' });
  const params = runner.sharedUniform('gelu', [['u32', n]]);
  runner.dispatch(pipeline, [params, x, y], elementGrid(runner, n, 'gelu'), encoder);
}

/** dx = dy · gelu'(x) over n floats; x is the forward input. dx is overwritten. */
export async function geluBackward(runner: KernelRunner, x: GPUBuffer, dy: GPUBuffer, dx: GPUBuffer, n: number, encoder?: GPUCommandEncoder): Promise<void> {
  checkSizes('gelu_backward', n, [x, dy, dx]);
  const pipeline = await runner.pipeline('gelu', { entryPoint: 'backward' });
  const params = runner.sharedUniform('gelu_backward', [['u32', n]]);
  runner.dispatch(pipeline, [params, x, dx, dy], elementGrid(runner, n, 'gelu_backward'), encoder);
}
