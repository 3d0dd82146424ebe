// Dispatch wrapper for shaders/attention.wgsl: causal GQA of T query rows against the KV cache,
// each row with its own (slot, position) — one prompt's prefill, several prompts, or a decode batch.
import type { KernelRunner } from '../gpu/runner.ts';
import { checkDims, prepare, run, type Dispatch } from './dispatch.ts';
import type { KvCache } from './kv-cache.ts';

export const ATTENTION_MAX_HEAD_DIM = 256;

export interface AttentionArgs {
  q: GPUBuffer; // T × nH·hd (rotated)
  meta: GPUBuffer; // T × [slot, position]
  cache: KvCache;
  out: GPUBuffer; // T × nH·hd
  T: number;
  nH: number;
}

export async function prepareAttention(runner: KernelRunner, a: AttentionArgs): Promise<Dispatch> {
  const { T, nH, cache } = a;
  const { nKV, hd } = cache;
  checkDims('attention', { T, nH, nKV, hd });
  if (nH % nKV !== 0) throw new Error(`attention: ${nH} query heads is not a multiple of ${nKV} kv heads`);
  if (hd > ATTENTION_MAX_HEAD_DIM) throw new Error(`attention: head dim ${hd} is over the kernel's maximum ${ATTENTION_MAX_HEAD_DIM}`);
  if (a.q.size < T * nH * hd * 4 || a.out.size < T * nH * hd * 4) throw new Error(`attention: q and out must hold ${T}×${nH * hd} floats`);
  const max = runner.device.limits.maxComputeWorkgroupsPerDimension;
  if (T > max) throw new Error(`attention: ${T} query rows in one dispatch exceeds the device limit ${max}`);
  const pipeline = await runner.pipeline('attention');
  const params = runner.uniform('attention', [
    ['u32', T], ['u32', nH], ['u32', nKV], ['u32', hd], ['u32', cache.maxLen], ['f32', 1 / Math.sqrt(hd)],
  ]);
  return prepare(runner, 'attention', pipeline, [params, a.q, a.meta, cache.k, cache.v, a.out], [nH, T, 1]);
}

export async function attention(runner: KernelRunner, args: AttentionArgs, encoder?: GPUCommandEncoder): Promise<void> {
  run(runner, [await prepareAttention(runner, args)], encoder);
}
