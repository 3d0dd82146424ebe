// ModelConfig: the one normalized view of a Hugging Face `config.json` that every backend reads.
//
// INTERFACE (stable; the CPU backend, the WebGPU engine and the trainer depend on it):
//   type Architecture = 'qwen2' | 'qwen3'
//   interface ModelConfig { architecture, hiddenSize, intermediateSize, numLayers, numHeads, numKvHeads,
//     headDim, vocabSize, rmsNormEps, ropeTheta, tieWordEmbeddings, attentionBias, qkNorm,
//     maxPositionEmbeddings, eosTokenIds, bosTokenId, dtype }
//   parseModelConfig(json: unknown, source?: string): ModelConfig   — throws ModelConfigError
//   toHfConfigJson(config: ModelConfig): Record<string, unknown>     — inverse, writes transformers-4.x style
//
// Accepts both transformers 4.x and 5.x spellings: `rope_theta` at the top level or inside
// `rope_parameters` (5.x) / `rope_scaling`; `torch_dtype` (4.x) or `dtype` (5.x); `eos_token_id` as a
// number or a list. Qwen2/Qwen2.5 always carry q/k/v biases; Qwen3 has per-head q_norm/k_norm and an
// explicit `head_dim` that need not equal hidden_size / num_attention_heads.

export type Architecture = 'qwen2' | 'qwen3';
export type WeightDtype = 'float32' | 'float16' | 'bfloat16';

export interface ModelConfig {
  architecture: Architecture;
  hiddenSize: number;
  intermediateSize: number;
  numLayers: number;
  numHeads: number;
  numKvHeads: number;
  headDim: number;
  vocabSize: number;
  rmsNormEps: number;
  ropeTheta: number;
  tieWordEmbeddings: boolean;
  /** q/k/v projections have biases (Qwen2/2.5). */
  attentionBias: boolean;
  /** per-head RMSNorm on q and k before RoPE (Qwen3). */
  qkNorm: boolean;
  maxPositionEmbeddings: number;
  eosTokenIds: number[];
  bosTokenId: number | null;
  /** dtype the checkpoint declares (informational: the loader reads each tensor's own dtype). */
  dtype: WeightDtype;
}

export class ModelConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelConfigError';
  }
}

const ARCHITECTURES: Record<string, Architecture> = {
  qwen2: 'qwen2',
  Qwen2ForCausalLM: 'qwen2',
  qwen3: 'qwen3',
  Qwen3ForCausalLM: 'qwen3',
};

const DTYPES: Record<string, WeightDtype> = {
  float32: 'float32',
  float: 'float32',
  float16: 'float16',
  half: 'float16',
  bfloat16: 'bfloat16',
};

type Json = Record<string, unknown>;

function positiveInt(cfg: Json, key: string, where: string): number {
  const v = cfg[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
    throw new ModelConfigError(`${where}: "${key}" must be a positive integer (got ${JSON.stringify(v)})`);
  }
  return v;
}

function positiveNumber(v: unknown, key: string, where: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
    throw new ModelConfigError(`${where}: "${key}" must be a positive number (got ${JSON.stringify(v)})`);
  }
  return v;
}

function resolveArchitecture(cfg: Json, where: string): Architecture {
  const modelType = cfg.model_type;
  const archs = Array.isArray(cfg.architectures) ? cfg.architectures : [];
  const candidates = [modelType, ...archs].filter((x): x is string => typeof x === 'string');
  for (const c of candidates) {
    const a = ARCHITECTURES[c];
    if (a) return a;
  }
  const named = candidates.length ? candidates.map((c) => `"${c}"`).join(', ') : '(none given)';
  throw new ModelConfigError(
    `${where}: unsupported architecture ${named}; supported: qwen2 (Qwen2ForCausalLM, Qwen2.5), qwen3 (Qwen3ForCausalLM)`,
  );
}

function resolveRopeTheta(cfg: Json, where: string): number {
  // Scaled RoPE variants (yarn, linear, dynamic, llama3 ...) change the maths: refuse them wherever they sit.
  let nested: number | undefined;
  for (const key of ['rope_parameters', 'rope_scaling']) {
    const p = cfg[key];
    if (!p || typeof p !== 'object') continue;
    const params = p as Json;
    const type = params.rope_type ?? params.type ?? 'default';
    if (type !== 'default') {
      throw new ModelConfigError(`${where}: ${key}.rope_type "${String(type)}" is not supported (only "default" RoPE)`);
    }
    if (params.rope_theta !== undefined && nested === undefined) nested = positiveNumber(params.rope_theta, `${key}.rope_theta`, where);
  }
  if (cfg.rope_theta !== undefined) return positiveNumber(cfg.rope_theta, 'rope_theta', where);
  if (nested !== undefined) return nested;
  throw new ModelConfigError(`${where}: no "rope_theta" at the top level nor in "rope_parameters"`);
}

function resolveDtype(cfg: Json, where: string): WeightDtype {
  const raw = cfg.dtype ?? cfg.torch_dtype ?? 'float32';
  const d = typeof raw === 'string' ? DTYPES[raw.replace(/^torch\./, '')] : undefined;
  if (!d) throw new ModelConfigError(`${where}: unsupported dtype ${JSON.stringify(raw)} (float32, float16, bfloat16)`);
  return d;
}

function idList(v: unknown, key: string, where: string): number[] {
  if (v === undefined || v === null) return [];
  const list = Array.isArray(v) ? v : [v];
  for (const x of list) {
    if (typeof x !== 'number' || !Number.isInteger(x) || x < 0) {
      throw new ModelConfigError(`${where}: "${key}" must be a token id or a list of ids (got ${JSON.stringify(v)})`);
    }
  }
  return list as number[];
}

/** Normalizes a parsed config.json. `source` names the file in errors. */
export function parseModelConfig(json: unknown, source = 'config.json'): ModelConfig {
  if (!json || typeof json !== 'object' || Array.isArray(json)) {
    throw new ModelConfigError(`${source}: expected a JSON object`);
  }
  // transformers 5.x may nest the LM config under text_config for multimodal wrappers; plain Qwen does not.
  const cfg = json as Json;
  const architecture = resolveArchitecture(cfg, source);
  const hiddenSize = positiveInt(cfg, 'hidden_size', source);
  const numHeads = positiveInt(cfg, 'num_attention_heads', source);
  const numKvHeads = cfg.num_key_value_heads === undefined ? numHeads : positiveInt(cfg, 'num_key_value_heads', source);
  if (numHeads % numKvHeads !== 0) {
    throw new ModelConfigError(
      `${source}: num_attention_heads (${numHeads}) must be a multiple of num_key_value_heads (${numKvHeads})`,
    );
  }
  let headDim: number;
  if (cfg.head_dim !== undefined && cfg.head_dim !== null) headDim = positiveInt(cfg, 'head_dim', source);
  else {
    if (hiddenSize % numHeads !== 0) {
      throw new ModelConfigError(`${source}: hidden_size ${hiddenSize} is not divisible by num_attention_heads ${numHeads} and no head_dim is given`);
    }
    headDim = hiddenSize / numHeads;
  }
  if (headDim % 2 !== 0) throw new ModelConfigError(`${source}: head_dim ${headDim} must be even for RoPE`);
  const eps = cfg.rms_norm_eps ?? 1e-6;
  const tie = cfg.tie_word_embeddings ?? false;
  if (typeof tie !== 'boolean') throw new ModelConfigError(`${source}: "tie_word_embeddings" must be a boolean`);
  // Qwen2 always has q/k/v biases (no o_proj bias). Qwen3's `attention_bias` would add biases to q/k/v AND
  // o_proj; no released Qwen3 sets it, so it is refused rather than half-supported.
  if (architecture === 'qwen3' && cfg.attention_bias === true) {
    throw new ModelConfigError(`${source}: Qwen3 with "attention_bias": true is not supported`);
  }
  const attentionBias = architecture === 'qwen2';
  if (cfg.use_sliding_window === true) {
    throw new ModelConfigError(`${source}: "use_sliding_window": true is not supported (full causal attention only)`);
  }
  const hiddenAct = cfg.hidden_act ?? 'silu';
  if (hiddenAct !== 'silu') throw new ModelConfigError(`${source}: hidden_act "${String(hiddenAct)}" is not supported (only "silu")`);
  return {
    architecture,
    hiddenSize,
    intermediateSize: positiveInt(cfg, 'intermediate_size', source),
    numLayers: positiveInt(cfg, 'num_hidden_layers', source),
    numHeads,
    numKvHeads,
    headDim,
    vocabSize: positiveInt(cfg, 'vocab_size', source),
    rmsNormEps: positiveNumber(eps, 'rms_norm_eps', source),
    ropeTheta: resolveRopeTheta(cfg, source),
    tieWordEmbeddings: tie,
    attentionBias,
    qkNorm: architecture === 'qwen3',
    maxPositionEmbeddings: cfg.max_position_embeddings === undefined ? 32768 : positiveInt(cfg, 'max_position_embeddings', source),
    eosTokenIds: idList(cfg.eos_token_id, 'eos_token_id', source),
    bosTokenId: idList(cfg.bos_token_id, 'bos_token_id', source)[0] ?? null,
    dtype: resolveDtype(cfg, source),
  };
}

/** Writes a config.json object (transformers 4.x spelling) that parseModelConfig reads back unchanged. */
export function toHfConfigJson(c: ModelConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {
    architectures: [c.architecture === 'qwen2' ? 'Qwen2ForCausalLM' : 'Qwen3ForCausalLM'],
    model_type: c.architecture,
    hidden_size: c.hiddenSize,
    intermediate_size: c.intermediateSize,
    num_hidden_layers: c.numLayers,
    num_attention_heads: c.numHeads,
    num_key_value_heads: c.numKvHeads,
    head_dim: c.headDim,
    vocab_size: c.vocabSize,
    rms_norm_eps: c.rmsNormEps,
    rope_theta: c.ropeTheta,
    tie_word_embeddings: c.tieWordEmbeddings,
    max_position_embeddings: c.maxPositionEmbeddings,
    hidden_act: 'silu',
    torch_dtype: c.dtype,
    eos_token_id: c.eosTokenIds.length === 1 ? c.eosTokenIds[0] : c.eosTokenIds,
  };
  if (c.bosTokenId !== null) out.bos_token_id = c.bosTokenId;
  if (c.architecture === 'qwen3') out.attention_bias = false;
  return out;
}
