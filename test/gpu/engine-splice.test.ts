// Spliced input embeddings (speech turns) in the WebGPU engine vs the CPU (float64) backend: rows
// replace token embeddings at given positions of some prompts, across prefill chunks and batch groups.
import { describe, it, expect } from 'vitest';
import { expectClose } from '../helpers/gpu.ts';
import { CpuBackend } from '../../src/model/cpu/backend.ts';
import { gpuBackends, randomRows, tinyWeights } from '../helpers/tiny-weights.ts';
import type { EmbeddingRows, GenerateOptions } from '../../src/model/backend.ts';

const gpuOf = gpuBackends();


function flat(rows: Float32Array[]): Float32Array {
  const out = new Float32Array(rows.reduce((n, r) => n + r.length, 0));
  let o = 0;
  for (const r of rows) (out.set(r, o), (o += r.length));
  return out;
}

const long = [5, 17, 3, 250, 42, 42, 7, 1, 99, 123, 0];
const mid = [100, 200, 150, 3, 4, 5, 6];

describe('GPU engine: spliced input embeddings match the CPU backend', () => {
  // chunkTokens 8 + maxBatch 2: the 11-token prompt's run 5..9 straddles two prefill chunks, its last
  // (spliced) row feeds the first sample, and the third prompt runs in a second batch group. The
  // embedding split over 8 buffers (8 gather dispatches): the rows must land after all of them.
  for (const [architecture, sizes] of [
    ['qwen2', { chunkTokens: 8, maxBatch: 2, maxWeightChunkBytes: 40 * 64 * 4 }],
    ['qwen3', { maxBatch: 4 }],
  ] as const) {
    it(`${architecture} ${JSON.stringify(sizes)}: greedy generate and logits with rows`, async () => {
      const w = await tinyWeights({ architecture, seed: 31 });
      const D = w.config.hiddenSize;
      const cpu = new CpuBackend(w);
      const gpu = await gpuOf(w, sizes);
      if ('maxWeightChunkBytes' in sizes) expect(gpu.weights.embed.chunks.length).toBe(8);
      const prompts = [long, [8, 9], mid];
      const promptEmbeddings = [randomRows([0, 5, 6, 7, 8, 9, 10], D, 1), null, randomRows([2, 4], D, 2)];
      const opts: GenerateOptions = { maxNewTokens: 6, greedy: true, stopTokenIds: [], promptEmbeddings };
      const want = await cpu.generate(prompts, opts);
      const got = await gpu.generate(prompts, opts);
      for (let b = 0; b < prompts.length; b++) {
        expect(got[b]!.tokens, `sequence ${b}`).toEqual(want[b]!.tokens);
        expectClose(got[b]!.logprobs, want[b]!.logprobs, 1e-4, `logprobs ${b}`);
      }
      // The rows matter: without them the spliced sequences see different logits.
      const plain = await gpu.generate(prompts, { ...opts, promptEmbeddings: undefined });
      expect(plain[1]!.tokens).toEqual(got[1]!.tokens);
      expect(plain[0]!.logprobs).not.toEqual(got[0]!.logprobs);

      for (const [tokens, rows] of [[long, promptEmbeddings[0]!], [mid, promptEmbeddings[2]!]] as const) {
        const wantLogits = await cpu.logits([...tokens], rows);
        const gotLogits = await gpu.logits([...tokens], rows);
        expect(gotLogits.length).toBe(tokens.length);
        expectClose(flat(gotLogits), flat(wantLogits), 1e-4, `${architecture} logits with rows`);
      }
    });
  }

  it('bad rows are refused with the CPU backend’s messages', async () => {
    const w = await tinyWeights({ architecture: 'qwen2', seed: 31 });
    const D = w.config.hiddenSize;
    const cpu = new CpuBackend(w);
    const gpu = await gpuOf(w, { chunkTokens: 8, maxBatch: 2 });
    const nan = randomRows([1], D, 3);
    (nan.rows as number[])[7] = NaN;
    const cases: [EmbeddingRows, RegExp][] = [
      [randomRows([11], D, 3), /embedding row 0 targets position 11, outside the 11 positions/],
      [randomRows([2, 2], D, 3), /position 2 is replaced twice/],
      [{ positions: [1, 2], rows: randomRows([1], D, 3).rows }, new RegExp(`2 replaced positions need ${2 * D} values \\(hidden size ${D}\\), got ${D}`)],
      [nan, /non-finite value at 7/],
    ];
    for (const [rows, message] of cases) {
      const opts: GenerateOptions = { maxNewTokens: 2, greedy: true, promptEmbeddings: [null, rows] };
      await expect(cpu.generate([[1, 2], long], opts)).rejects.toThrow(message);
      await expect(gpu.generate([[1, 2], long], opts)).rejects.toThrow(message);
      await expect(gpu.generate([[1, 2], long], opts)).rejects.toThrow(/generate: prompt 1: /);
      await expect(cpu.logits(long, rows)).rejects.toThrow(message);
      await expect(gpu.logits(long, rows)).rejects.toThrow(message);
    }
    const tooFew: GenerateOptions = { maxNewTokens: 2, promptEmbeddings: [null] };
    await expect(cpu.generate([[1, 2], long], tooFew)).rejects.toThrow(/2 prompts but 1 promptEmbeddings entries/);
    await expect(gpu.generate([[1, 2], long], tooFew)).rejects.toThrow(/2 prompts but 1 promptEmbeddings entries/);
    // The engine still works after refusing.
    const want = await cpu.generate([[1, 2]], { maxNewTokens: 3, greedy: true, stopTokenIds: [] });
    expect((await gpu.generate([[1, 2]], { maxNewTokens: 3, greedy: true, stopTokenIds: [] }))[0]!.tokens).toEqual(want[0]!.tokens);
  });
});
