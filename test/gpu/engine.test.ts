// The WebGPU engine on tiny random Qwen2/Qwen3 models vs the CPU (float64) backend.
import { describe, it, expect } from 'vitest';
import { expectClose } from '../helpers/gpu.ts';
import { acquireGpu } from '../../src/gpu/device.ts';
import { createGpuBackend, type GpuBackend } from '../../src/model/gpu/engine.ts';
import { CpuBackend } from '../../src/model/cpu/backend.ts';
import type { ModelWeights } from '../../src/model/weights.ts';
import { gpuBackends, tinyWeights } from '../helpers/tiny-weights.ts';
import { logSoftmax } from '../../src/model/sampling.ts';
import type { GenerateOptions } from '../../src/model/backend.ts';

const gpuOf = gpuBackends();

const prompt = [5, 17, 3, 250, 42, 42, 7, 1, 99, 123, 0];

async function compareLogits(w: ModelWeights, gpu: GpuBackend, tolerance: number, tokens = prompt) {
  const want = await new CpuBackend(w).logits(tokens);
  const got = await gpu.logits(tokens);
  expect(got.length).toBe(tokens.length);
  expectClose(flat(got), flat(want), tolerance, `${w.source} logits (${gpu.weightDtype} weights)`);
}

function flat(rows: Float32Array[]): Float32Array {
  const out = new Float32Array(rows.reduce((s, r) => s + r.length, 0));
  let o = 0;
  for (const r of rows) (out.set(r, o), (o += r.length));
  return out;
}

describe('GPU engine vs CPU backend, tiny models', () => {
  for (const architecture of ['qwen2', 'qwen3'] as const) {
    it(`${architecture} f32: full-sequence logits (rel ≤ 1e-4), several prefill chunks`, async () => {
      const w = await tinyWeights({ architecture });
      await compareLogits(w, await gpuOf(w, { chunkTokens: 8, maxBatch: 4 }), 1e-4);
    });
    it(`${architecture} f16 checkpoint on f16 storage: logits (rel ≤ 1e-2)`, async () => {
      const w = await tinyWeights({ architecture, dtype: 'F16', seed: 77 });
      const gpu = await gpuOf(w);
      expect(gpu.weightDtype).toBe('f16');
      await compareLogits(w, gpu, 1e-2);
    });
  }

  it('weights split over many buffers (embedding, LM head, projections) give the same logits', async () => {
    const w = await tinyWeights({ architecture: 'qwen2', seed: 13 }); // untied: embedding and lm_head both split
    const gpu = await gpuOf(w, { maxWeightChunkBytes: 40 * 64 * 4 });
    expect(gpu.weights.embed.chunks.length).toBe(8);
    expect(gpu.weights.lmHead.chunks.length).toBe(8);
    await compareLogits(w, gpu, 1e-4, prompt.slice(0, 5));
  });

  it('f32 checkpoint stored as f16 on the GPU: logits within 1e-2', async () => {
    const w = await tinyWeights({ architecture: 'qwen2', seed: 5 });
    await compareLogits(w, await gpuOf(w, { weightDtype: 'f16' }), 1e-2);
  });

  it('batched greedy generation (prompts of different lengths, batch split in groups) equals the CPU', async () => {
    const w = await tinyWeights({ architecture: 'qwen3', seed: 9 });
    const prompts = [prompt, [8, 9], [100, 200, 150, 3, 4, 5, 6]];
    const opts: GenerateOptions = { maxNewTokens: 7, greedy: true, stopTokenIds: [] };
    const want = await new CpuBackend(w).generate(prompts, opts);
    const gpu = await gpuOf(w, { maxBatch: 2, chunkTokens: 8 });
    const got = await gpu.generate(prompts, opts);
    for (let b = 0; b < prompts.length; b++) {
      expect(got[b]!.tokens, `sequence ${b}`).toEqual(want[b]!.tokens);
      expect(got[b]!.finishReason).toBe('length');
      expectClose(got[b]!.logprobs, want[b]!.logprobs, 1e-4, `logprobs ${b}`);
    }
    expect(gpu.lastStats!.decodeSteps).toBeGreaterThan(0);
  });

  it('decode with the KV cache equals the full-sequence forward', async () => {
    const w = await tinyWeights({ architecture: 'qwen2', seed: 3 });
    const gpu = await gpuOf(w);
    const [res] = await gpu.generate([prompt], { maxNewTokens: 6, greedy: true, stopTokenIds: [] });
    const all = [...prompt, ...res!.tokens];
    const rows = await gpu.logits(all);
    for (let i = 0; i < res!.tokens.length; i++) {
      const row = rows[prompt.length - 1 + i]!;
      const lp = logSoftmax(row);
      let best = 0;
      for (let v = 1; v < row.length; v++) if (row[v]! > row[best]!) best = v;
      expect(res!.tokens[i]).toBe(best);
      expect(Math.abs(res!.logprobs[i]! - lp[best]!)).toBeLessThan(1e-4);
    }
  });

  it('seeded sampling (temperature, top-k, top-p) and stop tokens match the CPU backend', async () => {
    const w = await tinyWeights({ architecture: 'qwen2', seed: 11 });
    const prompts = [prompt, [1, 2, 3]];
    const sampled: GenerateOptions = { maxNewTokens: 8, temperature: 0.9, topK: 40, topP: 0.95, seed: 1234, stopTokenIds: [] };
    const cpu = new CpuBackend(w);
    const gpu = await gpuOf(w);
    const want = await cpu.generate(prompts, sampled);
    const got = await gpu.generate(prompts, sampled);
    expect(got.map((r) => r.tokens)).toEqual(want.map((r) => r.tokens));
    for (let b = 0; b < 2; b++) expectClose(got[b]!.logprobs, want[b]!.logprobs, 1e-4, `logprobs ${b}`);
    // Stop on the third token of sequence 0: that sequence ends early, the other runs on.
    const stopId = want[0]!.tokens[2]!;
    const stopOpts = { ...sampled, stopTokenIds: [stopId] };
    const wantStop = await cpu.generate(prompts, stopOpts);
    const gotStop = await gpu.generate(prompts, stopOpts);
    expect(gotStop).toEqual(gotStop.map((r, b) => ({ ...r, tokens: wantStop[b]!.tokens, finishReason: wantStop[b]!.finishReason })));
    expect(gotStop[0]!.finishReason).toBe('stop_token');
  });

  it('GPU kernel path (gemv decode, tiled prefill) on a software adapter: logits and greedy decode match the CPU', async () => {
    const w = await tinyWeights({ architecture: 'qwen3', dtype: 'F16', seed: 21, numLayers: 1 });
    const gpu = await gpuOf(w, { kernelPath: 'gpu', maxBatch: 2 });
    await compareLogits(w, gpu, 1e-2, Array.from({ length: 66 }, (_, i) => (i * 37) % 300)); // M = 66 > 64: two tile rows
    const prompts = [[3, 1, 4, 1, 5], [9, 2]];
    const opts: GenerateOptions = { maxNewTokens: 2, greedy: true, stopTokenIds: [] };
    const want = await new CpuBackend(w).generate(prompts, opts);
    expect((await gpu.generate(prompts, opts)).map((r) => r.tokens)).toEqual(want.map((r) => r.tokens));
  });

  it('budget edges: 0 and 1 new tokens, and the max_position_embeddings stop, as the CPU backend', async () => {
    const w = await tinyWeights({ architecture: 'qwen2', seed: 17 }, { max_position_embeddings: 40 });
    const cpu = new CpuBackend(w);
    const gpu = await gpuOf(w, { maxBatch: 4, chunkTokens: 16 });
    const long = Array.from({ length: 37 }, (_, i) => (i * 31) % 300); // 3 positions left: stops at 'length'
    for (const [maxNewTokens, prompts] of [[0, [[4, 5, 6], [7]]], [1, [[4, 5, 6], [7]]], [6, [long, [4, 5, 6]]]] as const) {
      const opts: GenerateOptions = { maxNewTokens, greedy: true, stopTokenIds: [] };
      const want = await cpu.generate(prompts.map((p) => [...p]), opts);
      const got = await gpu.generate(prompts.map((p) => [...p]), opts);
      expect(got.map((r) => [r.tokens, r.finishReason]), `maxNewTokens ${maxNewTokens}`).toEqual(want.map((r) => [r.tokens, r.finishReason]));
      if (maxNewTokens === 6) expect(got[0]!.tokens.length).toBe(4); // 37 prompt + 3 fed new tokens fill the 40 positions
    }
  });

  it('rejects bad input clearly', async () => {
    const w = await tinyWeights({ architecture: 'qwen2' });
    const gpu = await gpuOf(w);
    await expect(gpu.logits([1, 300])).rejects.toThrow(/token 1 has id 300, outside the vocabulary \[0, 300\)/);
    await expect(gpu.generate([[]], { maxNewTokens: 2 })).rejects.toThrow(/prompt 0: no tokens/);
    await expect(gpu.generate([[1]], { maxNewTokens: 2, topP: 0 })).rejects.toThrow(/topP/);
  });

  it('device loss surfaces as an error, not a hang', async () => {
    const own = await acquireGpu();
    const w = await tinyWeights({ architecture: 'qwen2' });
    const gpu = await createGpuBackend(w, { gpu: own });
    own.destroy();
    await expect(gpu.logits([1, 2, 3])).rejects.toThrow(/device was lost/i);
  });
});
