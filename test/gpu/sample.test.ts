import { describe, it, beforeAll, expect } from 'vitest';
import { testGpu } from '../helpers/gpu.ts';
import { sample, decodeSamples } from '../../src/kernels/sample.ts';
import type { KernelRunner } from '../../src/gpu/runner.ts';
import { keptMask, logSoftmax, sampleFromLogits, samplingUniform, type SamplingParams } from '../../src/model/sampling.ts';
import { randomArray } from '../../src/reference/compare.ts';

let runner: KernelRunner;
beforeAll(async () => {
  ({ runner } = await testGpu());
});

interface Run { tokens: number[]; logprobs: number[] }

/** rowInfo[r] = [sequence, step]. */
async function gpuSample(logits: Float32Array, rows: number, V: number, params: SamplingParams, rowInfo: number[][]): Promise<Run> {
  const out = await runner.createBuffer('out', rows * 8);
  runner.write(out, new Uint32Array(rows * 2).fill(0xffffffff));
  const next = await runner.createBuffer('next', rows * 4);
  runner.write(next, new Uint32Array(rows).fill(0xffffffff));
  await sample(runner, {
    logits: await runner.upload('logits', logits),
    rowInfo: await runner.upload('info', Uint32Array.from(rowInfo.flat())),
    scratch: await runner.createBuffer('scratch', rows * V * 4),
    out,
    nextTokens: next,
    rows,
    V,
    params,
  });
  const got = decodeSamples(await runner.readU32(out, rows * 2), rows);
  expect(Array.from(await runner.readU32(next, rows))).toEqual(got.tokens);
  return got;
}

const base: SamplingParams = { greedy: false, temperature: 1, topK: 0, topP: 1, seed: 7 };

describe('on-GPU sampling (token id + logprob only)', () => {
  it('greedy = argmax with lowest id on ties; logprob = log softmax at T = 1', async () => {
    const [rows, V] = [5, 1000];
    const logits = randomArray(rows * V, 3, 8);
    logits[2 * V + 17] = 50; // a tie in row 2: the lower id wins
    logits[2 * V + 900] = 50;
    logits[4 * V + V - 1] = 40; // the last id
    const got = await gpuSample(logits, rows, V, { ...base, greedy: true }, Array.from({ length: rows }, (_, r) => [r, 0]));
    for (let r = 0; r < rows; r++) {
      const row = logits.subarray(r * V, (r + 1) * V);
      const want = sampleFromLogits(row, { ...base, greedy: true }, 0);
      expect(got.tokens[r]).toBe(want.token);
      expect(Math.abs(got.logprobs[r]! - want.logprob)).toBeLessThan(1e-4);
    }
    expect(got.tokens[2]).toBe(17);
  });

  for (const [name, params] of [
    ['temperature 0.7', { ...base, temperature: 0.7 }],
    ['top-k 5', { ...base, topK: 5 }],
    ['top-p 0.6 at T 1.3', { ...base, topP: 0.6, temperature: 1.3 }],
    ['top-k 20 + top-p 0.9', { ...base, topK: 20, topP: 0.9, temperature: 0.8 }],
  ] as [string, SamplingParams][]) {
    it(`${name}: ids in the kept set, CPU-identical picks, logprobs, seeded`, async () => {
      const [rows, V] = [16, 333];
      const logits = randomArray(rows * V, 11, 4);
      const info = Array.from({ length: rows }, (_, r) => [r % 4, Math.floor(r / 4)]);
      const got = await gpuSample(logits, rows, V, params, info);
      let agree = 0;
      for (let r = 0; r < rows; r++) {
        const row = logits.subarray(r * V, (r + 1) * V);
        const lp = logSoftmax(row, params.temperature);
        const keep = keptMask(Array.from(lp, Math.exp), params.topK, params.topP);
        const tok = got.tokens[r]!;
        expect(tok, `row ${r}`).toBeLessThan(V);
        expect(keep[tok], `row ${r}: id ${tok} outside the top-k/top-p set`).toBe(1);
        expect(Math.abs(got.logprobs[r]! - lp[tok]!)).toBeLessThan(1e-4);
        const want = sampleFromLogits(row, params, samplingUniform(params.seed, info[r]![0]!, info[r]![1]!));
        if (want.token === tok) agree++;
      }
      // f32 vs float64 sums can only flip a pick whose u lands within ~1e-6 of a CDF step.
      expect(agree).toBe(rows);
      const again = await gpuSample(logits, rows, V, params, info);
      expect(again.tokens).toEqual(got.tokens);
      const other = await gpuSample(logits, rows, V, { ...params, seed: 8 }, info);
      if (params.topK !== 5) expect(other.tokens).not.toEqual(got.tokens);
    });
  }

  it('empirical frequencies follow the distribution (500 draws of one 6-way row)', async () => {
    const V = 6;
    const row = Float32Array.from([0.5, -1, 2, 0, 1.5, -0.5]);
    const rows = 500;
    const logits = new Float32Array(rows * V);
    for (let r = 0; r < rows; r++) logits.set(row, r * V);
    const got = await gpuSample(logits, rows, V, base, Array.from({ length: rows }, (_, r) => [0, r]));
    const p = Array.from(logSoftmax(row), Math.exp);
    const counts = new Array(V).fill(0);
    for (const t of got.tokens) counts[t]++;
    for (let i = 0; i < V; i++) {
      const sd = Math.sqrt(rows * p[i]! * (1 - p[i]!));
      expect(Math.abs(counts[i] - rows * p[i]!), `id ${i}: ${counts[i]} draws, expected ${(rows * p[i]!).toFixed(0)}`).toBeLessThan(5 * sd + 1);
    }
  });
});
