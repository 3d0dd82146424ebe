import { describe, expect, it } from 'vitest';
import { createBackend, loadGpuEngine } from '../../../src/model/backend.ts';
import { CpuBackend } from '../../../src/model/cpu/backend.ts';
import { CpuTransformer } from '../../../src/model/cpu/forward.ts';
import { linear } from '../../../src/model/cpu/linear.ts';
import { parseSafetensors, writeSafetensors } from '../../../src/model/safetensors.ts';
import { argmax, logSoftmax } from '../../../src/model/sampling.ts';
import { tinyConfig, tinyTensors, type TinyModelOptions } from '../../../src/model/tiny.ts';
import { createModelWeights, type ModelWeights } from '../../../src/model/weights.ts';
import { compare, randomArray } from '../../../src/reference/compare.ts';
import { matmulABt } from '../../../src/reference/matmul.ts';
import { sequenceLogprobs } from '../../../src/train/cpu/model.ts';
import { trainModelFromWeights } from '../../../src/train/cpu/params.ts';

function tinyWeights(o: TinyModelOptions): ModelWeights {
  const config = tinyConfig(o);
  const tensors = parseSafetensors(writeSafetensors(tinyTensors(config, o.dtype ?? 'F32', o.seed ?? 1234))).tensors;
  return createModelWeights(config, tensors, `tiny-${o.architecture}`);
}

const variants: TinyModelOptions[] = [
  { architecture: 'qwen2' }, // f32, untied lm_head, q/k/v biases, head_dim = 16
  { architecture: 'qwen3', dtype: 'BF16' }, // tied, q/k norms, head_dim 24 ≠ 64/4
];
const prompt = [5, 17, 3, 250, 42, 99, 7];

describe('CPU linear', () => {
  it('equals the matmulABt reference (odd sizes, with and without bias)', () => {
    for (const [T, N, K] of [[1, 7, 13], [5, 3, 4], [3, 11, 1]] as const) {
      const x = Float64Array.from(randomArray(T * K, T + N));
      const w = randomArray(N * K, K);
      const b = randomArray(N, 9);
      expect(compare(linear(x, w, T, N, K), matmulABt(x, w, T, N, K), 1e-14).ok).toBe(true);
      expect(compare(linear(x, w, T, N, K, b), matmulABt(x, w, T, N, K, b), 1e-14).ok).toBe(true);
    }
    expect(() => linear(new Float64Array(3), new Float32Array(4), 1, 2, 2)).toThrow(/x has 3 values, expected 1×2/);
  });
});

describe.each(variants)('CPU forward ($architecture $dtype)', (o) => {
  const weights = tinyWeights(o);
  const model = new CpuTransformer(weights);

  it('decode with the KV cache equals the full-sequence forward, position by position', () => {
    const full = model.forward(prompt, null, 'all');
    expect(full).toHaveLength(prompt.length);
    const cache = model.newCache();
    const pre = model.forward(prompt.slice(0, 3), cache, 'all');
    for (let t = 0; t < 3; t++) expect(compare(pre[t]!, full[t]!, 1e-12).ok).toBe(true);
    for (let t = 3; t < prompt.length; t++) {
      const [row] = model.forward([prompt[t]!], cache, 'last');
      const c = compare(row!, full[t]!, 1e-12);
      expect(c.ok, `position ${t}: rel ${c.relError}`).toBe(true);
    }
    expect(cache.length).toBe(prompt.length);
    // The logits really depend on the context (a broken cache could not pass the loop above by accident).
    expect(compare(model.forward([prompt[6]!], null, 'last')[0]!, full[6]!, 1e-3).ok).toBe(false);
  });

  it('agrees with the trainer’s independent teacher-forced forward on next-token log-probs', () => {
    const { logprobs } = sequenceLogprobs(trainModelFromWeights(weights), null, [{ tokens: prompt }]);
    const full = model.forward(prompt, null, 'all');
    const mine = prompt.slice(1).map((tok, t) => logSoftmax(full[t]!)[tok]!);
    expect(compare(mine, logprobs[0]!, 1e-9).ok).toBe(true);
  });

  it('greedy generate (cache path) follows the argmax of full-sequence forwards and reports log-probs', async () => {
    const backend = await createBackend(weights, 'cpu');
    const [r] = await backend.generate([prompt.slice(0, 3)], { maxNewTokens: 6, greedy: true, stopTokenIds: [] });
    expect(r!.finishReason).toBe('length');
    const seq = prompt.slice(0, 3);
    for (let i = 0; i < 6; i++) {
      const last = model.forward(seq, null, 'last')[0]!;
      const tok = argmax(last);
      expect(r!.tokens[i]).toBe(tok);
      expect(r!.logprobs[i]).toBeCloseTo(logSoftmax(last)[tok]!, 9);
      seq.push(tok);
    }
  });
});

describe('CPU backend', () => {
  const weights = tinyWeights({ architecture: 'qwen2', dtype: 'F16' });
  const backend = new CpuBackend(weights);

  it('f16 weights give logits within 1e-2 of the f32 model', async () => {
    const f32 = new CpuBackend(tinyWeights({ architecture: 'qwen2' }));
    const a = await backend.logits(prompt);
    const b = await f32.logits(prompt);
    for (let t = 0; t < prompt.length; t++) {
      const c = compare(a[t]!, b[t]!, 1e-2);
      expect(c.ok, `rel ${c.relError}`).toBe(true);
    }
    expect(a[0]).toBeInstanceOf(Float32Array);
    expect(a[0]).toHaveLength(300);
  });

  it('batched sequences of different lengths each match their own run, with their own stop conditions', async () => {
    const prompts = [[5, 17, 3], [9], [1, 2, 3, 4, 5, 6]];
    const solo = await Promise.all(prompts.map((p) => backend.generate([p], { maxNewTokens: 5, greedy: true, stopTokenIds: [] })));
    const batch = await backend.generate(prompts, { maxNewTokens: 5, greedy: true, stopTokenIds: [] });
    expect(batch.map((r) => r.tokens)).toEqual(solo.map((r) => r[0]!.tokens));
    // Stop on a token sequence 0 emits: each sequence finishes at its own first occurrence (token included).
    const stopTok = batch[0]!.tokens[2]!;
    const stopped = await backend.generate(prompts, { maxNewTokens: 5, greedy: true, stopTokenIds: [stopTok] });
    for (let b = 0; b < 3; b++) {
      const cut = batch[b]!.tokens.indexOf(stopTok);
      expect(stopped[b]!.tokens).toEqual(cut < 0 ? batch[b]!.tokens : batch[b]!.tokens.slice(0, cut + 1));
      expect(stopped[b]!.finishReason).toBe(cut < 0 ? 'length' : 'stop_token');
      expect(stopped[b]!.logprobs).toHaveLength(stopped[b]!.tokens.length);
    }
    expect(stopped[0]!.finishReason).toBe('stop_token');
    expect(new Set(stopped.map((r) => r.tokens.length)).size).toBeGreaterThan(1);
  });

  it('stops on a stop string through the decode function, and on the config eos by default', async () => {
    const [free] = await backend.generate([[5, 17, 3]], { maxNewTokens: 5, greedy: true, stopTokenIds: [] });
    const decode = (ids: number[]) => ids.map((i) => `<${i}>`).join('');
    const target = `<${free!.tokens[1]}>`;
    const [s] = await backend.generate([[5, 17, 3]], { maxNewTokens: 5, greedy: true, stopTokenIds: [], stopStrings: [target], decode });
    expect(s!.finishReason).toBe('stop_string');
    expect(s!.tokens).toEqual(free!.tokens.slice(0, free!.tokens.indexOf(free!.tokens[1]!) + 1));
    const eosWeights = tinyWeights({ architecture: 'qwen2', dtype: 'F16', eosTokenIds: [free!.tokens[0]!] });
    const [e] = await new CpuBackend(eosWeights).generate([[5, 17, 3]], { maxNewTokens: 5, greedy: true });
    expect(e).toMatchObject({ tokens: [free!.tokens[0]], finishReason: 'stop_token' });
    await expect(backend.generate([[1]], { maxNewTokens: 2, stopStrings: ['x'] })).rejects.toThrow(/decode function/);
  });

  it('sampling is reproducible per seed and differs across seeds', async () => {
    const opts = { maxNewTokens: 8, temperature: 1.5, topK: 50, topP: 0.95, stopTokenIds: [] };
    const a = await backend.generate([[5, 17, 3], [5, 17, 3]], { ...opts, seed: 7 });
    const b = await backend.generate([[5, 17, 3], [5, 17, 3]], { ...opts, seed: 7 });
    const c = await backend.generate([[5, 17, 3]], { ...opts, seed: 8 });
    expect(a).toEqual(b);
    expect(a[0]!.tokens).not.toEqual(a[1]!.tokens); // same prompt, different sequence index → own stream
    expect(c[0]!.tokens).not.toEqual(a[0]!.tokens);
    expect(a[0]!.logprobs.every((l) => l < 0 && Number.isFinite(l))).toBe(true);
  });

  it('rejects bad tokens and options with clear errors', async () => {
    await expect(backend.logits([1, 300])).rejects.toThrow(/token 1 \(300\) is outside the vocabulary \[0, 300\)/);
    await expect(backend.logits([])).rejects.toThrow(/no tokens/);
    await expect(backend.generate([[1]], { maxNewTokens: 2, topP: 0 })).rejects.toThrow(/topP/);
    await expect(backend.generate([[1]], { maxNewTokens: -1 })).rejects.toThrow(/maxNewTokens/);
    await expect(createBackend(weights, 'tpu' as 'cpu')).rejects.toThrow(/unknown device "tpu"/);
    // Without the GPU engine module, --device webgpu is a clear error, not an import-time crash.
    await expect(loadGpuEngine('./gpu/no-such-engine.ts')).rejects.toThrow(/--device webgpu is not available: the WebGPU engine \(.\/gpu\/no-such-engine.ts\) could not be loaded/);
    await expect(loadGpuEngine('./config.ts')).rejects.toThrow(/does not export createGpuBackend/);
  });
});
