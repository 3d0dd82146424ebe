// Dispatch wrapper for shaders/attention_backward.wgsl (entries dq_main then dkv_main).
import type { KernelRunner } from '../gpu/runner.ts';
import { checkDims } from './dispatch.ts';
import { bindAt, encodePass, submitOrRecord } from './bind-at.ts';

export const ATTENTION_BACKWARD_MAX_HEAD_DIM = 256;

export interface AttentionBackwardArgs {
  q: GPUBuffer; // T × nH·hd (rotated)
  k: GPUBuffer; // [pos][nKV][hd] (KV cache slot 0)
  v: GPUBuffer;
  out: GPUBuffer; // forward output, T × nH·hd
  dOut: GPUBuffer; // T × nH·hd
  stats: GPUBuffer; // scratch, nH·T × 2 floats
  dq: GPUBuffer; // T × nH·hd
  dk: GPUBuffer; // T × nKV·hd
  dv: GPUBuffer; // written at dvOffset + u·dvLd + kvh·hd
  dvLd?: number;
  dvOffset?: number;
  T: number;
  nH: number;
  nKV: number;
  hd: number;
}

export async function attentionBackward(runner: KernelRunner, a: AttentionBackwardArgs, encoder?: GPUCommandEncoder): Promise<void> {
  checkDims('attention_backward', { T: a.T, nH: a.nH, nKV: a.nKV, hd: a.hd });
  if (a.nH % a.nKV !== 0) throw new Error(`attention_backward: ${a.nH} query heads is not a multiple of ${a.nKV} kv heads`);
  if (a.hd > ATTENTION_BACKWARD_MAX_HEAD_DIM) throw new Error(`attention_backward: head dim ${a.hd} is over ${ATTENTION_BACKWARD_MAX_HEAD_DIM}`);
  const max = runner.device.limits.maxComputeWorkgroupsPerDimension;
  if (a.T > max) throw new Error(`attention_backward: ${a.T} tokens exceed the device's ${max} workgroups per dimension`);
  const dqPipe = await runner.pipeline('attention_backward', { entryPoint: 'dq_main' });
  const dkvPipe = await runner.pipeline('attention_backward', { entryPoint: 'dkv_main' });
  const params = runner.sharedUniform('attention_backward', [
    ['u32', a.T], ['u32', a.nH], ['u32', a.nKV], ['u32', a.hd], ['u32', a.dvLd ?? a.nKV * a.hd], ['u32', a.dvOffset ?? 0], ['u32', 0], ['f32', 1 / Math.sqrt(a.hd)],
  ]);
  const g1 = bindAt(runner, dqPipe, [[0, params], [1, a.q], [2, a.k], [3, a.v], [4, a.out], [5, a.dOut], [6, a.stats], [7, a.dq]]);
  const g2 = bindAt(runner, dkvPipe, [[0, params], [1, a.q], [2, a.k], [3, a.v], [5, a.dOut], [6, a.stats], [8, a.dk], [9, a.dv]]);
  submitOrRecord(runner, (enc) => {
    encodePass(enc, dqPipe, g1, [a.nH, a.T, 1]);
    encodePass(enc, dkvPipe, g2, [a.nKV, a.T, 1]);
  }, encoder);
}
