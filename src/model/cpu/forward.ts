// The whole Qwen2/Qwen3 forward pass on the CPU, in float64, built from the op references in
// src/reference (the same references the WGSL kernels are tested against); the projections use
// ./linear.ts, a faster loop with matmulABt's maths (tested against it).
// Weights are held as float32 (exact for f16/bf16/f32 checkpoints); activations are float64.
import type { ModelConfig } from '../config.ts';
import { layerName, type ModelWeights } from '../weights.ts';
import { causalAttention } from '../../reference/attention.ts';
import { embeddingGather } from '../../reference/embedding.ts';
import { residualAdd } from '../../reference/residual.ts';
import { rmsnorm } from '../../reference/rmsnorm.ts';
import { applyRope } from '../../reference/rope.ts';
import { swiglu } from '../../reference/swiglu.ts';
import { linear } from './linear.ts';
import { applyEmbeddingRows, checkEmbeddingRows, type EmbeddingRows } from '../backend.ts';

interface LayerWeights {
  inputNorm: Float32Array;
  q: Float32Array;
  k: Float32Array;
  v: Float32Array;
  qBias?: Float32Array;
  kBias?: Float32Array;
  vBias?: Float32Array;
  qNorm?: Float32Array;
  kNorm?: Float32Array;
  o: Float32Array;
  postNorm: Float32Array;
  gate: Float32Array;
  up: Float32Array;
  down: Float32Array;
}

/** K/V of one sequence for every layer, rows of KV × hd, grown by doubling. */
export class KvCache {
  length = 0;
  private capacity: number;
  readonly k: Float64Array[];
  readonly v: Float64Array[];
  constructor(
    private readonly numLayers: number,
    private readonly rowSize: number,
    initialCapacity = 64,
  ) {
    this.capacity = initialCapacity;
    this.k = Array.from({ length: numLayers }, () => new Float64Array(initialCapacity * rowSize));
    this.v = Array.from({ length: numLayers }, () => new Float64Array(initialCapacity * rowSize));
  }
  /** Takes the first `n` rows of another cache's K/V (this cache must be empty). */
  copyPrefix(from: KvCache, n: number): void {
    if (this.length !== 0 || n > from.length) throw new Error(`KvCache.copyPrefix: cannot take ${n} rows of ${from.length} into a cache holding ${this.length}`);
    this.reserve(n);
    for (let l = 0; l < this.numLayers; l++) {
      this.k[l]!.set(from.k[l]!.subarray(0, n * this.rowSize));
      this.v[l]!.set(from.v[l]!.subarray(0, n * this.rowSize));
    }
    this.length = n;
  }

  /** Makes room for `extra` more rows. */
  reserve(extra: number): void {
    const need = this.length + extra;
    if (need <= this.capacity) return;
    let cap = this.capacity;
    while (cap < need) cap *= 2;
    for (let l = 0; l < this.numLayers; l++) {
      const k = new Float64Array(cap * this.rowSize);
      k.set(this.k[l]!.subarray(0, this.length * this.rowSize));
      this.k[l] = k;
      const v = new Float64Array(cap * this.rowSize);
      v.set(this.v[l]!.subarray(0, this.length * this.rowSize));
      this.v[l] = v;
    }
    this.capacity = cap;
  }
}

export class CpuTransformer {
  readonly config: ModelConfig;
  private readonly embed: Float32Array;
  private readonly layers: LayerWeights[];
  private readonly finalNorm: Float32Array;
  private readonly lmHead: Float32Array;

  constructor(weights: ModelWeights) {
    const c = (this.config = weights.config);
    this.embed = weights.tensor('model.embed_tokens.weight');
    this.finalNorm = weights.tensor('model.norm.weight');
    this.lmHead = c.tieWordEmbeddings ? this.embed : weights.tensor(weights.lmHeadName);
    this.layers = [];
    for (let l = 0; l < c.numLayers; l++) {
      const t = (s: string) => weights.tensor(layerName(l, s));
      this.layers.push({
        inputNorm: t('input_layernorm.weight'),
        q: t('self_attn.q_proj.weight'),
        k: t('self_attn.k_proj.weight'),
        v: t('self_attn.v_proj.weight'),
        qBias: c.attentionBias ? t('self_attn.q_proj.bias') : undefined,
        kBias: c.attentionBias ? t('self_attn.k_proj.bias') : undefined,
        vBias: c.attentionBias ? t('self_attn.v_proj.bias') : undefined,
        qNorm: c.qkNorm ? t('self_attn.q_norm.weight') : undefined,
        kNorm: c.qkNorm ? t('self_attn.k_norm.weight') : undefined,
        o: t('self_attn.o_proj.weight'),
        postNorm: t('post_attention_layernorm.weight'),
        gate: t('mlp.gate_proj.weight'),
        up: t('mlp.up_proj.weight'),
        down: t('mlp.down_proj.weight'),
      });
    }
  }

  newCache(): KvCache {
    return new KvCache(this.config.numLayers, this.config.numKvHeads * this.config.headDim);
  }

  /**
   * Runs `tokens` at positions cache.length.. (0.. without a cache) and returns the logits (float64,
   * V per row) of the rows selected by `logitRows` ('all' or 'last'). With a cache, K/V are appended.
   * `embeddings` replaces the token embeddings at its positions (indices into `tokens`).
   */
  forward(tokens: number[], cache: KvCache | null, logitRows: 'all' | 'last', embeddings?: EmbeddingRows | null): Float64Array[] {
    const c = this.config;
    const T = tokens.length;
    if (T === 0) throw new Error('forward: no tokens');
    const start = cache ? cache.length : 0;
    if (start + T > c.maxPositionEmbeddings) {
      throw new Error(`sequence of ${start + T} tokens exceeds max_position_embeddings ${c.maxPositionEmbeddings}`);
    }
    const { hiddenSize: D, numHeads: H, numKvHeads: KV, headDim: hd, intermediateSize: I } = c;
    const positions = Array.from({ length: T }, (_, i) => start + i);
    const kvRow = KV * hd;
    cache?.reserve(T);
    let x: Float64Array = embeddingGather(this.embed, tokens, c.vocabSize, D);
    if (embeddings) {
      checkEmbeddingRows(embeddings, T, D, 'forward');
      applyEmbeddingRows(x, embeddings, D);
    }
    for (let l = 0; l < c.numLayers; l++) {
      const w = this.layers[l]!;
      const h = rmsnorm(x, w.inputNorm, T, D, c.rmsNormEps);
      let q = linear(h, w.q, T, H * hd, D, w.qBias);
      let k = linear(h, w.k, T, kvRow, D, w.kBias);
      const v = linear(h, w.v, T, kvRow, D, w.vBias);
      if (w.qNorm && w.kNorm) {
        q = rmsnorm(q, w.qNorm, T * H, hd, c.rmsNormEps);
        k = rmsnorm(k, w.kNorm, T * KV, hd, c.rmsNormEps);
      }
      q = applyRope(q, positions, H, hd, c.ropeTheta);
      k = applyRope(k, positions, KV, hd, c.ropeTheta);
      let keys: Float64Array = k;
      let values: Float64Array = v;
      if (cache) {
        cache.k[l]!.set(k, start * kvRow);
        cache.v[l]!.set(v, start * kvRow);
        keys = cache.k[l]!;
        values = cache.v[l]!;
      }
      const attn = causalAttention(q, keys, values, { Tq: T, Tk: start + T, H, KV, hd, offset: start });
      x = residualAdd(x, linear(attn, w.o, T, D, H * hd));
      const h2 = rmsnorm(x, w.postNorm, T, D, c.rmsNormEps);
      const act = swiglu(linear(h2, w.gate, T, I, D), linear(h2, w.up, T, I, D));
      x = residualAdd(x, linear(act, w.down, T, D, I));
    }
    if (cache) cache.length = start + T;
    const rows = logitRows === 'all' ? positions.map((_, i) => i) : [T - 1];
    return rows.map((r) => {
      const normed = rmsnorm(x.subarray(r * D, (r + 1) * D), this.finalNorm, 1, D, c.rmsNormEps);
      return linear(normed, this.lmHead, 1, c.vocabSize, D);
    });
  }
}
