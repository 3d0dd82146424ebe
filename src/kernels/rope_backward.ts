// Dispatch wrapper for shaders/rope_backward.wgsl: un-rotates dq/dk (and, with norm weights, backprops
// Qwen3's per-head RMSNorm) into the q and k columns of the packed dqkv rows.
import type { KernelRunner } from '../gpu/runner.ts';
import { checkDims, dummyBuffer } from './dispatch.ts';

export interface RopeBackwardArgs {
  qkv: GPUBuffer; // T × (nH + 2·nKV)·hd, the forward's pre-norm input (read only with norm weights)
  meta: GPUBuffer; // T × [slot, position]
  table: GPUBuffer; // ropeTable(...) of the forward
  dq: GPUBuffer; // T × nH·hd
  dk: GPUBuffer; // T × nKV·hd
  dqkv: GPUBuffer; // T × (nH + 2·nKV)·hd (q and k columns written)
  T: number;
  nH: number;
  nKV: number;
  hd: number;
  normWeights?: GPUBuffer; // q_norm then k_norm (2·hd)
  eps?: number;
}

export async function ropeBackward(runner: KernelRunner, a: RopeBackwardArgs, encoder?: GPUCommandEncoder): Promise<void> {
  checkDims('rope_backward', { T: a.T, nH: a.nH, nKV: a.nKV, hd: a.hd });
  if (a.hd % 2 !== 0) throw new Error(`rope_backward: head dim ${a.hd} must be even`);
  const max = runner.device.limits.maxComputeWorkgroupsPerDimension;
  if (a.T > max) throw new Error(`rope_backward: ${a.T} tokens exceed the device's ${max} workgroups per dimension`);
  const pipeline = await runner.pipeline('rope_backward');
  const stride = (a.nH + 2 * a.nKV) * a.hd;
  const params = runner.sharedUniform('rope_backward', [
    ['u32', a.T], ['u32', a.nH], ['u32', a.nKV], ['u32', a.hd], ['u32', stride], ['u32', 0], ['u32', a.normWeights ? 1 : 0], ['f32', a.eps ?? 1e-6],
  ]);
  const norm = a.normWeights ?? (await dummyBuffer(runner));
  runner.dispatch(pipeline, [params, a.qkv, a.meta, a.table, norm, a.dq, a.dk, a.dqkv], [a.nH + a.nKV, a.T, 1], encoder);
}
