// The WebGPU InferenceBackend: weights on the GPU (f16 packed in u32, or f32), a KV cache per
// sequence slot, full-sequence logits, and batched generation where B sequences advance together.
// A decode step is one command buffer (embedding → layers → LM head → sampling) and reads back
// only B × (token id, logprob); stop conditions are checked on the CPU between steps.
// Speech turns (promptEmbeddings / logits' embeddings): during prefill their rows overwrite the
// gathered token embeddings of their chunk rows (GpuForward.encodeBody); the KV cache then holds them.
import { acquireGpu, type GpuContext } from '../../gpu/device.ts';
import { DeviceLostError } from '../../gpu/errors.ts';
import { KernelRunner } from '../../gpu/runner.ts';
import { encodeAll, releaseDispatches, type Dispatch } from '../../kernels/dispatch.ts';
import { checkTokenIds } from '../../kernels/embedding.ts';
import { decodeSamples } from '../../kernels/sample.ts';
import { checkEmbeddingRows, type BackendOptions, type EmbeddingRows, type GenerateOptions, type GenerateResult, type InferenceBackend } from '../backend.ts';
import type { ModelConfig } from '../config.ts';
import { resolveSampling, type SamplingParams } from '../sampling.ts';
import { StopChecker } from '../stopping.ts';
import type { ModelWeights } from '../weights.ts';
import { GpuForward } from './forward.ts';
import { chunkSplice, sequenceSplice, type SequenceSplice } from './prefill-splice.ts';
import { destroyWeights, uploadWeights, type GpuWeights, type WeightDtypeChoice } from './gpu-weights.ts';

export interface GpuBackendOptions extends BackendOptions {
  /** Storage of the matrices: 'auto' = f32 for all-F32 checkpoints, else f16. */
  weightDtype?: WeightDtypeChoice;
  /** Sequences decoded together (larger calls run in groups); default 8 (the gemv fast path). */
  maxBatch?: number;
  /** Prompt tokens per forward pass; default 512. */
  chunkTokens?: number;
  /** 'gpu' forces the gemv/tiled matmuls even on a software adapter (tests of the GPU path). */
  kernelPath?: 'auto' | 'gpu';
  /** Split weight matrices into buffers of at most this many bytes (default: the device's binding
   * limit); lets tests exercise the split embedding/LM head on small models. */
  maxWeightChunkBytes?: number;
  /** Use this device instead of acquiring one (it is then not destroyed by dispose()). */
  gpu?: GpuContext;
  onProgress?: (done: number, total: number) => void;
}

export interface GpuGenerateStats {
  prefillTokens: number;
  prefillMs: number;
  decodeSteps: number;
  decodeTokens: number;
  decodeMs: number;
  /** Compute dispatches recorded per decode step (one step = one token for each active sequence). */
  dispatchesPerStep: number;
  /** Decode time spent on the CPU writing inputs, recording and submitting steps. */
  decodeEncodeMs: number;
  /** Decode time spent waiting for sampled ids (GPU still busy, or readback latency). */
  decodeWaitMs: number;
}

export class GpuBackend implements InferenceBackend {
  readonly device = 'webgpu' as const;
  readonly config: ModelConfig;
  lastStats: GpuGenerateStats | null = null;
  private disposed = false;
  private validated = new WeakSet<object>();
  /** Calls share the activation buffers and caches: they run one at a time, in call order. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly ctx: GpuContext,
    readonly runner: KernelRunner,
    readonly weights: GpuWeights,
    private readonly fwd: GpuForward,
    private readonly ownsDevice: boolean,
  ) {
    this.config = fwd.config;
  }

  get weightDtype(): 'f16' | 'f32' {
    return this.weights.dtype;
  }

  private live(): void {
    if (this.disposed) throw new Error('this GPU backend was disposed');
    if (this.ctx.isLost()) throw new DeviceLostError('lost earlier');
  }

  /** Submits; the first submission of each plan runs inside a validation error scope. */
  private async submit(enc: GPUCommandEncoder, plans: object[]): Promise<void> {
    const fresh = plans.filter((p) => !this.validated.has(p));
    const device = this.runner.device;
    if (fresh.length) device.pushErrorScope('validation');
    device.queue.submit([enc.finish()]);
    if (fresh.length) {
      const err = await Promise.race([device.popErrorScope(), this.ctx.lost]);
      if (err) throw new Error(`GPU validation error in the forward pass: ${err.message}`);
      for (const p of fresh) this.validated.add(p);
    }
  }

  private async mapRead(buffer: GPUBuffer, bytes: number): Promise<ArrayBuffer> {
    await Promise.race([buffer.mapAsync(1 /* READ */, 0, bytes), this.ctx.lost]);
    try {
      return buffer.getMappedRange(0, bytes).slice(0);
    } finally {
      buffer.unmap();
    }
  }

  private writeTokens(tokens: ArrayLike<number>, slots: ArrayLike<number>, positions: ArrayLike<number>): void {
    const b = this.fwd.buffers;
    this.runner.write(b.tokens, Uint32Array.from(tokens));
    const meta = new Uint32Array(tokens.length * 2);
    for (let i = 0; i < tokens.length; i++) {
      meta[2 * i] = slots[i]!;
      meta[2 * i + 1] = positions[i]!;
    }
    this.runner.write(b.meta, meta);
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => {});
    return next;
  }

  logits(tokens: number[], embeddings?: EmbeddingRows | null): Promise<Float32Array[]> {
    return this.serial(() => this.logitsNow(tokens, embeddings ?? null));
  }

  generate(prompts: number[][], opts: GenerateOptions): Promise<GenerateResult[]> {
    return this.serial(() => this.generateNow(prompts, opts));
  }

  private async logitsNow(tokens: number[], embeddings: EmbeddingRows | null): Promise<Float32Array[]> {
    this.live();
    const c = this.config;
    if (!tokens.length) throw new Error('logits: no tokens');
    checkTokenIds(tokens, c.vocabSize);
    if (tokens.length > c.maxPositionEmbeddings) throw new Error(`sequence of ${tokens.length} tokens exceeds max_position_embeddings ${c.maxPositionEmbeddings}`);
    if (embeddings) checkEmbeddingRows(embeddings, tokens.length, c.hiddenSize, 'logits');
    const spliced = sequenceSplice(embeddings);
    const fwd = this.fwd;
    await fwd.ensureCache(1, tokens.length);
    const V = c.vocabSize;
    const out: Float32Array[] = [];
    for (let c0 = 0; c0 < tokens.length; c0 += fwd.sizes.chunkTokens) {
      const part = tokens.slice(c0, c0 + fwd.sizes.chunkTokens);
      const T = part.length;
      this.writeTokens(part, new Array(T).fill(0), part.map((_, i) => c0 + i));
      const body = await fwd.bodyPlan(T);
      const enc = this.runner.device.createCommandEncoder();
      await fwd.encodeBody(enc, body, spliced && chunkSplice(part.map((_, i) => ({ s: spliced, pos: c0 + i })), c.hiddenSize));
      const plans: object[] = [body];
      const reads: { buf: GPUBuffer; rows: number }[] = [];
      for (let r0 = 0; r0 < T; r0 += fwd.headRows) {
        const rows = Math.min(fwd.headRows, T - r0);
        fwd.copyHidden(enc, r0, 0, rows);
        const head = await fwd.headPlan(rows, 'hLast');
        plans.push(head);
        encodeAll(enc, head);
        const buf = this.runner.device.createBuffer({ label: 'logits.readback', size: rows * V * 4, usage: 1 | 8 /* MAP_READ | COPY_DST */ });
        enc.copyBufferToBuffer(fwd.buffers.logits, 0, buf, 0, rows * V * 4);
        reads.push({ buf, rows });
      }
      await this.submit(enc, plans);
      for (const { buf, rows } of reads) {
        const data = new Float32Array(await this.mapRead(buf, rows * V * 4));
        buf.destroy();
        for (let r = 0; r < rows; r++) out.push(data.slice(r * V, (r + 1) * V));
      }
    }
    return out;
  }

  private async generateNow(prompts: number[][], opts: GenerateOptions): Promise<GenerateResult[]> {
    this.live();
    const params = resolveSampling(opts);
    const c = this.config;
    const embeddings = opts.promptEmbeddings;
    if (embeddings && embeddings.length !== prompts.length) {
      throw new Error(`generate: ${prompts.length} prompts but ${embeddings.length} promptEmbeddings entries`);
    }
    prompts.forEach((p, b) => {
      if (!p.length) throw new Error(`generate: prompt ${b}: no tokens`);
      try {
        checkTokenIds(p, c.vocabSize);
      } catch (e) {
        throw new Error(`generate: prompt ${b}: ${(e as Error).message}`);
      }
      if (p.length > c.maxPositionEmbeddings) {
        throw new Error(`generate: prompt ${b} has ${p.length} tokens, over max_position_embeddings ${c.maxPositionEmbeddings}`);
      }
      const e = embeddings?.[b];
      if (e) checkEmbeddingRows(e, p.length, c.hiddenSize, `generate: prompt ${b}`);
    });
    const splices = prompts.map((_, b) => sequenceSplice(embeddings?.[b]));
    const stats: GpuGenerateStats = { prefillTokens: 0, prefillMs: 0, decodeSteps: 0, decodeTokens: 0, decodeMs: 0, dispatchesPerStep: 0, decodeEncodeMs: 0, decodeWaitMs: 0 };
    const results: GenerateResult[] = [];
    const group = this.fwd.sizes.maxRows;
    for (let s0 = 0; s0 < prompts.length; s0 += group) {
      const end = s0 + group;
      results.push(...(await this.generateGroup(prompts.slice(s0, end), splices.slice(s0, end), s0, params, opts, stats)));
    }
    this.lastStats = stats;
    return results;
  }

  private async generateGroup(
    prompts: number[][],
    splices: (SequenceSplice | null)[],
    seq0: number,
    params: SamplingParams,
    opts: GenerateOptions,
    stats: GpuGenerateStats,
  ): Promise<GenerateResult[]> {
    const c = this.config;
    const fwd = this.fwd;
    const stops = prompts.map(() => new StopChecker(opts, c.eosTokenIds));
    const logprobs: number[][] = prompts.map(() => []);
    const maxPos = c.maxPositionEmbeddings;
    const needed = Math.min(maxPos, Math.max(...prompts.map((p) => p.length + Math.max(1, opts.maxNewTokens))));
    await fwd.ensureCache(prompts.length, needed);
    // Rows of the sampling and decode dispatches: the sequences not finished before starting (a
    // fixed set: rows that finish keep computing, frozen, until the whole group is done — decode
    // reads the weights once for all rows, so an idle row costs little).
    const rows = prompts.map((_, b) => b).filter((b) => !stops[b]!.done);
    if (!rows.length) return this.collect(stops, logprobs);
    const R = rows.length;
    const smp = await fwd.samplePlan(R, params);
    try {
      return await this.runGroup(prompts, splices, rows, seq0, stops, logprobs, smp, opts, stats);
    } finally {
      releaseDispatches([smp]);
    }
  }

  private async runGroup(
    prompts: number[][],
    splices: (SequenceSplice | null)[],
    rows: number[],
    seq0: number,
    stops: StopChecker[],
    logprobs: number[][],
    smp: Dispatch,
    opts: GenerateOptions,
    stats: GpuGenerateStats,
  ): Promise<GenerateResult[]> {
    const c = this.config;
    const fwd = this.fwd;
    const maxPos = c.maxPositionEmbeddings;
    const R = rows.length;
    const accept = (words: Uint32Array) => {
      const { tokens, logprobs: lps } = decodeSamples(words, R);
      rows.forEach((b, i) => {
        const s = stops[b]!;
        if (s.done) return; // a speculative step past this sequence's end
        if (tokens[i]! >= c.vocabSize || !Number.isFinite(lps[i]!)) {
          throw new Error(`generate: sequence ${seq0 + b} produced non-finite logits at new token ${s.tokens.length} (the weights or activations overflow)`);
        }
        logprobs[b]!.push(lps[i]!);
        if (!s.push(tokens[i]!) && prompts[b]!.length + s.tokens.length > maxPos) s.finishReason = 'length'; // the CPU backend's rule
      });
    };
    // Row i samples from the stream (sequence seq0 + rows[i], step = tokens generated before it).
    const writeRowInfo = (steps: number[]) => {
      const info = new Uint32Array(R * 2);
      rows.forEach((b, i) => ((info[2 * i] = seq0 + b), (info[2 * i + 1] = steps[i]!)));
      this.runner.write(fwd.buffers.rowInfo, info);
    };

    // Prefill: every prompt's tokens, concatenated, in chunks; each prompt's last hidden row → hLast row i.
    const t0 = performance.now();
    const flat: { b: number; pos: number; last: number }[] = [];
    rows.forEach((b, i) => prompts[b]!.forEach((_, pos) => flat.push({ b, pos, last: pos === prompts[b]!.length - 1 ? i : -1 })));
    for (let c0 = 0; c0 < flat.length; c0 += fwd.sizes.chunkTokens) {
      const part = flat.slice(c0, c0 + fwd.sizes.chunkTokens);
      this.writeTokens(part.map((f) => prompts[f.b]![f.pos]!), part.map((f) => f.b), part.map((f) => f.pos));
      const body = await fwd.bodyPlan(part.length);
      const enc = this.runner.device.createCommandEncoder();
      const spliced = splices.some((s) => s) ? chunkSplice(part.map((f) => ({ s: splices[f.b] ?? null, pos: f.pos })), c.hiddenSize) : null;
      await fwd.encodeBody(enc, body, spliced);
      part.forEach((f, r) => f.last >= 0 && fwd.copyHidden(enc, r, f.last));
      await this.submit(enc, [body]);
    }
    writeRowInfo(rows.map(() => 0));
    const head0 = await fwd.headPlan(R, 'hLast');
    const enc0 = this.runner.device.createCommandEncoder();
    encodeAll(enc0, [...head0, smp]);
    enc0.copyBufferToBuffer(fwd.buffers.sampled, 0, fwd.staging[0], 0, R * 8);
    await this.submit(enc0, [head0, smp]);
    accept(new Uint32Array(await this.mapRead(fwd.staging[0], R * 8)));
    stats.prefillTokens += flat.length;
    stats.prefillMs += performance.now() - t0;

    // Decode, two steps in flight: step k+1 is recorded and submitted before step k's ids are read,
    // so the GPU never waits for the CPU. Each step's input ids come from the previous step's sampler
    // on the GPU; positions and random streams are known in advance. issued[i] = tokens row i will
    // have once the submitted steps finish; a row stops advancing (frozen) once it is known finished
    // or at its token budget, and results of steps past a sequence's end are ignored.
    const t1 = performance.now();
    const step = await fwd.decodePlan(R);
    const plans = [...step, smp];
    stats.dispatchesPerStep = Math.max(stats.dispatchesPerStep, plans.length);
    const issued = rows.map((b) => stops[b]!.tokens.length);
    const canAdvance = (i: number) => {
      const b = rows[i]!;
      return !stops[b]!.done && issued[i]! < opts.maxNewTokens && prompts[b]!.length + issued[i]! <= maxPos;
    };
    let submitted = 0;
    let completed = 0;
    const issue = async () => {
      const te = performance.now();
      const advancing = rows.map((_, i) => canAdvance(i));
      // Row i feeds its token issued−1 at position len + issued − 1. A frozen row writes K/V there too:
      // past its last real position (clamped into the cache), in a slot no later step of it reads.
      const positions = rows.map((b, i) => prompts[b]!.length + issued[i]! - 1);
      const meta = new Uint32Array(R * 2);
      rows.forEach((b, i) => ((meta[2 * i] = b), (meta[2 * i + 1] = Math.min(positions[i]!, fwd.cacheLength - 1))));
      this.runner.write(fwd.buffers.meta, meta);
      writeRowInfo(issued);
      const enc = this.runner.device.createCommandEncoder();
      enc.copyBufferToBuffer(fwd.buffers.nextTokens, 0, fwd.buffers.tokens, 0, R * 4);
      encodeAll(enc, plans);
      enc.copyBufferToBuffer(fwd.buffers.sampled, 0, fwd.staging[submitted % 2]!, 0, R * 8);
      await this.submit(enc, [step, smp]);
      rows.forEach((_, i) => advancing[i] && issued[i]!++);
      submitted++;
      stats.decodeEncodeMs += performance.now() - te;
    };
    const anyAdvancing = () => rows.some((_, i) => canAdvance(i));
    if (anyAdvancing()) await issue();
    while (completed < submitted) {
      if (submitted - completed < 2 && anyAdvancing()) await issue();
      const tw = performance.now();
      const words = new Uint32Array(await this.mapRead(fwd.staging[completed % 2]!, R * 8));
      stats.decodeWaitMs += performance.now() - tw;
      completed++;
      accept(words);
      stats.decodeSteps++;
      if (rows.every((b) => stops[b]!.done)) break; // a speculative step may still run; its ids are never read
    }
    stats.decodeTokens += rows.reduce((s, b) => s + stops[b]!.tokens.length - 1, 0);
    stats.decodeMs += performance.now() - t1;
    return this.collect(stops, logprobs);
  }

  private collect(stops: StopChecker[], logprobs: number[][]): GenerateResult[] {
    return stops.map((s, b) => ({ tokens: [...s.tokens], logprobs: logprobs[b]!, finishReason: s.finishReason ?? 'length' }));
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.fwd.destroy();
    destroyWeights(this.weights);
    if (this.ownsDevice) this.ctx.destroy();
  }
}

export async function createGpuBackend(weights: ModelWeights, options: GpuBackendOptions = {}): Promise<GpuBackend> {
  const maxBatch = options.maxBatch ?? 8;
  const chunkTokens = options.chunkTokens ?? 512;
  if (!Number.isInteger(maxBatch) || maxBatch < 1) throw new Error(`maxBatch must be a positive integer, got ${maxBatch}`);
  if (!Number.isInteger(chunkTokens) || chunkTokens < maxBatch) throw new Error(`chunkTokens must be an integer ≥ maxBatch (${maxBatch}), got ${chunkTokens}`);
  const ctx = options.gpu ?? (await acquireGpu({ dawnOptions: options.dawnOptions, forceFallbackAdapter: options.forceFallbackAdapter }));
  const owns = !options.gpu;
  try {
    const runner = new KernelRunner(ctx);
    const gpuWeights = await uploadWeights(runner, weights, options.weightDtype ?? 'auto', options.onProgress, options.maxWeightChunkBytes);
    let fwd: GpuForward;
    try {
      fwd = await GpuForward.create(runner, weights.config, gpuWeights, { chunkTokens, maxRows: maxBatch, forceGpuKernels: options.kernelPath === 'gpu' });
      if (options.maxSequenceLength) await fwd.ensureCache(maxBatch, options.maxSequenceLength);
    } catch (e) {
      destroyWeights(gpuWeights);
      throw e;
    }
    return new GpuBackend(ctx, runner, gpuWeights, fwd, owns);
  } catch (e) {
    if (owns) ctx.destroy();
    throw e;
  }
}
