// ModelWeights: a validated set of HF-named tensors plus the config they belong to. Browser-safe.
//
// INTERFACE (stable; backends and the trainer read weights only through it):
//   interface ModelSource { name; has(file): Promise<boolean>; readText(file): Promise<string>; readBytes(file): Promise<Uint8Array> }
//   loadModelWeights(source: ModelSource): Promise<ModelWeights>    // config.json + model.safetensors | sharded index
//   createModelWeights(config, tensors: Map<string, SafeTensor>, sourceName?): ModelWeights   // validates
//   expectedTensorShapes(config): Map<string, number[]>              // every tensor the forward pass reads
//   interface ModelWeights { config; source; names(); has(n); raw(n); shape(n); dtype(n);
//     tensor(n): Float32Array; tensorF16(n): Uint16Array; lmHeadName; byteSize }
//   layerName(layer, suffix) e.g. layerName(0, 'self_attn.q_proj.weight') = 'model.layers.0.self_attn.q_proj.weight'
//   estimateMemory(config, bytesPerWeight, maxTokens?): { weightBytes, kvBytesPerToken, kvBytes, totalBytes }
//
// HF layout (nn.Linear weights are [out, in], row-major):
//   model.embed_tokens.weight [V, H]; per layer model.layers.N.: input_layernorm.weight [H],
//   self_attn.{q,k,v}_proj.weight [nH·d | nKV·d, H] (+ .bias for Qwen2), self_attn.o_proj.weight [H, nH·d],
//   self_attn.{q,k}_norm.weight [d] (Qwen3), post_attention_layernorm.weight [H],
//   mlp.{gate,up}_proj.weight [I, H], mlp.down_proj.weight [H, I]; model.norm.weight [H];
//   lm_head.weight [V, H] unless tie_word_embeddings (then the embedding is the LM head).
import { parseModelConfig, type ModelConfig } from './config.ts';
import {
  parseSafetensors,
  parseShardIndex,
  shapeSize,
  tensorToF16Bits,
  tensorToFloat32,
  WEIGHT_DTYPES,
  type SafeTensor,
  type SafetensorsDtype,
} from './safetensors.ts';

export interface ModelSource {
  /** Shown in errors: a directory path, a base URL, or "dropped folder". */
  readonly name: string;
  has(file: string): Promise<boolean>;
  readText(file: string): Promise<string>;
  readBytes(file: string): Promise<Uint8Array>;
}

export interface ModelWeights {
  readonly config: ModelConfig;
  readonly source: string;
  /** The tensor the LM head multiplies by: 'lm_head.weight', or 'model.embed_tokens.weight' when tied. */
  readonly lmHeadName: string;
  /** Bytes of the validated tensors as stored. */
  readonly byteSize: number;
  names(): string[];
  has(name: string): boolean;
  raw(name: string): SafeTensor;
  shape(name: string): number[];
  dtype(name: string): SafetensorsDtype;
  /** A fresh float32 copy. */
  tensor(name: string): Float32Array;
  /** A fresh copy as IEEE half bits. */
  tensorF16(name: string): Uint16Array;
}

export class ModelWeightsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelWeightsError';
  }
}

export function layerName(layer: number, suffix: string): string {
  return `model.layers.${layer}.${suffix}`;
}

export function expectedTensorShapes(c: ModelConfig): Map<string, number[]> {
  const H = c.hiddenSize;
  const q = c.numHeads * c.headDim;
  const kv = c.numKvHeads * c.headDim;
  const m = new Map<string, number[]>();
  m.set('model.embed_tokens.weight', [c.vocabSize, H]);
  for (let l = 0; l < c.numLayers; l++) {
    const n = (s: string, shape: number[]) => m.set(layerName(l, s), shape);
    n('input_layernorm.weight', [H]);
    n('self_attn.q_proj.weight', [q, H]);
    n('self_attn.k_proj.weight', [kv, H]);
    n('self_attn.v_proj.weight', [kv, H]);
    if (c.attentionBias) {
      n('self_attn.q_proj.bias', [q]);
      n('self_attn.k_proj.bias', [kv]);
      n('self_attn.v_proj.bias', [kv]);
    }
    if (c.qkNorm) {
      n('self_attn.q_norm.weight', [c.headDim]);
      n('self_attn.k_norm.weight', [c.headDim]);
    }
    n('self_attn.o_proj.weight', [H, q]);
    n('post_attention_layernorm.weight', [H]);
    n('mlp.gate_proj.weight', [c.intermediateSize, H]);
    n('mlp.up_proj.weight', [c.intermediateSize, H]);
    n('mlp.down_proj.weight', [H, c.intermediateSize]);
  }
  m.set('model.norm.weight', [H]);
  if (!c.tieWordEmbeddings) m.set('lm_head.weight', [c.vocabSize, H]);
  return m;
}

/** Validates presence, shape and dtype of every tensor the forward pass reads; extra tensors are ignored. */
export function createModelWeights(config: ModelConfig, tensors: Map<string, SafeTensor>, sourceName = 'model'): ModelWeights {
  const expected = expectedTensorShapes(config);
  const missing: string[] = [];
  for (const [name, shape] of expected) {
    const t = tensors.get(name);
    if (!t) {
      missing.push(name);
      continue;
    }
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new ModelWeightsError(
        `${sourceName}: tensor "${name}" has shape [${t.shape.join(', ')}], expected [${shape.join(', ')}] from config.json`,
      );
    }
    if (!WEIGHT_DTYPES.includes(t.dtype)) {
      throw new ModelWeightsError(`${sourceName}: tensor "${name}" has unsupported dtype ${t.dtype} (supported: ${WEIGHT_DTYPES.join(', ')})`);
    }
  }
  if (missing.length) {
    const more = missing.length > 5 ? ` and ${missing.length - 5} more` : '';
    throw new ModelWeightsError(`${sourceName}: missing tensor${missing.length > 1 ? 's' : ''} ${missing.slice(0, 5).map((n) => `"${n}"`).join(', ')}${more}`);
  }
  const kept = new Map([...expected.keys()].map((n) => [n, tensors.get(n)!] as const));
  const byteSize = [...kept.values()].reduce((s, t) => s + t.data.byteLength, 0);
  const get = (name: string): SafeTensor => {
    const t = kept.get(name);
    if (!t) throw new ModelWeightsError(`${sourceName}: no tensor "${name}" in this model`);
    return t;
  };
  return {
    config,
    source: sourceName,
    lmHeadName: config.tieWordEmbeddings ? 'model.embed_tokens.weight' : 'lm_head.weight',
    byteSize,
    names: () => [...kept.keys()],
    has: (name) => kept.has(name),
    raw: get,
    shape: (name) => [...get(name).shape],
    dtype: (name) => get(name).dtype,
    tensor: (name) => tensorToFloat32(get(name), name),
    tensorF16: (name) => tensorToF16Bits(get(name), name),
  };
}

/** Reads config.json and the weights (single file, or shards listed by model.safetensors.index.json). */
export async function loadModelWeights(source: ModelSource): Promise<ModelWeights> {
  if (!(await source.has('config.json'))) throw new ModelWeightsError(`${source.name}: no config.json`);
  let json: unknown;
  try {
    json = JSON.parse(await source.readText('config.json'));
  } catch (e) {
    throw new ModelWeightsError(`${source.name}/config.json: not valid JSON (${(e as Error).message})`);
  }
  const config = parseModelConfig(json, `${source.name}/config.json`);
  // HF generate() stops on generation_config.json's eos ids when the file exists (Instruct models list
  // both <|im_end|> and <|endoftext|> there), so they take precedence over config.json's.
  if (await source.has('generation_config.json')) {
    const file = `${source.name}/generation_config.json`;
    let gen: { eos_token_id?: unknown };
    try {
      gen = JSON.parse(await source.readText('generation_config.json')) as { eos_token_id?: unknown };
    } catch (e) {
      throw new ModelWeightsError(`${file}: not valid JSON (${(e as Error).message})`);
    }
    const eos = gen.eos_token_id;
    if (eos !== undefined && eos !== null) {
      const ids = Array.isArray(eos) ? eos : [eos];
      if (!ids.every((x) => Number.isInteger(x) && x >= 0)) throw new ModelWeightsError(`${file}: "eos_token_id" must be a token id or a list of ids`);
      config.eosTokenIds = ids as number[];
    }
  }
  const tensors = new Map<string, SafeTensor>();
  let files: string[];
  if (await source.has('model.safetensors.index.json')) {
    const indexFile = `${source.name}/model.safetensors.index.json`;
    const index = parseShardIndex(JSON.parse(await source.readText('model.safetensors.index.json')), indexFile);
    files = index.files;
    for (const f of files) {
      const parsed = parseSafetensors(await source.readBytes(f), `${source.name}/${f}`);
      for (const [name, t] of parsed.tensors) {
        if (index.weightMap[name] === f) tensors.set(name, t);
      }
    }
    for (const [name, f] of Object.entries(index.weightMap)) {
      if (!tensors.has(name)) throw new ModelWeightsError(`${indexFile}: tensor "${name}" is listed in ${f} but that shard does not contain it`);
    }
  } else if (await source.has('model.safetensors')) {
    files = ['model.safetensors'];
    for (const [name, t] of parseSafetensors(await source.readBytes('model.safetensors'), `${source.name}/model.safetensors`).tensors) tensors.set(name, t);
  } else {
    throw new ModelWeightsError(`${source.name}: neither model.safetensors nor model.safetensors.index.json found`);
  }
  return createModelWeights(config, tensors, source.name);
}

export interface MemoryEstimate {
  weightBytes: number;
  /** K and V for every layer, one token, one sequence. */
  kvBytesPerToken: number;
  kvBytes: number;
  totalBytes: number;
}

/** Device memory for the weights at `bytesPerWeight` (2 for f16, 4 for f32) plus a KV cache of `maxTokens`. */
export function estimateMemory(c: ModelConfig, bytesPerWeight: number, maxTokens = 0, kvBytesPerValue = 4): MemoryEstimate {
  let params = 0;
  for (const shape of expectedTensorShapes(c).values()) params += shapeSize(shape);
  const weightBytes = params * bytesPerWeight;
  const kvBytesPerToken = 2 * c.numLayers * c.numKvHeads * c.headDim * kvBytesPerValue;
  const kvBytes = kvBytesPerToken * maxTokens;
  return { weightBytes, kvBytesPerToken, kvBytes, totalBytes: weightBytes + kvBytes };
}
