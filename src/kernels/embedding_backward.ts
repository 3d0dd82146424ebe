// Dispatch wrapper for shaders/embedding_backward.wgsl: grad[off + tokens[t]·D + d] += dx[t, d].
import type { KernelRunner } from '../gpu/runner.ts';
import { checkDims } from './dispatch.ts';

export async function embeddingBackward(runner: KernelRunner, tokens: GPUBuffer, dx: GPUBuffer, grad: GPUBuffer, T: number, D: number, offset = 0, encoder?: GPUCommandEncoder): Promise<void> {
  checkDims('embedding_backward', { T, D });
  const pipeline = await runner.pipeline('embedding_backward');
  const params = runner.sharedUniform('embedding_backward', [['u32', T], ['u32', D], ['u32', offset], ['u32', 0]]);
  runner.dispatch(pipeline, [params, tokens, dx, grad], [Math.ceil(D / 64)], encoder);
}
