// The transformer forward pass as prepared GPU dispatches over fixed activation buffers.
// bodyPlan(T): embedding → layers → final norm for T token rows (each with its own cache slot and
// position in `meta`), leaving the normed hidden states in `h`; headPlan: LM head over h or hLast;
// samplePlan: on-GPU sampling of the logits rows. Plans are built once per shape and re-recorded.
import type { KernelRunner } from '../../gpu/runner.ts';
import { STORAGE, USAGE } from '../../gpu/runner.ts';
import { prepareAttention } from '../../kernels/attention.ts';
import { encodeAll, releaseDispatches, type Dispatch } from '../../kernels/dispatch.ts';
import { prepareEmbedding } from '../../kernels/embedding.ts';
import { createKvCache, destroyKvCache, type KvCache } from '../../kernels/kv-cache.ts';
import { GEMV_MAX_ROWS, prepareLinear, type LinearArgs } from '../../kernels/linear.ts';
import { prepareRmsnorm } from '../../kernels/rmsnorm.ts';
import { prepareRope, ropeTable } from '../../kernels/rope.ts';
import { prepareSample } from '../../kernels/sample.ts';
import { prepareSwiglu } from '../../kernels/swiglu.ts';
import type { ModelConfig } from '../config.ts';
import type { SamplingParams } from '../sampling.ts';
import type { GpuWeights } from './gpu-weights.ts';

export interface ForwardSizes {
  /** Token rows per forward dispatch list (prefill chunk). */
  chunkTokens: number;
  /** Sequences decoded together; also rows sampled at once. */
  maxRows: number;
  /** Use gemv/tiled matmuls even on a software adapter (which otherwise gets gemv_serial). */
  forceGpuKernels?: boolean;
}

const MAX_PREFILL_PLANS = 4;

/** Rows of a prefill chunk's x replaced after the embedding gather: `values` holds one hiddenSize row
 * per entry of `at` (chunk row indices), in that order. */
export interface ChunkSplice {
  at: number[];
  values: Float32Array;
}

export class GpuForward {
  private bufs!: Record<'tokens' | 'nextTokens' | 'meta' | 'x' | 'h' | 'qkv' | 'q' | 'attn' | 'gu' | 'act' | 'hLast' | 'logits' | 'scratch' | 'rowInfo' | 'sampled', GPUBuffer>;
  /** Two readback buffers: decode step k reads back through staging[k % 2] while step k+1 runs. */
  readonly staging: [GPUBuffer, GPUBuffer];
  caches: KvCache[] = [];
  private table?: GPUBuffer;
  /** Staging rows of spliced embeddings (chunkTokens × hiddenSize), allocated on first use. */
  private spliceRows?: GPUBuffer;
  private bodyPlans = new Map<number, Dispatch[]>();
  private headPlans = new Map<string, Dispatch[]>();
  private decodePlans = new Map<number, Dispatch[]>();
  /** Rows the LM head computes per dispatch list (logits buffer height). */
  readonly headRows: number;

  private constructor(
    readonly runner: KernelRunner,
    readonly config: ModelConfig,
    readonly weights: GpuWeights,
    readonly sizes: ForwardSizes,
  ) {
    const limit = runner.device.limits.maxStorageBufferBindingSize;
    const perRow = config.vocabSize * 4;
    if (perRow * sizes.maxRows > limit) throw new Error(`a batch of ${sizes.maxRows} logits rows (${perRow * sizes.maxRows} bytes) is over the binding limit ${limit}`);
    this.headRows = Math.max(sizes.maxRows, Math.min(64, sizes.chunkTokens, Math.floor(limit / perRow)));
    const staging = (i: number) =>
      runner.device.createBuffer({ label: `sampled.readback.${i}`, size: Math.max(16, sizes.maxRows * 8), usage: USAGE.MAP_READ | USAGE.COPY_DST });
    this.staging = [staging(0), staging(1)];
  }

  static async create(runner: KernelRunner, config: ModelConfig, weights: GpuWeights, sizes: ForwardSizes): Promise<GpuForward> {
    const f = new GpuForward(runner, config, weights, sizes);
    await f.allocate();
    return f;
  }

  private async allocate(): Promise<void> {
    const c = this.config;
    const T = this.sizes.chunkTokens;
    const R = this.headRows;
    const qkvW = (c.numHeads + 2 * c.numKvHeads) * c.headDim;
    const f = (label: string, floats: number) => this.runner.createBuffer(`activations.${label}`, floats * 4, STORAGE);
    this.bufs = {
      tokens: await f('tokens', T),
      nextTokens: await f('next_tokens', this.sizes.maxRows),
      meta: await f('meta', 2 * T),
      x: await f('x', T * c.hiddenSize),
      h: await f('h', T * c.hiddenSize),
      qkv: await f('qkv', T * qkvW),
      q: await f('q', T * c.numHeads * c.headDim),
      attn: await f('attn', T * c.numHeads * c.headDim),
      gu: await f('gate_up', T * 2 * c.intermediateSize),
      act: await f('act', T * c.intermediateSize),
      hLast: await f('h_last', R * c.hiddenSize),
      logits: await f('logits', R * c.vocabSize),
      scratch: await f('sample_scratch', this.sizes.maxRows * c.vocabSize),
      rowInfo: await f('row_info', 2 * this.sizes.maxRows),
      sampled: await f('sampled', 2 * this.sizes.maxRows),
    };
  }

  get buffers(): Readonly<GpuForward['bufs']> {
    return this.bufs;
  }

  get cacheSlots(): number {
    return this.caches[0]?.slots ?? 0;
  }

  get cacheLength(): number {
    return this.caches[0]?.maxLen ?? 0;
  }

  /** (Re)allocates the KV caches when they are smaller than `slots` × `maxLen`. */
  async ensureCache(slots: number, maxLen: number): Promise<void> {
    if (this.cacheSlots >= slots && this.cacheLength >= maxLen) return;
    slots = Math.max(slots, this.cacheSlots);
    maxLen = Math.max(maxLen, this.cacheLength);
    for (const kv of this.caches) destroyKvCache(kv);
    this.table?.destroy();
    this.caches = [];
    for (const plan of [...this.bodyPlans.values(), ...this.decodePlans.values()]) releaseDispatches(plan);
    this.bodyPlans.clear();
    this.decodePlans.clear();
    const c = this.config;
    for (let l = 0; l < c.numLayers; l++) this.caches.push(await createKvCache(this.runner, `KV cache layer ${l}`, slots, maxLen, c.numKvHeads, c.headDim));
    this.table = await this.runner.upload('rope.cos_sin', ropeTable(maxLen, c.headDim, c.ropeTheta));
  }

  private linear(args: LinearArgs): Promise<Dispatch[]> {
    const mode = this.sizes.forceGpuKernels ? (args.M > GEMV_MAX_ROWS ? 'tiled' : 'gemv') : 'auto';
    return prepareLinear(this.runner, { ...args, mode });
  }

  /** Embedding → layers → final norm for T rows; tokens/meta must hold T entries. */
  async bodyPlan(T: number): Promise<Dispatch[]> {
    const cached = this.bodyPlans.get(T);
    if (cached) {
      // Most recently used last (Map order), so the eviction below drops the stalest prefill shape.
      this.bodyPlans.delete(T);
      this.bodyPlans.set(T, cached);
      return cached;
    }
    // Decode shapes (T ≤ maxRows) stay; prefill chunk lengths vary per call, so keep only a few.
    const prefillShapes = [...this.bodyPlans.keys()].filter((k) => k > this.sizes.maxRows);
    if (T > this.sizes.maxRows && prefillShapes.length >= MAX_PREFILL_PLANS) {
      releaseDispatches(this.bodyPlans.get(prefillShapes[0]!)!);
      this.bodyPlans.delete(prefillShapes[0]!);
    }
    if (T > this.sizes.chunkTokens) throw new Error(`forward: ${T} rows is over the chunk size ${this.sizes.chunkTokens}`);
    if (!this.table) throw new Error('forward: ensureCache() must run first');
    const c = this.config;
    const b = this.bufs;
    const w = this.weights;
    const H = c.hiddenSize;
    const eps = c.rmsNormEps;
    const plan: Dispatch[] = [...(await prepareEmbedding(this.runner, { tokens: b.tokens, table: w.embed, out: b.x, T }))];
    for (let l = 0; l < c.numLayers; l++) {
      const L = w.layers[l]!;
      const cache = this.caches[l]!;
      plan.push(await prepareRmsnorm(this.runner, { x: b.x, w: L.inputNorm, y: b.h, rows: T, width: H, eps }));
      plan.push(...(await this.linear({ a: b.h, w: L.qkv, c: b.qkv, M: T, bias: L.qkvBias })));
      plan.push(await prepareRope(this.runner, { qkv: b.qkv, meta: b.meta, table: this.table, qOut: b.q, cache, T, nH: c.numHeads, normWeights: L.qkNorm, eps }));
      plan.push(await prepareAttention(this.runner, { q: b.q, meta: b.meta, cache, out: b.attn, T, nH: c.numHeads }));
      plan.push(...(await this.linear({ a: b.attn, w: L.o, c: b.x, M: T, accumulate: true })));
      plan.push(await prepareRmsnorm(this.runner, { x: b.x, w: L.postNorm, y: b.h, rows: T, width: H, eps }));
      plan.push(...(await this.linear({ a: b.h, w: L.gateUp, c: b.gu, M: T })));
      plan.push(await prepareSwiglu(this.runner, b.gu, b.act, T, c.intermediateSize));
      plan.push(...(await this.linear({ a: b.act, w: L.down, c: b.x, M: T, accumulate: true })));
    }
    // Final norm in place is not possible (x is read, h written): normed rows land in h.
    plan.push(await prepareRmsnorm(this.runner, { x: b.x, w: w.finalNorm, y: b.h, rows: T, width: H, eps }));
    this.bodyPlans.set(T, plan);
    return plan;
  }

  /**
   * One decode step for T ≤ maxRows rows, up to the logits: with T ≤ 8 (gemv) the RMSNorms and the
   * SwiGLU are fused into the matmuls that read them (6 dispatches per layer instead of 9).
   */
  async decodePlan(T: number): Promise<Dispatch[]> {
    if (T > GEMV_MAX_ROWS) return [...(await this.bodyPlan(T)), ...(await this.headPlan(T, 'h'))];
    const cached = this.decodePlans.get(T);
    if (cached) return cached;
    if (!this.table) throw new Error('forward: ensureCache() must run first');
    const c = this.config;
    const b = this.bufs;
    const w = this.weights;
    const eps = c.rmsNormEps;
    const plan: Dispatch[] = [...(await prepareEmbedding(this.runner, { tokens: b.tokens, table: w.embed, out: b.x, T }))];
    for (let l = 0; l < c.numLayers; l++) {
      const L = w.layers[l]!;
      const cache = this.caches[l]!;
      plan.push(...(await this.linear({ a: b.x, w: L.qkv, c: b.qkv, M: T, bias: L.qkvBias, norm: { weights: L.inputNorm, eps } })));
      plan.push(await prepareRope(this.runner, { qkv: b.qkv, meta: b.meta, table: this.table, qOut: b.q, cache, T, nH: c.numHeads, normWeights: L.qkNorm, eps }));
      plan.push(await prepareAttention(this.runner, { q: b.q, meta: b.meta, cache, out: b.attn, T, nH: c.numHeads }));
      plan.push(...(await this.linear({ a: b.attn, w: L.o, c: b.x, M: T, accumulate: true })));
      plan.push(...(await this.linear({ a: b.x, w: L.gateUp, c: b.gu, M: T, norm: { weights: L.postNorm, eps } })));
      plan.push(...(await this.linear({ a: b.gu, w: L.down, c: b.x, M: T, accumulate: true, swigluInput: true })));
    }
    plan.push(...(await this.linear({ a: b.x, w: w.lmHead, c: b.logits, M: T, norm: { weights: w.finalNorm, eps } })));
    this.decodePlans.set(T, plan);
    return plan;
  }

  /** LM head over the first `rows` rows of h (decode) or hLast (prefill, logits) → logits. */
  async headPlan(rows: number, source: 'h' | 'hLast'): Promise<Dispatch[]> {
    const key = `${source}:${rows}`;
    const cached = this.headPlans.get(key);
    if (cached) return cached;
    if (rows > this.headRows) throw new Error(`LM head: ${rows} rows is over ${this.headRows}`);
    const plan = await this.linear({ a: this.bufs[source], w: this.weights.lmHead, c: this.bufs.logits, M: rows });
    this.headPlans.set(key, plan);
    return plan;
  }

  async samplePlan(rows: number, params: SamplingParams): Promise<Dispatch> {
    const b = this.bufs;
    return prepareSample(this.runner, { logits: b.logits, rowInfo: b.rowInfo, scratch: b.scratch, out: b.sampled, nextTokens: b.nextTokens, rows, V: this.config.vocabSize, params });
  }

  /**
   * Records bodyPlan(T). With `splice`, its rows overwrite rows of x between the embedding gather (the
   * plan's first dispatches, one per embedding buffer) and the first layer: staged in spliceRows at
   * the same row indices, then copied, one copy per run of consecutive rows. Without, one pass as before.
   */
  async encodeBody(encoder: GPUCommandEncoder, plan: readonly Dispatch[], splice?: ChunkSplice | null): Promise<void> {
    if (!splice?.at.length) return encodeAll(encoder, plan);
    const H = this.config.hiddenSize;
    const { at, values } = splice;
    if (values.length !== at.length * H) throw new Error(`forward: ${at.length} spliced rows need ${at.length * H} values, got ${values.length}`);
    for (const r of at) if (!Number.isInteger(r) || r < 0 || r >= this.sizes.chunkTokens) throw new Error(`forward: spliced row ${r} is outside the chunk`);
    this.spliceRows ??= await this.runner.createBuffer('activations.splice_rows', this.sizes.chunkTokens * H * 4);
    const gathers = this.weights.embed.chunks.length;
    encodeAll(encoder, plan.slice(0, gathers));
    const bytes = H * 4;
    for (let i = 0; i < at.length; ) {
      let j = i + 1;
      while (j < at.length && at[j] === at[i]! + (j - i)) j++;
      // The write lands before this command buffer runs (queue order), the copy after the gather.
      this.runner.write(this.spliceRows, values.subarray(i * H, j * H), at[i]! * bytes);
      encoder.copyBufferToBuffer(this.spliceRows, at[i]! * bytes, this.bufs.x, at[i]! * bytes, (j - i) * bytes);
      i = j;
    }
    encodeAll(encoder, plan.slice(gathers));
  }

  /** Copies row `from` of h to row `to` of hLast (the last prompt token of a sequence). */
  copyHidden(encoder: GPUCommandEncoder, from: number, to: number, rows = 1): void {
    const bytes = this.config.hiddenSize * 4;
    encoder.copyBufferToBuffer(this.bufs.h, from * bytes, this.bufs.hLast, to * bytes, rows * bytes);
  }

  destroy(): void {
    for (const plan of [...this.bodyPlans.values(), ...this.headPlans.values(), ...this.decodePlans.values()]) releaseDispatches(plan);
    for (const buf of Object.values(this.bufs)) buf.destroy();
    for (const kv of this.caches) destroyKvCache(kv);
    this.table?.destroy();
    this.spliceRows?.destroy();
    for (const s of this.staging) s.destroy();
  }
}
