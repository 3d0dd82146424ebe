// The CPU backend reuses the K/V of a previous sequence's prefix (multi-turn episodes): generations are
// exactly those of a fresh backend, and spliced rows must match inside the reused prefix.
import { describe, expect, it } from 'vitest';
import { CpuBackend } from '../../../src/model/cpu/backend.ts';
import { parseSafetensors, writeSafetensors } from '../../../src/model/safetensors.ts';
import { tinyConfig, tinyTensors } from '../../../src/model/tiny.ts';
import { createModelWeights } from '../../../src/model/weights.ts';
import { randomArray } from '../../../src/reference/compare.ts';

const config = tinyConfig({ architecture: 'qwen3', vocabSize: 64, eosTokenIds: [63] });
const weights = createModelWeights(config, parseSafetensors(writeSafetensors(tinyTensors(config, 'F32', 9))).tensors, 'tiny-qwen3');
const D = config.hiddenSize;
const opts = { maxNewTokens: 5, temperature: 1, seed: 3, stopTokenIds: [] };
const same = (a: { tokens: number[]; logprobs: number[] }, b: { tokens: number[]; logprobs: number[] }) => {
  expect(a.tokens).toEqual(b.tokens);
  a.logprobs.forEach((x, i) => expect(Object.is(x, b.logprobs[i])).toBe(true));
};

describe('CPU backend prefix reuse', () => {
  it('a prompt extending an earlier sequence generates exactly what a fresh backend does', async () => {
    const warm = new CpuBackend(weights);
    const p1 = [5, 9, 11, 20, 3, 7];
    const [r1] = await warm.generate([p1], opts);
    const p2 = [...p1, ...r1!.tokens, 30, 31];
    const [reused] = await warm.generate([p2], opts);
    // everything but the newest tokens came from the cache (the last sampled token was never run)
    expect(warm.promptStats).toEqual({ reused: p1.length + r1!.tokens.length - 1, computed: p1.length + 3 });
    const [fresh] = await new CpuBackend(weights).generate([p2], opts);
    same(reused!, fresh!);
    // a prompt that is a prefix of a cached sequence, and one that diverges midway
    for (const p of [p1.slice(0, 4), [...p1.slice(0, 3), 40, 41]]) {
      const [a] = await warm.generate([p], opts);
      const [b] = await new CpuBackend(weights).generate([p], opts);
      same(a!, b!);
    }
  });

  it('spliced rows: the same rows reuse the prefix, other rows do not', async () => {
    const warm = new CpuBackend(weights);
    const p1 = [5, 9, 11, 20, 3, 7, 8];
    const rows = { positions: [2, 3], rows: randomArray(2 * D, 1) };
    const [r1] = await warm.generate([p1], { ...opts, promptEmbeddings: [rows] });
    const p2 = [...p1, ...r1!.tokens, 12];
    const other = { positions: [2, 3], rows: randomArray(2 * D, 2) };
    for (const [e, reusable] of [[rows, p1.length + r1!.tokens.length - 1], [other, 2], [null, 2]] as const) {
      const before = warm.promptStats.reused;
      const [a] = await warm.generate([p2], { ...opts, promptEmbeddings: [e] });
      // with other rows (or none) only the positions before the first spliced one are reused
      expect(warm.promptStats.reused - before).toBe(reusable);
      const [b] = await new CpuBackend(weights).generate([p2], { ...opts, promptEmbeddings: [e] });
      same(a!, b!);
    }
    await expect(warm.generate([p2], { ...opts, promptEmbeddings: [{ positions: [2], rows: new Float64Array(D - 1) }] })).rejects.toThrow(/generate: prompt 0: 1 replaced positions need/);
  });
});
