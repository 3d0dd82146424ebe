// The training step on the GPU: teacher-forced forward over each sequence of a ragged batch,
// per-token log-prob/entropy and their gradient (the same loss interface as the CPU trainer, see
// ../cpu/model.ts), backward through every layer into the flat gradient buffer — of the LoRA adapter
// (GpuTrainer.create) or of every base weight (GpuTrainer.createFull) — then AdamW with the
// on-device guard and clipping. Optional per-layer recomputation keeps only layer inputs.
// Teacher targets (distillation, TrainSequence.teacher) add KL(q ‖ p) as on the CPU; mode 'input'
// back-propagates only into spliced input rows (the CPU trainer's mode 'input').
import type { KernelRunner } from '../../gpu/runner.ts';
import type { ModelWeights } from '../../model/weights.ts';
import type { EmbeddingRows } from '../../model/backend.ts';
import type { GpuDtype } from '../../kernels/gpu-matrix.ts';
import { embedding } from '../../kernels/embedding.ts';
import { rmsnorm } from '../../kernels/rmsnorm.ts';
import { linear } from '../../kernels/linear.ts';
import { ropeTable } from '../../kernels/rope.ts';
import { tokenMeta } from '../../kernels/kv-cache.ts';
import { logprob } from '../../kernels/logprob.ts';
import { rmsnormBackward, rmsnormWeightGrad } from '../../kernels/rmsnorm_backward.ts';
import { embeddingBackward } from '../../kernels/embedding_backward.ts';
import { gemm } from '../../kernels/matmul_backward.ts';
import { residualAdd } from '../../kernels/residual.ts';
import { adamwStepTensors, createAdamWState, readControl, type GpuAdamWState, type GpuStepReport } from '../../kernels/adamw.ts';
import { DEFAULT_ADAMW } from '../../reference/adamw.ts';
import type { AdamWOptions } from '../optimizer.ts';
import type { LoraAdapter } from '../lora.ts';
import type { TrainSequence, MemoryReport } from '../cpu/model.ts';
import { backInput } from './ops.ts';
import { createActs, createScratch, destroyActs, destroyScratch, GpuLayer, shapesFor, type FullGrads, type LayerActs } from './layer.ts';
import { readLoraFlat, uploadBaseModel, uploadLora, type GpuBaseModel, type GpuLora } from './weights.ts';
import { readFullGrads, readFullParams, registerFullParams, type FullParams } from './full-params.ts';
import { teacherBlock, type TeacherRows } from './teacher.ts';
import { checkSequence, lossCoefficients, rowRuns } from './batch.ts';

export interface GpuTrainerOptions {
  /** Storage of the frozen base weights (default f32). */
  dtype?: GpuDtype;
  recompute?: boolean;
  /** At most this many LM-head rows per block (default: as many as one binding holds; tests use small blocks). */
  headBlockRows?: number;
}

export interface GpuForwardBackwardResult {
  loss: number;
  logprobs: Float64Array[];
  entropies: Float64Array[];
  memory: MemoryReport;
  /** With `hidden`: per sequence, the final hidden state after the final RMSNorm (T × D, f32 values). */
  hidden?: Float64Array[];
  /** Backward with a sequence carrying inputRows: per sequence, ∂L/∂rows (positions × D) or null. */
  inputGrads?: (Float64Array | null)[];
  /** With teacher targets in the batch: Σ over sequences of the teacher KL part of `loss`. */
  teacherKl?: number;
}

/**
 * What forwardBackward differentiates. 'params': the trainer's parameters (the adapter, or every
 * weight in full-weight mode) and spliced rows; 'input': only the spliced rows (inputGrads; the
 * parameter gradients and the loss AdamW reads are left as they were); 'none': forward only (loss,
 * log-probs, teacherKl).
 */
export type GpuGradMode = 'params' | 'input' | 'none';

interface RunMode {
  backward: boolean;
  /** parameter gradients (with backward) */
  params: boolean;
  adapter: boolean;
  hidden: boolean;
  /** compute the teacher KL (and its gradient with backward) */
  teacher: boolean;
}

/** AdamW's state on the device, as numbers (for checkpoints): flat moments in the gradient layout. */
export interface GpuOptimizerState {
  /** Applied steps (the bias-correction t). */
  step: number;
  /** Steps skipped by the non-finite guard. */
  skippedSteps: number;
  m: Float32Array;
  v: Float32Array;
}

export class GpuTrainer {
  private opt: GpuAdamWState | null = null;
  private lossBuffer: GPUBuffer | null = null;

  private constructor(
    readonly runner: KernelRunner,
    readonly base: GpuBaseModel,
    /** LoRA mode: the adapter on the GPU (null in full-weight mode) */
    readonly lora: GpuLora | null,
    readonly adapter: LoraAdapter | null,
    /** full-weight mode: every base tensor as a parameter (null in LoRA mode) */
    readonly full: FullParams | null,
    readonly options: GpuTrainerOptions,
  ) {}

  /** LoRA mode: the base (f32 or f16, frozen) plus a trainable adapter. */
  static async create(runner: KernelRunner, weights: ModelWeights, adapter: LoraAdapter, options: GpuTrainerOptions = {}): Promise<GpuTrainer> {
    if (!adapter.enabled) throw new Error('GPU trainer: the adapter is disabled');
    const base = await uploadBaseModel(runner, weights, options.dtype ?? 'f32');
    return new GpuTrainer(runner, base, await uploadLora(runner, adapter), adapter, null, options);
  }

  /** Full-weight mode: every weight matrix, norm, bias and the embedding train (f32). */
  static async createFull(runner: KernelRunner, weights: ModelWeights, options: Omit<GpuTrainerOptions, 'dtype'> = {}): Promise<GpuTrainer> {
    const base = await uploadBaseModel(runner, weights, 'f32');
    return new GpuTrainer(runner, base, null, null, await registerFullParams(runner, base), options);
  }

  private get gradBuffer(): GPUBuffer {
    return (this.lora?.grads ?? this.full?.grads)!;
  }

  /** Mode 'params' (default): zeroes the gradients, then accumulates those of every sequence of the batch (see GpuGradMode). */
  async forwardBackward(batch: TrainSequence[], opts: { entropyCoef?: number; mode?: GpuGradMode } = {}): Promise<GpuForwardBackwardResult> {
    const m = opts.mode ?? 'params';
    const params = m === 'params';
    if (params) {
      const clear = this.runner.device.createCommandEncoder();
      clear.clearBuffer(this.gradBuffer);
      this.runner.device.queue.submit([clear.finish()]);
    }
    const result = await this.run(batch, opts.entropyCoef ?? 0, { backward: m !== 'none', params, adapter: true, hidden: false, teacher: true });
    if (params) {
      this.lossBuffer ??= await this.runner.createBuffer('train.loss', 16);
      this.runner.write(this.lossBuffer, new Float32Array([result.loss]));
    }
    return result;
  }

  /**
   * Forward only: per-token log-probs and entropies, with the adapter (the policy) or without it
   * (`adapter: false`: the frozen reference policy for KL, from the same weights). Gradients untouched.
   * `hidden`: also the final hidden states after the final RMSNorm (for a head on them, e.g. PPO's value head).
   */
  async logprobs(
    batch: TrainSequence[], { adapter = true, hidden = false }: { adapter?: boolean; hidden?: boolean } = {},
  ): Promise<{ logprobs: Float64Array[]; entropies: Float64Array[]; hidden?: Float64Array[] }> {
    const r = await this.run(batch, 0, { backward: false, params: false, adapter, hidden, teacher: false });
    return { logprobs: r.logprobs, entropies: r.entropies, ...(r.hidden ? { hidden: r.hidden } : {}) };
  }

  private async run(batch: TrainSequence[], beta: number, mode: RunMode): Promise<GpuForwardBackwardResult> {
    const result: GpuForwardBackwardResult = { loss: 0, logprobs: [], entropies: [], memory: { activationBytes: 0, activationBytesWithoutRecompute: 0, savedBytes: 0 } };
    // As on the CPU: one entry per sequence once any has rows (null without rows or without a backward).
    if (batch.some((s) => s.inputRows)) result.inputGrads = [];
    if (mode.teacher && batch.some((s) => s.teacher)) result.teacherKl = 0;
    for (const [i, seq] of batch.entries()) {
      const teacher = checkSequence(seq, i, this.base.config);
      const n = seq.tokens.length - 1;
      const coef = lossCoefficients(seq, beta);
      const dHidden = mode.backward && seq.dHidden ? Float32Array.from(seq.dHidden) : null;
      const inputRows = seq.inputRows?.positions.length ? seq.inputRows : null;
      const seqMode = { ...mode, backward: mode.backward && (mode.params || inputRows !== null) }; // 'input' needs rows
      const { lpEnt, memory, hidden, dRows, kl } = await this.sequence(seq.tokens, coef, seqMode, dHidden, inputRows, mode.teacher ? teacher : null);
      if (hidden) (result.hidden ??= []).push(Float64Array.from(hidden));
      result.inputGrads?.push(seq.inputRows && mode.backward ? (dRows ? Float64Array.from(dRows) : new Float64Array(0)) : null);
      const lps = new Float64Array(n);
      const ents = new Float64Array(n);
      for (let t = 0; t < n; t++) {
        lps[t] = lpEnt[2 * t]!;
        ents[t] = lpEnt[2 * t + 1]!;
        result.loss += coef[2 * t]! * lps[t]! + coef[2 * t + 1]! * ents[t]!;
      }
      if (kl) {
        const sum = kl.reduce((a, b) => a + b, 0);
        result.loss += sum;
        result.teacherKl! += sum;
      }
      result.logprobs.push(lps);
      result.entropies.push(ents);
      result.memory.activationBytes = Math.max(result.memory.activationBytes, memory.activationBytes);
      result.memory.activationBytesWithoutRecompute = Math.max(result.memory.activationBytesWithoutRecompute, memory.activationBytesWithoutRecompute);
    }
    result.memory.savedBytes = result.memory.activationBytesWithoutRecompute - result.memory.activationBytes;
    return result;
  }

  private async sequence(
    tokens: number[], coef: Float32Array, mode: RunMode, dHidden: Float32Array | null,
    inputRows: EmbeddingRows | null, teacher: TeacherRows | null,
  ): Promise<{ lpEnt: Float32Array; memory: MemoryReport; hidden: Float32Array | null; dRows: Float32Array | null; kl: Float32Array | null }> {
    const runner = this.runner;
    const c = this.base.config;
    const T = tokens.length;
    const s = shapesFor(this.base, this.lora?.r ?? 0, T);
    const V = c.vocabSize;
    const L = c.numLayers;
    const mk = (label: string, floats: number) => runner.createBuffer(label, floats * 4);
    const own: GPUBuffer[] = [];
    const track = <B extends GPUBuffer>(b: B) => (own.push(b), b);
    const tokBuf = track(await runner.upload('train.tokens', Uint32Array.from(tokens)));
    const targets = track(await runner.upload('train.targets', Uint32Array.from(tokens.slice(1))));
    const coefBuf = track(await runner.upload('train.coef', coef));
    const meta = track(await runner.upload('train.meta', tokenMeta(new Uint32Array(T), Array.from({ length: T }, (_, i) => i), { slots: 1, maxLen: T })));
    const table = track(await runner.upload('train.rope', ropeTable(T, c.headDim, c.ropeTheta)));
    const xs: GPUBuffer[] = [];
    for (let l = 0; l <= L; l++) xs.push(track(await mk(`train.x${l}`, T * s.D)));
    const actSets: LayerActs[] = [];
    // One reused activation set when recomputing or when there is no backward pass.
    const single = this.options.recompute || !mode.backward;
    for (let l = 0; l < (single ? 1 : L); l++) actSets.push(await createActs(runner, s, `train.l${l}`));
    const lora = mode.adapter ? this.lora : null;
    const full = this.full && mode.backward && mode.params ? await this.fullGrads(s) : null;
    if (full) own.push(full.ones, full.inv, full.tmp);
    const layers = Array.from({ length: L }, (_, l) => new GpuLayer(runner, this.base, lora, l, s, meta, table, full, mode.params));
    const actsFor = (l: number) => actSets[single ? 0 : l]!;

    let enc = runner.device.createCommandEncoder();
    await embedding(runner, { tokens: tokBuf, table: this.base.embed, out: xs[0]!, T }, enc);
    // Spliced rows (speech) replace gathered embeddings: one copy per run of consecutive positions.
    const runs = inputRows ? rowRuns(inputRows) : [];
    const rowBytes = s.D * 4;
    if (inputRows) {
      const rowsBuf = track(await runner.upload('train.input_rows', Float32Array.from(inputRows.rows)));
      for (const [i, p, n] of runs) enc.copyBufferToBuffer(rowsBuf, i * rowBytes, xs[0]!, p * rowBytes, n * rowBytes);
    }
    for (let l = 0; l < L; l++) await layers[l]!.forward(enc, xs[l]!, xs[l + 1]!, actsFor(l));

    // Final norm, LM head, log-prob/entropy and d/dlogits, in row blocks that fit one binding.
    const nf = track(await mk('train.nf', T * s.D));
    const dnf = track(await mk('train.dnf', T * s.D));
    await rmsnorm(runner, { x: xs[L]!, w: this.base.finalNorm, y: nf, rows: T, width: s.D, eps: c.rmsNormEps }, enc);
    enc.clearBuffer(dnf);
    const maxBinding = Math.min(runner.device.limits.maxStorageBufferBindingSize, 256 << 20);
    const block = Math.max(1, Math.min(T - 1, Math.floor(maxBinding / (V * 4)), this.options.headBlockRows ?? Infinity));
    const logits = track(await mk('train.logits', block * V));
    const nfBlock = track(await mk('train.nf.block', block * s.D));
    const dnfBlock = track(await mk('train.dnf.block', block * s.D));
    const lpEntBuf = track(await mk('train.lp', 2 * (T - 1)));
    const lpBlock = track(await mk('train.lp.block', 2 * block));
    const klBuf = teacher?.size ? track(await mk('train.teacher.kl.all', T - 1)) : null;
    if (klBuf) enc.clearBuffer(klBuf); // blocks without a teacher row leave theirs at 0
    for (let r0 = 0; r0 < T - 1; r0 += block) {
      const rows = Math.min(block, T - 1 - r0);
      enc.copyBufferToBuffer(nf, r0 * s.D * 4, nfBlock, 0, rows * s.D * 4);
      await linear(runner, { a: nfBlock, w: this.base.lmHead, c: logits, M: rows }, enc);
      // The logprob kernel indexes rows from 0, so its per-row inputs are sliced by copies.
      const tBlock = track(await runner.createBuffer('train.targets.block', rows * 4));
      const cBlock = track(await runner.createBuffer('train.coef.block', rows * 8));
      enc.copyBufferToBuffer(targets, r0 * 4, tBlock, 0, rows * 4);
      enc.copyBufferToBuffer(coefBuf, r0 * 8, cBlock, 0, rows * 8);
      const tq = teacher ? await teacherBlock(runner, teacher, r0, rows, V) : null;
      if (tq) own.push(tq.logprobs, tq.index, tq.kl);
      await logprob(runner, { logits, targets: tBlock, coef: cBlock, out: lpBlock, rows, V, writeGrad: mode.backward, ...(tq ? { teacher: tq } : {}) }, enc);
      enc.copyBufferToBuffer(lpBlock, 0, lpEntBuf, r0 * 8, rows * 8);
      if (tq) enc.copyBufferToBuffer(tq.kl, 0, klBuf!, r0 * 4, rows * 4);
      if (!mode.backward) continue;
      await backInput(runner, enc, { buffer: logits, ld: V }, this.base.lmHead, { buffer: dnfBlock, ld: s.D }, rows, false);
      enc.copyBufferToBuffer(dnfBlock, 0, dnf, r0 * s.D * 4, rows * s.D * 4);
      if (full) {
        // d lm_head += dzᵀ·nf (into the embedding's slot when tied).
        const name = c.tieWordEmbeddings ? 'model.embed_tokens.weight' : 'lm_head.weight';
        await gemm(runner, { M: V, N: s.D, K: rows, a: { buffer: logits, rowStride: 1, colStride: V }, b: { buffer: nfBlock, rowStride: s.D, colStride: 1 }, c: { buffer: full.grads, offset: full.offsets.get(name)!, ld: s.D }, beta: 1 }, enc);
      }
    }
    let dcur = track(await mk('train.dx.a', T * s.D));
    let dnext = track(await mk('train.dx.b', T * s.D));
    if (mode.backward && dHidden) {
      // A head on the final hidden state: its gradient joins the LM head's before the final norm's backward.
      const dh = track(await runner.upload('train.dhidden', dHidden));
      await residualAdd(runner, dnf, dh, dHidden.length, enc);
    }
    if (mode.backward) {
      const args = { x: xs[L]!, w: this.base.finalNorm, dy: dnf, dx: dcur, rows: T, D: s.D, eps: c.rmsNormEps, inv: full?.inv };
      await rmsnormBackward(runner, args, enc);
      if (full) await rmsnormWeightGrad(runner, { ...args, inv: full.inv, dw: full.grads, dwOffset: full.offsets.get('model.norm.weight')! }, enc);
    }
    const scratch = await createScratch(runner, s);
    for (let l = mode.backward ? L - 1 : -1; l >= 0; l--) {
      if (this.options.recompute) {
        // Re-run the layer from its saved input (its output buffer is rewritten with the same values).
        await layers[l]!.forward(enc, xs[l]!, xs[l + 1]!, actsFor(l));
      }
      await layers[l]!.backward(enc, xs[l]!, dcur, dnext, actsFor(l), scratch);
      [dcur, dnext] = [dnext, dcur];
      // Keep command buffers moderate in size.
      runner.device.queue.submit([enc.finish()]);
      enc = runner.device.createCommandEncoder();
    }
    // ∂L/∂x0 at the spliced rows goes to the caller; those rows never read the embedding table.
    const dRowsBuf = mode.backward && inputRows ? track(await mk('train.d_input_rows', inputRows.positions.length * s.D)) : null;
    if (dRowsBuf) {
      for (const [i, p, n] of runs) {
        enc.copyBufferToBuffer(dcur, p * rowBytes, dRowsBuf, i * rowBytes, n * rowBytes);
        if (full) enc.clearBuffer(dcur, p * rowBytes, n * rowBytes);
      }
    }
    if (full) await embeddingBackward(runner, tokBuf, dcur, full.grads, T, s.D, full.offsets.get('model.embed_tokens.weight')!, enc);
    runner.device.queue.submit([enc.finish()]);
    const lpEnt = await runner.readF32(lpEntBuf, 2 * (T - 1));
    const kl = klBuf ? await runner.readF32(klBuf, T - 1) : null;
    const dRows = dRowsBuf ? await runner.readF32(dRowsBuf, inputRows!.positions.length * s.D) : null;
    const hidden = mode.hidden ? await runner.readF32(nf, T * s.D) : null;
    const perLayer = actSets[0]!.bytes;
    const inputs = (L + 1) * T * s.D * 4;
    const memory: MemoryReport = {
      activationBytes: inputs + perLayer * (this.options.recompute ? 1 : L),
      activationBytesWithoutRecompute: inputs + perLayer * L,
      savedBytes: 0,
    };
    memory.savedBytes = memory.activationBytesWithoutRecompute - memory.activationBytes;
    for (const b of own) b.destroy();
    actSets.forEach(destroyActs);
    destroyScratch(scratch);
    return { lpEnt, memory, hidden, dRows, kl };
  }

  private async fullGrads(s: ReturnType<typeof shapesFor>): Promise<FullGrads> {
    const f = this.full!;
    return {
      grads: f.grads,
      offsets: f.offsets,
      ones: await this.runner.upload('full.ones', new Float32Array(s.T).fill(1)),
      inv: await this.runner.createBuffer('full.inv', s.T * Math.max(s.nH, 1) * 4),
      tmp: await this.runner.createBuffer('full.tmp', s.T * s.S * 4),
    };
  }

  /** AdamW on the trainable tensors (guarded and clipped on the device); returns the step's report. */
  async step(h: Partial<AdamWOptions> = {}): Promise<GpuStepReport> {
    if (!this.lossBuffer) throw new Error('GPU trainer: step() before any forwardBackward()');
    const tensors = this.lora ? [{ buffer: this.lora.params, n: this.lora.n, offset: 0 }] : this.full!.params.map((p) => ({ buffer: p.buffer, n: p.n, offset: p.offset }));
    this.opt ??= await createAdamWState(this.runner, tensors[0]!.buffer, this.lora?.n ?? this.full!.n);
    await adamwStepTensors(this.runner, this.opt, this.gradBuffer, this.lossBuffer, { ...DEFAULT_ADAMW, ...h }, tensors);
    return readControl(this.runner, this.opt);
  }

  /** Number of trainable values (the length of the flat parameter, gradient and moment buffers). */
  get paramCount(): number {
    return this.lora?.n ?? this.full!.n;
  }

  /** AdamW's moments and step count, read back from the device (zeros before the first step). */
  async optimizerState(): Promise<GpuOptimizerState> {
    const n = this.paramCount;
    if (!this.opt) return { step: 0, skippedSteps: 0, m: new Float32Array(n), v: new Float32Array(n) };
    const report = await readControl(this.runner, this.opt);
    return { step: report.step, skippedSteps: report.skippedSteps, m: await this.runner.readF32(this.opt.m, n), v: await this.runner.readF32(this.opt.v, n) };
  }

  /** Puts AdamW's moments and step count back on the device (exact resume from a checkpoint). */
  async restoreOptimizerState(s: GpuOptimizerState): Promise<void> {
    const n = this.paramCount;
    if (s.m.length !== n || s.v.length !== n) throw new Error(`GPU trainer: optimizer state has ${s.m.length}/${s.v.length} moments, the trainer has ${n} parameters`);
    if (!Number.isInteger(s.step) || s.step < 0 || !Number.isInteger(s.skippedSteps) || s.skippedSteps < 0) {
      throw new Error(`GPU trainer: bad optimizer step counts (step ${s.step}, skipped ${s.skippedSteps})`);
    }
    const params = this.lora?.params ?? this.full!.params[0]!.buffer;
    this.opt ??= await createAdamWState(this.runner, params, n);
    this.runner.write(this.opt.m, s.m);
    this.runner.write(this.opt.v, s.v);
    // The control record: grad_norm's finalize rewrites [0]–[3] and [5]–[6] before every update.
    this.runner.write(this.opt.control, new Float32Array([0, 0, 0, 0, s.step, 0, 0, s.skippedSteps]));
  }

  /** LoRA mode: uploads the adapter object's current A/B (e.g. after a checkpoint restore replaced them). */
  uploadAdapter(): void {
    if (!this.lora || !this.adapter) throw new Error('GPU trainer: uploadAdapter() is for LoRA mode');
    const flat = new Float32Array(this.lora.n);
    for (const slot of this.lora.slots) {
      const m = this.adapter.modules.get(slot.path)!;
      flat.set(m.A, slot.aOff);
      flat.set(m.B, slot.bOff);
    }
    this.runner.write(this.lora.params, flat);
  }

  /** LoRA mode: gradients per module path. */
  async readGrads(): Promise<Map<string, { dA: Float64Array; dB: Float64Array }>> {
    if (!this.lora) throw new Error('GPU trainer: readGrads() is for LoRA mode; use readWeightGrads()');
    const m = await readLoraFlat(this.runner, this.lora, this.lora.grads);
    return new Map([...m].map(([k, v]) => [k, { dA: v.A, dB: v.B }]));
  }

  /** Full-weight mode: gradients by HF tensor name. */
  async readWeightGrads(): Promise<Map<string, Float32Array>> {
    if (!this.full) throw new Error('GPU trainer: readWeightGrads() is for full-weight mode');
    return readFullGrads(this.runner, this.full, this.base);
  }

  /** Full-weight mode: the current weights by HF tensor name. */
  async readWeights(): Promise<Map<string, Float32Array>> {
    if (!this.full) throw new Error('GPU trainer: readWeights() is for full-weight mode');
    return readFullParams(this.runner, this.full, this.base);
  }

  /** LoRA mode: copies the trained A/B back into the adapter object (e.g. before saving it as PEFT). */
  async syncAdapter(): Promise<LoraAdapter> {
    if (!this.lora || !this.adapter) throw new Error('GPU trainer: syncAdapter() is for LoRA mode');
    for (const [path, v] of await readLoraFlat(this.runner, this.lora, this.lora.params)) {
      const m = this.adapter.modules.get(path)!;
      m.A.set(v.A);
      m.B.set(v.B);
    }
    return this.adapter;
  }
}
