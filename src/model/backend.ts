// InferenceBackend: what the CLI, the studio and the trainer call to run a policy, whatever the device.
//
// INTERFACE (stable; the WebGPU engine in src/model/gpu/engine.ts implements it):
//   interface InferenceBackend {
//     readonly config: ModelConfig; readonly device: DeviceKind;
//     logits(tokens: number[], embeddings?): Promise<Float32Array[]>   // full-sequence forward, no cache; one row (V) per token
//     generate(prompts: number[][], opts: GenerateOptions): Promise<GenerateResult[]>   // KV-cache decode, batched
//     dispose(): void }
//   createBackend(weights: ModelWeights, device: DeviceKind, options?: BackendOptions): Promise<InferenceBackend>
//   loadGpuEngine(specifier?): Promise<{ createGpuBackend }>   (clear error when the engine is absent)
//   src/model/gpu/engine.ts must export: createGpuBackend(weights: ModelWeights, options?: BackendOptions): Promise<InferenceBackend>
//
// Generation semantics every backend must follow (so CPU and GPU agree token for token; see sampling.ts):
// - sequence b of a call samples step s with the uniform `samplingUniform(seed, b, s)` (u32 hash, WGSL-portable);
// - temperature → top-k → top-p → inverse-CDF pick in vocabulary order (sampling.ts `sampleFromLogits`);
// - logprob = log softmax(logits / T)[token] before top-k/top-p truncation (T = 1 when greedy);
// - a sequence stops after emitting a stop token (eos ids from the config unless `stopTokenIds` is given)
//   or once its decoded text contains a stop string; that last token IS included in `tokens`;
// - each sequence keeps its own stop state; finished sequences take no further steps.
import type { ModelConfig } from './config.ts';
import type { ModelWeights } from './weights.ts';

export type DeviceKind = 'cpu' | 'webgpu';
export type FinishReason = 'stop_token' | 'stop_string' | 'length';

export interface GenerateOptions {
  maxNewTokens: number;
  /** Argmax decoding (ignores temperature/topK/topP). Default when temperature is 0. */
  greedy?: boolean;
  temperature?: number;
  /** Keep the k most probable tokens (0 or undefined: all). */
  topK?: number;
  /** Nucleus: keep the most probable tokens whose mass reaches p (1 or undefined: all). */
  topP?: number;
  seed?: number;
  /** Default: the config's eos ids. Pass [] to disable stop tokens. */
  stopTokenIds?: number[];
  stopStrings?: string[];
  /** Needed when stopStrings is non-empty: decodes a sequence's new tokens to text. */
  decode?: (tokens: number[]) => string;
  /**
   * Per prompt (aligned with `prompts`; null for a text-only prompt): rows that replace the prompt's
   * token embeddings — speech turns, whose projected audio tokens sit at the audio markers.
   * Both backends splice them during prefill (the KV cache then holds them).
   */
  promptEmbeddings?: readonly (EmbeddingRows | null | undefined)[];
}

/** Replacement input embeddings: row i (hiddenSize values, row-major) goes at `positions[i]`. */
export interface EmbeddingRows {
  positions: readonly number[];
  rows: ArrayLike<number>;
}

/** Clear errors for rows that do not fit a sequence of `length` positions of width `D`. */
export function checkEmbeddingRows(e: EmbeddingRows, length: number, D: number, what: string): void {
  const seen = new Set<number>();
  e.positions.forEach((p, i) => {
    if (!Number.isInteger(p) || p < 0 || p >= length) throw new Error(`${what}: embedding row ${i} targets position ${p}, outside the ${length} positions`);
    if (seen.has(p)) throw new Error(`${what}: position ${p} is replaced twice`);
    seen.add(p);
  });
  if (e.rows.length !== e.positions.length * D) {
    throw new Error(`${what}: ${e.positions.length} replaced positions need ${e.positions.length * D} values (hidden size ${D}), got ${e.rows.length}`);
  }
  for (let i = 0; i < e.rows.length; i++) if (!Number.isFinite(e.rows[i])) throw new Error(`${what}: embedding rows hold a non-finite value at ${i}`);
}

/** Overwrites rows of x (length × D) in place. */
export function applyEmbeddingRows(x: Float64Array | Float32Array, e: EmbeddingRows, D: number): void {
  e.positions.forEach((p, i) => {
    for (let d = 0; d < D; d++) x[p * D + d] = e.rows[i * D + d]!;
  });
}

export interface GenerateResult {
  /** Only the new tokens (the stop token included when one ended the sequence). */
  tokens: number[];
  /** One per new token: log-probability of that token under the (temperature-scaled) model distribution. */
  logprobs: number[];
  finishReason: FinishReason;
}

export interface InferenceBackend {
  readonly config: ModelConfig;
  readonly device: DeviceKind;
  /** `embeddings` replaces rows of the token embeddings (speech turns). */
  logits(tokens: number[], embeddings?: EmbeddingRows | null): Promise<Float32Array[]>;
  generate(prompts: number[][], opts: GenerateOptions): Promise<GenerateResult[]>;
  dispose(): void;
}

export interface BackendOptions {
  /** WebGPU backend: Dawn instance options in Node (e.g. ['backend=vulkan']). */
  dawnOptions?: string[];
  forceFallbackAdapter?: boolean;
  /** WebGPU backend: maximum total tokens (prompt + new) per sequence, sizes the KV cache. */
  maxSequenceLength?: number;
}

type GpuEngineModule = { createGpuBackend: (w: ModelWeights, o?: BackendOptions) => Promise<InferenceBackend> };

/** Loads the WebGPU engine module lazily (the CPU path never pays for it); a clear error, never an
 * import-time crash, when it cannot be loaded. `specifier` exists for tests of that error path. */
export async function loadGpuEngine(specifier?: string): Promise<GpuEngineModule> {
  let mod: Partial<GpuEngineModule>;
  try {
    // A literal import when no specifier is given, so Vite bundles the engine into the studio.
    mod = specifier === undefined ? await import('./gpu/engine.ts') : await import(/* @vite-ignore */ specifier);
  } catch (e) {
    throw new Error(`--device webgpu is not available: the WebGPU engine (${specifier}) could not be loaded (${(e as Error).message})`);
  }
  if (typeof mod.createGpuBackend !== 'function') {
    throw new Error(`--device webgpu is not available: ${specifier} does not export createGpuBackend()`);
  }
  return mod as GpuEngineModule;
}

export async function createBackend(
  weights: ModelWeights,
  device: DeviceKind,
  options: BackendOptions = {},
): Promise<InferenceBackend> {
  if (device === 'cpu') {
    const { CpuBackend } = await import('./cpu/backend.ts');
    return new CpuBackend(weights, options);
  }
  if (device === 'webgpu') return (await loadGpuEngine()).createGpuBackend(weights, options);
  throw new Error(`unknown device "${String(device)}" (expected cpu or webgpu)`);
}
