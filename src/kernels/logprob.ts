// Dispatch wrapper for shaders/logprob.wgsl: per-row log-prob of the target and entropy, and
// (writeGrad) the row's d loss / d logits written over the logits.
import type { KernelRunner } from '../gpu/runner.ts';
import { checkDims, grid2d } from './dispatch.ts';

export interface LogprobArgs {
  logits: GPUBuffer; // rows × V (overwritten by the gradient when writeGrad)
  targets: GPUBuffer; // rows u32
  coef: GPUBuffer; // rows × (gl, ge) f32
  out: GPUBuffer; // rows × (logprob, entropy) f32
  rows: number;
  V: number;
  writeGrad: boolean;
}

export async function logprob(runner: KernelRunner, a: LogprobArgs, encoder?: GPUCommandEncoder): Promise<void> {
  checkDims('logprob', { rows: a.rows, V: a.V });
  const pipeline = await runner.pipeline('logprob');
  const params = runner.sharedUniform('logprob.params', [['u32', a.rows], ['u32', a.V], ['u32', a.writeGrad ? 1 : 0], ['u32', 0]]);
  runner.dispatch(pipeline, [params, a.logits, a.targets, a.coef, a.out], grid2d(runner, a.rows, 'logprob'), encoder);
}
