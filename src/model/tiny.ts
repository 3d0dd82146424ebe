// Tiny random Qwen2 / Qwen3 models in Hugging Face layout, for tests and fixtures (browser-safe: it
// returns file contents; `writeModelFiles` in load-node.ts puts them in a directory).
// Defaults: hidden 64, 2 layers, 4 heads, 2 KV heads, intermediate 128, vocab 300; Qwen3 uses head_dim 24
// (≠ 64 / 4) and tied embeddings, Qwen2 an untied lm_head and q/k/v biases.
import { toHfConfigJson, type Architecture, type ModelConfig } from './config.ts';
import { rng } from '../reference/compare.ts';
import { float32ToBf16Bits, float32ToF16Bits, writeSafetensors, type SafeTensorInput } from './safetensors.ts';
import { expectedTensorShapes } from './weights.ts';

export type TinyDtype = 'F32' | 'F16' | 'BF16';

export interface TinyModelOptions {
  architecture: Architecture;
  dtype?: TinyDtype;
  seed?: number;
  hiddenSize?: number;
  numLayers?: number;
  numHeads?: number;
  numKvHeads?: number;
  headDim?: number;
  intermediateSize?: number;
  vocabSize?: number;
  tieWordEmbeddings?: boolean;
  ropeTheta?: number;
  eosTokenIds?: number[];
  /** '5.x' writes `dtype` and `rope_parameters` instead of `torch_dtype` and top-level `rope_theta`. */
  configStyle?: '4.x' | '5.x';
  /** Split the tensors over this many shards with a model.safetensors.index.json (default 1: one file). */
  shards?: number;
}

export function tinyConfig(o: TinyModelOptions): ModelConfig {
  const qwen3 = o.architecture === 'qwen3';
  const dtype = o.dtype ?? 'F32';
  return {
    architecture: o.architecture,
    hiddenSize: o.hiddenSize ?? 64,
    intermediateSize: o.intermediateSize ?? 128,
    numLayers: o.numLayers ?? 2,
    numHeads: o.numHeads ?? 4,
    numKvHeads: o.numKvHeads ?? 2,
    headDim: o.headDim ?? (qwen3 ? 24 : (o.hiddenSize ?? 64) / (o.numHeads ?? 4)),
    vocabSize: o.vocabSize ?? 300,
    rmsNormEps: 1e-6,
    ropeTheta: o.ropeTheta ?? (qwen3 ? 1_000_000 : 10_000),
    tieWordEmbeddings: o.tieWordEmbeddings ?? qwen3,
    attentionBias: !qwen3,
    qkNorm: qwen3,
    maxPositionEmbeddings: 512,
    eosTokenIds: o.eosTokenIds ?? [(o.vocabSize ?? 300) - 1],
    bosTokenId: null,
    dtype: dtype === 'F32' ? 'float32' : dtype === 'F16' ? 'float16' : 'bfloat16',
  };
}

function encode(values: Float32Array, dtype: TinyDtype): Float32Array | Uint16Array {
  if (dtype === 'F32') return values;
  const conv = dtype === 'F16' ? float32ToF16Bits : float32ToBf16Bits;
  // A plain loop: TypedArray.from goes through an iterator that cannot hold a 136M-entry embedding.
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = conv(values[i]!);
  return out;
}

/** Random tensors: matrices uniform ±sqrt(3/in) (unit-variance outputs), norms 1 ± 0.2, biases ±0.1. */
export function tinyTensors(config: ModelConfig, dtype: TinyDtype, seed: number): Map<string, SafeTensorInput> {
  const r = rng(seed);
  const out = new Map<string, SafeTensorInput>();
  for (const [name, shape] of expectedTensorShapes(config)) {
    const n = shape.reduce((a, b) => a * b, 1);
    const v = new Float32Array(n);
    const uni = (s: number) => (r() * 2 - 1) * s;
    if (name.endsWith('norm.weight')) for (let i = 0; i < n; i++) v[i] = 1 + uni(0.2);
    else if (name.endsWith('.bias')) for (let i = 0; i < n; i++) v[i] = uni(0.1);
    else if (name === 'model.embed_tokens.weight') for (let i = 0; i < n; i++) v[i] = uni(0.5);
    else {
      const s = Math.sqrt(3 / shape[1]!);
      for (let i = 0; i < n; i++) v[i] = uni(s);
    }
    out.set(name, { dtype, shape, data: encode(v, dtype) });
  }
  return out;
}

/** The files of a tiny model: name → contents (JSON text or safetensors bytes). */
export function buildTinyModel(o: TinyModelOptions): Map<string, string | Uint8Array> {
  const dtype = o.dtype ?? 'F32';
  const config = tinyConfig(o);
  const json = toHfConfigJson(config);
  if (o.configStyle === '5.x') {
    json.dtype = json.torch_dtype;
    delete json.torch_dtype;
    json.rope_parameters = { rope_type: 'default', rope_theta: json.rope_theta };
    delete json.rope_theta;
  }
  const files = new Map<string, string | Uint8Array>([['config.json', JSON.stringify(json, null, 2)]]);
  const tensors = tinyTensors(config, dtype, o.seed ?? 1234);
  const shards = o.shards ?? 1;
  if (shards <= 1) {
    files.set('model.safetensors', writeSafetensors(tensors, { format: 'pt' }));
    return files;
  }
  const names = [...tensors.keys()];
  const weightMap: Record<string, string> = {};
  for (let s = 0; s < shards; s++) {
    const file = `model-${String(s + 1).padStart(5, '0')}-of-${String(shards).padStart(5, '0')}.safetensors`;
    const part = new Map(names.filter((_, i) => i % shards === s).map((n) => [n, tensors.get(n)!] as const));
    for (const n of part.keys()) weightMap[n] = file;
    files.set(file, writeSafetensors(part, { format: 'pt' }));
  }
  files.set('model.safetensors.index.json', JSON.stringify({ metadata: {}, weight_map: weightMap }, null, 2));
  return files;
}
