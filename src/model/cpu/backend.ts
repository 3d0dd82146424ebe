// The CPU InferenceBackend (`--device cpu`): the float64 reference forward pass, a KV cache per
// sequence, and the shared sampling/stop rules (sampling.ts, stopping.ts), so its generations are the
// ones the WebGPU engine must reproduce.
import { checkEmbeddingRows, type BackendOptions, type EmbeddingRows, type GenerateOptions, type GenerateResult, type InferenceBackend } from '../backend.ts';
import type { ModelConfig } from '../config.ts';
import { resolveSampling, sampleFromLogits, samplingUniform } from '../sampling.ts';
import { StopChecker } from '../stopping.ts';
import type { ModelWeights } from '../weights.ts';
import { CpuTransformer } from './forward.ts';
import { PrefixCache } from './prefix-cache.ts';

function checkTokens(tokens: number[], vocab: number, what: string): void {
  if (tokens.length === 0) throw new Error(`${what}: no tokens`);
  tokens.forEach((t, i) => {
    if (!Number.isInteger(t) || t < 0 || t >= vocab) throw new Error(`${what}: token ${i} (${t}) is outside the vocabulary [0, ${vocab})`);
  });
}

/** The rows at or after `start`, re-indexed from it (the part of the prompt still to run). */
function shiftRows(e: EmbeddingRows | null, start: number, D: number): EmbeddingRows | null {
  if (!e || start === 0) return e;
  const keep = e.positions.map((p, i) => [p, i] as const).filter(([p]) => p >= start);
  if (!keep.length) return null;
  const rows = new Float64Array(keep.length * D);
  keep.forEach(([, i], j) => {
    for (let d = 0; d < D; d++) rows[j * D + d] = e.rows[i * D + d]!;
  });
  return { positions: keep.map(([p]) => p - start), rows };
}

export class CpuBackend implements InferenceBackend {
  readonly device = 'cpu' as const;
  readonly config: ModelConfig;
  private readonly model: CpuTransformer;
  /** K/V of recent sequences, reused for prompts that extend them (multi-turn episodes). */
  private readonly prefixes: PrefixCache;
  /** Prompt tokens taken from the prefix cache vs run through the model, over this backend's life. */
  readonly promptStats = { reused: 0, computed: 0 };

  constructor(weights: ModelWeights, _options: BackendOptions = {}) {
    this.model = new CpuTransformer(weights);
    this.config = weights.config;
    this.prefixes = new PrefixCache(weights.config.hiddenSize);
  }

  async logits(tokens: number[], embeddings?: EmbeddingRows | null): Promise<Float32Array[]> {
    checkTokens(tokens, this.config.vocabSize, 'logits');
    return this.model.forward(tokens, null, 'all', embeddings).map((r) => Float32Array.from(r));
  }

  async generate(prompts: number[][], opts: GenerateOptions): Promise<GenerateResult[]> {
    const params = resolveSampling(opts);
    if (opts.promptEmbeddings && opts.promptEmbeddings.length !== prompts.length) {
      throw new Error(`generate: ${prompts.length} prompts but ${opts.promptEmbeddings.length} promptEmbeddings entries`);
    }
    const results: GenerateResult[] = [];
    // Sequences are independent (their own cache, stop state and random stream), so running them one
    // after another gives exactly what advancing them together would.
    for (let b = 0; b < prompts.length; b++) {
      const prompt = prompts[b]!;
      checkTokens(prompt, this.config.vocabSize, `generate: prompt ${b}`);
      if (prompt.length > this.config.maxPositionEmbeddings) {
        throw new Error(`generate: prompt ${b} has ${prompt.length} tokens, over max_position_embeddings ${this.config.maxPositionEmbeddings}`);
      }
      const stop = new StopChecker(opts, this.config.eosTokenIds);
      const logprobs: number[] = [];
      const spliced = opts.promptEmbeddings?.[b] ?? null;
      if (spliced) checkEmbeddingRows(spliced, prompt.length, this.config.hiddenSize, `generate: prompt ${b}`);
      const cache = this.prefixes.take(prompt, spliced, () => this.model.newCache());
      let next = prompt.slice(cache.length);
      this.promptStats.reused += cache.length;
      this.promptStats.computed += next.length;
      for (let step = 0; !stop.done; step++) {
        if (cache.length + next.length > this.config.maxPositionEmbeddings) {
          stop.finishReason = 'length';
          break;
        }
        const [row] = this.model.forward(next, cache, 'last', step === 0 ? shiftRows(spliced, cache.length, this.config.hiddenSize) : null);
        const { token, logprob } = sampleFromLogits(row!, params, samplingUniform(params.seed, b, step));
        logprobs.push(logprob);
        stop.push(token);
        next = [token];
      }
      this.prefixes.put([...prompt, ...stop.tokens], spliced, cache);
      results.push({ tokens: [...stop.tokens], logprobs, finishReason: stop.finishReason ?? 'length' });
    }
    return results;
  }

  dispose(): void {}
}
