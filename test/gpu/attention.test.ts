import { describe, it, beforeAll, expect } from 'vitest';
import { testGpu, poisonedBuffer, expectClose } from '../helpers/gpu.ts';
import { attention } from '../../src/kernels/attention.ts';
import { createKvCache, tokenMeta } from '../../src/kernels/kv-cache.ts';
import type { KernelRunner } from '../../src/gpu/runner.ts';
import { causalAttention } from '../../src/reference/attention.ts';
import { randomArray } from '../../src/reference/compare.ts';

let runner: KernelRunner;
beforeAll(async () => {
  ({ runner } = await testGpu());
});

async function check(nH: number, nKV: number, hd: number, slots: number[], positions: number[], maxLen: number) {
  const nSlots = Math.max(...slots) + 1;
  const T = slots.length;
  const cache = await createKvCache(runner, 'cache', nSlots, maxLen, nKV, hd);
  const k = randomArray(nSlots * maxLen * nKV * hd, hd + 1, 2);
  const v = randomArray(nSlots * maxLen * nKV * hd, hd + 2);
  runner.write(cache.k, k);
  runner.write(cache.v, v);
  const q = randomArray(T * nH * hd, hd + 3, 2);
  const out = await poisonedBuffer(runner, 'out', T * nH * hd);
  await attention(runner, { q: await runner.upload('q', q), meta: await runner.upload('meta', tokenMeta(slots, positions, cache)), cache, out, T, nH });
  const got = await runner.readF32(out, T * nH * hd);
  const want = new Float64Array(T * nH * hd);
  const slotRows = maxLen * nKV * hd;
  for (let t = 0; t < T; t++) {
    const s = slots[t]!;
    const pos = positions[t]!;
    const ks = k.subarray(s * slotRows, s * slotRows + (pos + 1) * nKV * hd);
    const vs = v.subarray(s * slotRows, s * slotRows + (pos + 1) * nKV * hd);
    const row = causalAttention(q.subarray(t * nH * hd, (t + 1) * nH * hd), ks, vs, { Tq: 1, Tk: pos + 1, H: nH, KV: nKV, hd, offset: pos });
    want.set(row, t * nH * hd);
  }
  expectClose(got, want, 1e-5, `attention ${nH}/${nKV}×${hd}`);
}

describe('causal GQA attention against the KV cache', () => {
  it('prefill of one sequence (positions 0..69, over one 64-key block)', () =>
    check(4, 2, 20, Array(70).fill(0), Array.from({ length: 70 }, (_, i) => i), 70));
  it('decode: 3 sequences of different lengths in one dispatch', () => check(6, 2, 16, [0, 1, 2], [0, 66, 129], 131));
  it('head dim 130 (several dims per thread), MHA', () => check(2, 2, 130, [1, 0], [5, 64], 65));
  it('rejects a position outside the cache', async () => {
    expect(() => tokenMeta([0], [10], { slots: 1, maxLen: 10 })).toThrow(/position 10 outside the KV cache's 10 positions/);
  });
});
