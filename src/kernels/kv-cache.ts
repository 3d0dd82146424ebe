// The per-layer KV cache: K and V as f32 [slot][position][kv head][head dim].
import type { KernelRunner } from '../gpu/runner.ts';

export interface KvCache {
  k: GPUBuffer;
  v: GPUBuffer;
  slots: number;
  maxLen: number;
  nKV: number;
  hd: number;
}

export async function createKvCache(runner: KernelRunner, label: string, slots: number, maxLen: number, nKV: number, hd: number): Promise<KvCache> {
  const bytes = slots * maxLen * nKV * hd * 4;
  const limit = runner.device.limits.maxStorageBufferBindingSize;
  if (bytes > limit) {
    throw new Error(`${label}: a KV cache of ${slots} sequences × ${maxLen} positions is ${bytes} bytes, over the device's binding limit of ${limit}; lower the batch or the maximum sequence length`);
  }
  return { k: await runner.createBuffer(`${label}.k`, bytes), v: await runner.createBuffer(`${label}.v`, bytes), slots, maxLen, nKV, hd };
}

export function destroyKvCache(c: KvCache): void {
  c.k.destroy();
  c.v.destroy();
}

/** Packs (slot, position) per token for the rope and attention kernels, checking both against the cache. */
export function tokenMeta(slots: ArrayLike<number>, positions: ArrayLike<number>, cache: { slots: number; maxLen: number }): Uint32Array {
  if (slots.length !== positions.length) throw new Error(`token meta: ${slots.length} slots but ${positions.length} positions`);
  const meta = new Uint32Array(slots.length * 2);
  for (let t = 0; t < slots.length; t++) {
    const s = slots[t]!;
    const pos = positions[t]!;
    if (!Number.isInteger(s) || s < 0 || s >= cache.slots) throw new Error(`token ${t}: cache slot ${s} outside [0, ${cache.slots})`);
    if (!Number.isInteger(pos) || pos < 0 || pos >= cache.maxLen) {
      throw new Error(`token ${t}: position ${pos} outside the KV cache's ${cache.maxLen} positions (raise maxSequenceLength)`);
    }
    meta[2 * t] = s;
    meta[2 * t + 1] = pos;
  }
  return meta;
}
