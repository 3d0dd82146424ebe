import { describe, it, beforeAll } from 'vitest';
import { testGpu, poisonedBuffer, expectClose } from '../helpers/gpu.ts';
import { rope, ropeTable } from '../../src/kernels/rope.ts';
import { createKvCache, tokenMeta } from '../../src/kernels/kv-cache.ts';
import { poison, type KernelRunner } from '../../src/gpu/runner.ts';
import { applyRope } from '../../src/reference/rope.ts';
import { rmsnorm } from '../../src/reference/rmsnorm.ts';
import { randomArray } from '../../src/reference/compare.ts';

let runner: KernelRunner;
beforeAll(async () => {
  ({ runner } = await testGpu());
});

/** Columns [c0, c0 + heads·hd) of every row of x (rows of `stride`). */
function columns(x: Float32Array, T: number, stride: number, c0: number, width: number): Float32Array {
  const out = new Float32Array(T * width);
  for (let t = 0; t < T; t++) out.set(x.subarray(t * stride + c0, t * stride + c0 + width), t * width);
  return out;
}

async function check(nH: number, nKV: number, hd: number, theta: number, qkNorm: boolean) {
  const slots = [0, 1, 1, 1, 0, 2];
  const positions = [0, 3, 4, 5, 7, 40];
  const T = slots.length;
  const maxLen = 41;
  const stride = (nH + 2 * nKV) * hd;
  const qkv = randomArray(T * stride, nH * 100 + hd, 2);
  const normW = randomArray(2 * hd, hd + 7);
  const cache = await createKvCache(runner, 'cache', 3, maxLen, nKV, hd);
  poison(runner, cache.k);
  poison(runner, cache.v);
  const qOut = await poisonedBuffer(runner, 'q', T * nH * hd);
  await rope(runner, {
    qkv: await runner.upload('qkv', qkv),
    meta: await runner.upload('meta', tokenMeta(slots, positions, cache)),
    table: await runner.upload('cs', ropeTable(maxLen, hd, theta)),
    qOut,
    cache,
    T,
    nH,
    normWeights: qkNorm ? await runner.upload('norm', normW) : undefined,
    eps: 1e-6,
  });
  let q: ArrayLike<number> = columns(qkv, T, stride, 0, nH * hd);
  let k: ArrayLike<number> = columns(qkv, T, stride, nH * hd, nKV * hd);
  const v = columns(qkv, T, stride, (nH + nKV) * hd, nKV * hd);
  if (qkNorm) {
    q = rmsnorm(q, normW.subarray(0, hd), T * nH, hd, 1e-6);
    k = rmsnorm(k, normW.subarray(hd), T * nKV, hd, 1e-6);
  }
  expectClose(await runner.readF32(qOut, T * nH * hd), applyRope(q, positions, nH, hd, theta), 1e-5, 'q');
  const wantK = applyRope(k, positions, nKV, hd, theta);
  const kc = await runner.readF32(cache.k);
  const vc = await runner.readF32(cache.v);
  const gotK = new Float32Array(T * nKV * hd);
  const gotV = new Float32Array(T * nKV * hd);
  for (let t = 0; t < T; t++) {
    const o = (slots[t]! * maxLen + positions[t]!) * nKV * hd;
    gotK.set(kc.subarray(o, o + nKV * hd), t * nKV * hd);
    gotV.set(vc.subarray(o, o + nKV * hd), t * nKV * hd);
  }
  expectClose(gotK, wantK, 1e-5, 'k in cache');
  expectClose(gotV, v, 0, 'v in cache');
}

describe('rope (+ per-head norm) writing q and the KV cache', () => {
  it('Qwen2-like: 4 heads, 2 kv heads, hd 6, theta 10000', () => check(4, 2, 6, 10000, false));
  it('Qwen3-like: q_norm/k_norm, hd 130 (over one 64-thread pass), theta 100', () => check(6, 3, 130, 100, true));
  it('MHA (nKV = nH), hd 2', () => check(3, 3, 2, 1e6, false));
});
