import { describe, it, beforeAll } from 'vitest';
import { testGpu, poisonedBuffer, expectClose } from '../helpers/gpu.ts';
import { attentionBackward } from '../../src/kernels/attention_backward.ts';
import { attentionForward, attentionBackward as reference } from '../../src/reference/attention_backward.ts';
import { randomArray } from '../../src/reference/compare.ts';
import type { KernelRunner } from '../../src/gpu/runner.ts';

let runner: KernelRunner;
beforeAll(async () => {
  ({ runner } = await testGpu());
});

describe('attention_backward (causal GQA) vs float64 reference', () => {
  for (const [T, nH, nKV, hd] of [[1, 1, 1, 2], [5, 4, 2, 6], [70, 2, 1, 66]] as const) {
    it(`T=${T} heads ${nH}/${nKV} hd=${hd}`, async () => {
      const s = { T, H: nH, KV: nKV, hd };
      const q = randomArray(T * nH * hd, T + 1);
      const k = randomArray(T * nKV * hd, T + 2);
      const v = randomArray(T * nKV * hd, T + 3);
      const dO = randomArray(T * nH * hd, T + 4);
      const out = Float32Array.from(attentionForward(q, k, v, s).out);
      const want = reference(q, k, v, dO, s);
      // dv goes into a packed row layout (as in the trainer): stride 3·nKV·hd, offset nKV·hd.
      const ld = 3 * nKV * hd;
      const [dq, dk, dv, stats] = await Promise.all([
        poisonedBuffer(runner, 'dq', T * nH * hd), poisonedBuffer(runner, 'dk', T * nKV * hd), poisonedBuffer(runner, 'dv', T * ld), poisonedBuffer(runner, 'stats', nH * T * 2),
      ]);
      await attentionBackward(runner, {
        q: await runner.upload('q', q), k: await runner.upload('k', k), v: await runner.upload('v', v), out: await runner.upload('o', out), dOut: await runner.upload('dO', dO),
        stats, dq, dk, dv, dvLd: ld, dvOffset: nKV * hd, T, nH, nKV, hd,
      });
      expectClose(await runner.readF32(dq, T * nH * hd), want.dq, 1e-5, 'dq');
      expectClose(await runner.readF32(dk, T * nKV * hd), want.dk, 1e-5, 'dk');
      const dvAll = await runner.readF32(dv, T * ld);
      const gv = Float64Array.from({ length: T * nKV * hd }, (_, j) => dvAll[Math.floor(j / (nKV * hd)) * ld + nKV * hd + (j % (nKV * hd))]!);
      expectClose(gv, want.dv, 1e-5, 'dv');
    });
  }
});
