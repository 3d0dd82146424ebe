import { describe, it, beforeAll, expect } from 'vitest';
import { testGpu, poisonedBuffer, expectClose } from '../helpers/gpu.ts';
import { logprob, teacherRowsF32 } from '../../src/kernels/logprob.ts';
import { logprobEntropy, logprobEntropyBackward, teacherKl, teacherKlBackward } from '../../src/reference/logprob.ts';
import { logSoftmax } from '../../src/model/sampling.ts';
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

describe('logprob: teacher targets (KL(q ‖ p) per row and p − q in the gradient)', () => {
  // [rows, V, row → teacher row (−1: none), writeGrad]; teacher rows out of row order, some −∞ entries.
  const cases = [
    [3, 7, [1, -1, 0], true],
    [5, 1031, [-1, 2, -1, 0, 1], true],
    [4, 67, [0, -1, -1, 1], false],
  ] as const;
  for (const [rows, V, index, writeGrad] of cases) {
    it(`${rows} rows × V=${V}, teacher rows ${JSON.stringify(index)}${writeGrad ? '' : ', forward only'}`, async () => {
      const z = randomArray(rows * V, rows * 11 + V, 4);
      const targets = Uint32Array.from({ length: rows }, (_, r) => (r * 97 + 3) % V);
      const coef = randomArray(rows * 2, V + 5);
      const nq = Math.max(...index) + 1;
      const qs = Array.from({ length: nq }, (_, j) => {
        const q = logSoftmax(randomArray(V, 100 + j, 3));
        for (let i = j; i < V; i += 5) q[i] = -Infinity; // tokens the teacher never emits
        return q;
      });
      const qf = teacherRowsF32(qs, V);
      const logits = await runner.upload('z', z);
      const out = await poisonedBuffer(runner, 'out', rows * 2);
      const kl = await poisonedBuffer(runner, 'kl', rows);
      const teacher = { logprobs: await runner.upload('q', qf), index: await runner.upload('qi', Int32Array.from(index)), kl };
      await logprob(runner, { logits, targets: await runner.upload('t', targets), coef: await runner.upload('c', coef), out, rows, V, writeGrad, teacher });
      const wantKl = new Float64Array(rows);
      const want = new Float64Array(rows * 2);
      const dz = new Float64Array(rows * V);
      for (let r = 0; r < rows; r++) {
        const e = logprobEntropy(z, r * V, V, targets[r]!);
        want[2 * r] = e.logprob;
        want[2 * r + 1] = e.entropy;
        logprobEntropyBackward(z, r * V, V, targets[r]!, coef[2 * r]!, coef[2 * r + 1]!, dz);
        const j = index[r]!;
        if (j < 0) continue;
        const q = qs[j]!.map((v, i) => (v === -Infinity ? v : qf[j * V + i]!)); // the f32 values the kernel read
        wantKl[r] = teacherKl(z, r * V, V, q);
        teacherKlBackward(z, r * V, V, q, dz);
      }
      expectClose(await runner.readF32(out, rows * 2), want, 1e-5, 'logprob/entropy');
      const gotKl = await runner.readF32(kl, rows);
      expectClose(gotKl, wantKl, 1e-5, 'KL');
      index.forEach((j, r) => { if (j < 0) expect(gotKl[r]).toBe(0); });
      expectClose(await runner.readF32(logits, rows * V), writeGrad ? dz : z, 1e-5, writeGrad ? 'dlogits' : 'logits untouched');
    });
  }
});
