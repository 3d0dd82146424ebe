import { describe, it, beforeAll, expect } from 'vitest';
import { testGpu, poisonedBuffer, expectClose } from '../helpers/gpu.ts';
import { ropeBackward } from '../../src/kernels/rope_backward.ts';
import { ropeTable } from '../../src/kernels/rope.ts';
import { tokenMeta } from '../../src/kernels/kv-cache.ts';
import { ropeBackward as ropeRef } from '../../src/reference/rope_backward.ts';
import { rmsnormBackward as normRef } from '../../src/reference/rmsnorm_backward.ts';
import { randomArray } from '../../src/reference/compare.ts';
import type { KernelRunner } from '../../src/gpu/runner.ts';

let runner: KernelRunner;
beforeAll(async () => {
  ({ runner } = await testGpu());
});

describe('rope_backward (+ Qwen3 per-head norm) into packed dqkv rows', () => {
  for (const norm of [false, true]) {
    it(`T=5, 4 q heads, 2 kv heads, hd=6${norm ? ', q/k norm' : ''}`, async () => {
      const [T, nH, nKV, hd, theta, eps] = [5, 4, 2, 6, 10000, 1e-6];
      const stride = (nH + 2 * nKV) * hd;
      const qkv = randomArray(T * stride, 1, 2);
      const dq = randomArray(T * nH * hd, 2);
      const dk = randomArray(T * nKV * hd, 3);
      const nw = randomArray(2 * hd, 4);
      const positions = [0, 1, 2, 3, 4];
      const dqkv = await poisonedBuffer(runner, 'dqkv', T * stride);
      await ropeBackward(runner, {
        qkv: await runner.upload('qkv', qkv), meta: await runner.upload('meta', tokenMeta(new Uint32Array(T), positions, { slots: 1, maxLen: T })),
        table: await runner.upload('cs', ropeTable(T, hd, theta)), dq: await runner.upload('dq', dq), dk: await runner.upload('dk', dk), dqkv,
        T, nH, nKV, hd, normWeights: norm ? await runner.upload('nw', nw) : undefined, eps,
      });
      const got = await runner.readF32(dqkv, T * stride);
      let wq = ropeRef(dq, positions, nH, hd, theta);
      let wk = ropeRef(dk, positions, nKV, hd, theta);
      if (norm) {
        const pick = (off: number, heads: number) => Float64Array.from({ length: T * heads * hd }, (_, j) => qkv[Math.floor(j / (heads * hd)) * stride + off + (j % (heads * hd))]!);
        wq = normRef(pick(0, nH), nw.subarray(0, hd), wq, T * nH, hd, eps).dx;
        wk = normRef(pick(nH * hd, nKV), nw.subarray(hd), wk, T * nKV, hd, eps).dx;
      }
      const gq = Float64Array.from({ length: T * nH * hd }, (_, j) => got[Math.floor(j / (nH * hd)) * stride + (j % (nH * hd))]!);
      const gk = Float64Array.from({ length: T * nKV * hd }, (_, j) => got[Math.floor(j / (nKV * hd)) * stride + nH * hd + (j % (nKV * hd))]!);
      expectClose(gq, wq, 1e-5, 'dq');
      expectClose(gk, wk, 1e-5, 'dk');
      // v columns are not this kernel's: they keep the poison.
      expect(Number.isNaN(got[(nH + nKV) * hd])).toBe(true);
    });
  }
});
