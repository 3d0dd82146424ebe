import { describe, it, beforeAll, expect } from 'vitest';
import { testGpu, poisonedBuffer, expectClose } from '../helpers/gpu.ts';
import { logprob } from '../../src/kernels/logprob.ts';
import { logprobEntropy, logprobEntropyBackward } from '../../src/reference/logprob.ts';
import { randomArray } from '../../src/reference/compare.ts';
import type { KernelRunner } from '../../src/gpu/runner.ts';

let runner: KernelRunner;
beforeAll(async () => {
  ({ runner } = await testGpu());
});

describe('logprob: log-prob, entropy and d/dlogits per row', () => {
  for (const [rows, V] of [[1, 1], [3, 7], [5, 1031]] as const) {
    it(`${rows} rows × V=${V}`, async () => {
      const z = randomArray(rows * V, rows * 7 + V, 4);
      const targets = Uint32Array.from({ length: rows }, (_, r) => (r * 131 + 5) % V);
      const coef = randomArray(rows * 2, V + 3);
      const logits = await runner.upload('z', z);
      const out = await poisonedBuffer(runner, 'out', rows * 2);
      await logprob(runner, { logits, targets: await runner.upload('t', targets), coef: await runner.upload('c', coef), out, rows, V, writeGrad: true });
      const got = await runner.readF32(out, rows * 2);
      const want = new Float64Array(rows * 2);
      const dz = new Float64Array(rows * V);
      for (let r = 0; r < rows; r++) {
        const e = logprobEntropy(z, r * V, V, targets[r]!);
        want[2 * r] = e.logprob;
        want[2 * r + 1] = e.entropy;
        logprobEntropyBackward(z, r * V, V, targets[r]!, coef[2 * r]!, coef[2 * r + 1]!, dz);
      }
      if (V === 1) {
        expect(Array.from(got)).toEqual([0, 0]); // one token: certain, zero entropy
        expect(Array.from(await runner.readF32(logits, 1))).toEqual([0]);
        return;
      }
      expectClose(got, want, 1e-5, 'logprob/entropy');
      expectClose(await runner.readF32(logits, rows * V), dz, 1e-5, 'dlogits');
    });
  }
});
