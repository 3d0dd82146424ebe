// Dispatch wrapper for shaders/rope.wgsl: [per-head RMSNorm →] RoPE on the q and k heads of packed
// q|k|v rows, q written to qOut, k (rotated) and v written into the KV cache at each token's (slot, position).
import type { KernelRunner } from '../gpu/runner.ts';
import { checkDims, dummyBuffer, prepare, run, type Dispatch } from './dispatch.ts';
import type { KvCache } from './kv-cache.ts';

/** cos/sin of position · theta^(−2i/hd), computed in float64: [(pos·hd/2 + i)·2 + {0 cos, 1 sin}]. */
export function ropeTable(maxLen: number, hd: number, theta: number): Float32Array {
  if (hd % 2 !== 0) throw new Error(`rope: head dim ${hd} must be even`);
  const half = hd / 2;
  const out = new Float32Array(maxLen * half * 2);
  for (let i = 0; i < half; i++) {
    const inv = 1 / Math.pow(theta, (2 * i) / hd);
    for (let pos = 0; pos < maxLen; pos++) {
      out[(pos * half + i) * 2] = Math.cos(pos * inv);
      out[(pos * half + i) * 2 + 1] = Math.sin(pos * inv);
    }
  }
  return out;
}

export interface RopeArgs {
  qkv: GPUBuffer; // T × (nH + 2·nKV)·hd
  meta: GPUBuffer; // T × [slot, position]
  table: GPUBuffer; // ropeTable(cache.maxLen, hd, theta)
  qOut: GPUBuffer; // T × nH·hd
  cache: KvCache;
  T: number;
  nH: number;
  /** q_norm then k_norm weights (2·hd floats) for Qwen3; absent: no per-head norm. */
  normWeights?: GPUBuffer;
  eps?: number;
}

export async function prepareRope(runner: KernelRunner, a: RopeArgs): Promise<Dispatch> {
  const { T, nH, cache } = a;
  const { nKV, hd } = cache;
  checkDims('rope', { T, nH, nKV, hd });
  if (hd % 2 !== 0) throw new Error(`rope: head dim ${hd} must be even`);
  if (nH % nKV !== 0) throw new Error(`rope: ${nH} query heads is not a multiple of ${nKV} kv heads`);
  const stride = (nH + 2 * nKV) * hd;
  if (a.qkv.size < T * stride * 4) throw new Error(`rope: qkv buffer must hold ${T}×${stride} floats`);
  if (a.qOut.size < T * nH * hd * 4) throw new Error(`rope: q output must hold ${T}×${nH * hd} floats`);
  if (a.table.size < cache.maxLen * hd * 4) throw new Error(`rope: cos/sin table must cover ${cache.maxLen} positions`);
  if (a.normWeights && a.normWeights.size < 2 * hd * 4) throw new Error(`rope: norm weights must hold 2×${hd} floats`);
  const pipeline = await runner.pipeline('rope');
  const params = runner.uniform('rope', [
    ['u32', T], ['u32', nH], ['u32', nKV], ['u32', hd],
    ['u32', stride], ['u32', cache.maxLen], ['u32', a.normWeights ? 1 : 0], ['f32', a.eps ?? 1e-6],
  ]);
  const max = runner.device.limits.maxComputeWorkgroupsPerDimension;
  if (T > max) throw new Error(`rope: ${T} tokens in one dispatch exceeds the device limit ${max}; split the batch`);
  const norm = a.normWeights ?? (await dummyBuffer(runner));
  return prepare(runner, 'rope', pipeline, [params, a.qkv, a.meta, a.table, norm, a.qOut, cache.k, cache.v], [nH + 2 * nKV, T, 1]);
}

export async function rope(runner: KernelRunner, args: RopeArgs, encoder?: GPUCommandEncoder): Promise<void> {
  run(runner, [await prepareRope(runner, args)], encoder);
}
