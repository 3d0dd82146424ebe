// One decoder layer of the GPU trainer: forward (the inference engine's kernels + unmerged LoRA) that
// keeps its activations, and backward into the flat LoRA gradient buffer.
import type { KernelRunner } from '../../gpu/runner.ts';
import { rmsnorm } from '../../kernels/rmsnorm.ts';
import { linear } from '../../kernels/linear.ts';
import { rope } from '../../kernels/rope.ts';
import { attention } from '../../kernels/attention.ts';
import { swiglu } from '../../kernels/swiglu.ts';
import { createKvCache, type KvCache } from '../../kernels/kv-cache.ts';
import { rmsnormBackward, rmsnormWeightGrad } from '../../kernels/rmsnorm_backward.ts';
import { gemm } from '../../kernels/matmul_backward.ts';
import { swigluBackward } from '../../kernels/swiglu_backward.ts';
import { attentionBackward } from '../../kernels/attention_backward.ts';
import { ropeBackward } from '../../kernels/rope_backward.ts';
import { LORA_TARGETS, type LoraTarget } from '../lora.ts';
import { backInput, loraBackward, loraForward, type View } from './ops.ts';
import type { GpuBaseModel, GpuLora } from './weights.ts';

/** Activations one layer's backward needs (T tokens). */
export interface LayerActs {
  n1: GPUBuffer;
  qkv: GPUBuffer;
  qOut: GPUBuffer;
  cache: KvCache;
  att: GPUBuffer;
  h: GPUBuffer;
  n2: GPUBuffer;
  gu: GPUBuffer;
  act: GPUBuffer;
  /** T × 7r: x·Aᵀ of each adapted projection (column block = index in LORA_TARGETS) */
  u: GPUBuffer;
  bytes: number;
}

/** Gradient scratch shared by all layers. */
export interface LayerScratch {
  dAct: GPUBuffer;
  dgu: GPUBuffer;
  dn2: GPUBuffer;
  dh: GPUBuffer;
  dAtt: GPUBuffer;
  stats: GPUBuffer;
  dq: GPUBuffer;
  dk: GPUBuffer;
  dqkv: GPUBuffer;
  dn1: GPUBuffer;
  du: GPUBuffer;
}

export interface Shapes {
  T: number;
  D: number;
  I: number;
  nH: number;
  nKV: number;
  hd: number;
  qd: number;
  kvd: number;
  S: number;
  r: number;
}

export function shapesFor(base: GpuBaseModel, r: number, T: number): Shapes {
  const c = base.config;
  const qd = c.numHeads * c.headDim;
  const kvd = c.numKvHeads * c.headDim;
  return { T, D: c.hiddenSize, I: c.intermediateSize, nH: c.numHeads, nKV: c.numKvHeads, hd: c.headDim, qd, kvd, S: qd + 2 * kvd, r };
}

export async function createActs(runner: KernelRunner, s: Shapes, label: string): Promise<LayerActs> {
  const f = (name: string, n: number) => runner.createBuffer(`${label}.${name}`, n * 4);
  const { T, D, I, qd, S, r } = s;
  const acts = {
    n1: await f('n1', T * D), qkv: await f('qkv', T * S), qOut: await f('q', T * qd), cache: await createKvCache(runner, `${label}.kv`, 1, T, s.nKV, s.hd),
    att: await f('att', T * qd), h: await f('h', T * D), n2: await f('n2', T * D), gu: await f('gu', T * 2 * I), act: await f('act', T * I), u: await f('u', T * 7 * Math.max(1, r)),
  };
  const bytes = 4 * T * (D + S + qd + 2 * s.kvd + qd + D + D + 2 * I + I + 7 * Math.max(1, r));
  return { ...acts, bytes };
}

export function destroyActs(a: LayerActs): void {
  for (const b of [a.n1, a.qkv, a.qOut, a.cache.k, a.cache.v, a.att, a.h, a.n2, a.gu, a.act, a.u]) b.destroy();
}

export function destroyScratch(s: LayerScratch): void {
  for (const b of Object.values(s)) b.destroy();
}

export async function createScratch(runner: KernelRunner, s: Shapes): Promise<LayerScratch> {
  const f = (name: string, n: number) => runner.createBuffer(`grad.${name}`, n * 4);
  const { T, D, I, qd, kvd, S, r } = s;
  return {
    dAct: await f('act', T * I), dgu: await f('gu', T * 2 * I), dn2: await f('n2', T * D), dh: await f('h', T * D), dAtt: await f('att', T * qd),
    stats: await f('stats', s.nH * T * 2), dq: await f('q', T * qd), dk: await f('k', T * kvd), dqkv: await f('qkv', T * S), dn1: await f('n1', T * D), du: await f('u', T * Math.max(1, r)),
  };
}

/** Full-weight mode: where each base tensor's gradient lives in the flat gradient buffer. */
export interface FullGrads {
  grads: GPUBuffer;
  /** HF tensor name (packed names for q|k|v bias and q|k norm, see full-trainer.ts) → float offset */
  offsets: Map<string, number>;
  /** T ones (column sums as a product) */
  ones: GPUBuffer;
  /** 1/rms per row, T·nH floats */
  inv: GPUBuffer;
  /** T × S: un-rotated dq/dk before the q/k norm backward */
  tmp: GPUBuffer;
}

export const QKV_BIAS = 'self_attn.qkv_proj.bias(packed q|k|v)';
export const QK_NORM = 'self_attn.qk_norm.weight(packed q|k)';

export class GpuLayer {
  constructor(
    private runner: KernelRunner,
    private base: GpuBaseModel,
    private lora: GpuLora | null,
    private l: number,
    private s: Shapes,
    private meta: GPUBuffer,
    private ropeTable: GPUBuffer,
    private full: FullGrads | null = null,
    /** false: the adapter only passes gradients through (mode 'input'); its dA/dB are not computed */
    private loraGrads = true,
  ) {}

  private gradOffset(suffix: string): number {
    const name = `model.layers.${this.l}.${suffix}`;
    const off = this.full!.offsets.get(name);
    if (off === undefined) throw new Error(`full-weight trainer: no gradient slot for ${name}`);
    return off;
  }

  /** RMSNorm backward over plain T × D rows, adding the weight gradient in full-weight mode. */
  private async normBack(enc: GPUCommandEncoder, x: GPUBuffer, w: GPUBuffer, dy: GPUBuffer, dx: GPUBuffer, name: string): Promise<void> {
    const { T, D } = this.s;
    const args = { x, w, dy, dx, rows: T, D, eps: this.base.config.rmsNormEps, accumulate: true, inv: this.full?.inv };
    await rmsnormBackward(this.runner, args, enc);
    if (this.full) await rmsnormWeightGrad(this.runner, { ...args, inv: this.full.inv, dw: this.full.grads, dwOffset: this.gradOffset(name) }, enc);
  }

  private slot(t: LoraTarget) {
    return this.lora?.byLayer.get(this.l)?.get(t);
  }

  private uView(t: LoraTarget, acts: LayerActs): View {
    return { buffer: acts.u, ld: 7 * this.s.r, off: LORA_TARGETS.indexOf(t) * this.s.r };
  }

  private async proj(enc: GPUCommandEncoder, t: LoraTarget, x: GPUBuffer, inF: number, y: View, acts: LayerActs, opts: { accumulate?: boolean; bias?: GPUBuffer } = {}): Promise<void> {
    const w = this.base.layers[this.l]!.proj[t];
    await linear(this.runner, { a: x, w, c: y.buffer, M: this.s.T, ldc: y.ld, colOffset: y.off ?? 0, accumulate: opts.accumulate, bias: opts.bias }, enc);
    const slot = this.slot(t);
    if (slot) await loraForward(this.runner, enc, this.lora!, slot, { buffer: x, ld: inF }, this.uView(t, acts), y, this.s.T);
  }

  async forward(enc: GPUCommandEncoder, x: GPUBuffer, y: GPUBuffer, a: LayerActs): Promise<void> {
    const { T, D, I, nH, qd, kvd, S } = this.s;
    const lw = this.base.layers[this.l]!;
    const c = this.base.config;
    const runner = this.runner;
    await rmsnorm(runner, { x, w: lw.inputNorm, y: a.n1, rows: T, width: D, eps: c.rmsNormEps }, enc);
    // The packed q|k|v bias is indexed by output column, so each projection's offset picks its part.
    const bias = lw.qkvBias;
    await this.proj(enc, 'q_proj', a.n1, D, { buffer: a.qkv, ld: S, off: 0 }, a, { bias });
    await this.proj(enc, 'k_proj', a.n1, D, { buffer: a.qkv, ld: S, off: qd }, a, { bias });
    await this.proj(enc, 'v_proj', a.n1, D, { buffer: a.qkv, ld: S, off: qd + kvd }, a, { bias });
    await rope(runner, { qkv: a.qkv, meta: this.meta, table: this.ropeTable, qOut: a.qOut, cache: a.cache, T, nH, normWeights: lw.qkNorm, eps: c.rmsNormEps }, enc);
    await attention(runner, { q: a.qOut, meta: this.meta, cache: a.cache, out: a.att, T, nH }, enc);
    enc.copyBufferToBuffer(x, 0, a.h, 0, T * D * 4);
    await this.proj(enc, 'o_proj', a.att, qd, { buffer: a.h, ld: D }, a, { accumulate: true });
    await rmsnorm(runner, { x: a.h, w: lw.postNorm, y: a.n2, rows: T, width: D, eps: c.rmsNormEps }, enc);
    await this.proj(enc, 'gate_proj', a.n2, D, { buffer: a.gu, ld: 2 * I, off: 0 }, a);
    await this.proj(enc, 'up_proj', a.n2, D, { buffer: a.gu, ld: 2 * I, off: I }, a);
    await swiglu(runner, a.gu, a.act, T, I, enc);
    enc.copyBufferToBuffer(a.h, 0, y, 0, T * D * 4);
    await this.proj(enc, 'down_proj', a.act, I, { buffer: y, ld: D }, a, { accumulate: true });
  }

  /** Backward through a projection: dx (+)= dy·W (+ LoRA's input gradient); LoRA grads accumulate. */
  private async projBack(enc: GPUCommandEncoder, t: LoraTarget, dy: View, x: GPUBuffer, inF: number, dx: GPUBuffer, accumulate: boolean, a: LayerActs, sc: LayerScratch): Promise<void> {
    const w = this.base.layers[this.l]!.proj[t];
    await backInput(this.runner, enc, dy, w, { buffer: dx, ld: inF }, this.s.T, accumulate);
    if (this.full) {
      // dW += dyᵀ·x (out × in), straight into the flat gradient buffer.
      const block = t === 'gate_proj' || t === 'up_proj' || t === 'down_proj' ? 'mlp' : 'self_attn';
      await gemm(this.runner, {
        M: w.rows, N: inF, K: this.s.T,
        a: { buffer: dy.buffer, offset: dy.off, rowStride: 1, colStride: dy.ld },
        b: { buffer: x, rowStride: inF, colStride: 1 },
        c: { buffer: this.full.grads, offset: this.gradOffset(`${block}.${t}.weight`), ld: inF }, beta: 1,
      }, enc);
    }
    const slot = this.slot(t);
    if (slot) await loraBackward(this.runner, enc, this.lora!, slot, dy, { buffer: x, ld: inF }, this.uView(t, a), sc.du, { buffer: dx, ld: inF }, this.s.T, this.loraGrads);
  }

  /** dy: gradient w.r.t. the layer's output; writes the gradient w.r.t. its input x into dx. */
  async backward(enc: GPUCommandEncoder, x: GPUBuffer, dy: GPUBuffer, dx: GPUBuffer, a: LayerActs, sc: LayerScratch): Promise<void> {
    const { T, D, I, nH, nKV, hd, qd, kvd, S } = this.s;
    const lw = this.base.layers[this.l]!;
    const c = this.base.config;
    const runner = this.runner;
    await this.projBack(enc, 'down_proj', { buffer: dy, ld: D }, a.act, I, sc.dAct, false, a, sc);
    await swigluBackward(runner, a.gu, sc.dAct, sc.dgu, T, I, enc);
    await this.projBack(enc, 'gate_proj', { buffer: sc.dgu, ld: 2 * I, off: 0 }, a.n2, D, sc.dn2, false, a, sc);
    await this.projBack(enc, 'up_proj', { buffer: sc.dgu, ld: 2 * I, off: I }, a.n2, D, sc.dn2, true, a, sc);
    enc.copyBufferToBuffer(dy, 0, sc.dh, 0, T * D * 4);
    await this.normBack(enc, a.h, lw.postNorm, sc.dn2, sc.dh, 'post_attention_layernorm.weight');
    await this.projBack(enc, 'o_proj', { buffer: sc.dh, ld: D }, a.att, qd, sc.dAtt, false, a, sc);
    await attentionBackward(runner, { q: a.qOut, k: a.cache.k, v: a.cache.v, out: a.att, dOut: sc.dAtt, stats: sc.stats, dq: sc.dq, dk: sc.dk, dv: sc.dqkv, dvLd: S, dvOffset: qd + kvd, T, nH, nKV, hd }, enc);
    if (this.full && lw.qkNorm) await this.qkNormBackFull(enc, a, sc);
    else await ropeBackward(runner, { qkv: a.qkv, meta: this.meta, table: this.ropeTable, dq: sc.dq, dk: sc.dk, dqkv: sc.dqkv, T, nH, nKV, hd, normWeights: lw.qkNorm, eps: c.rmsNormEps }, enc);
    if (this.full && lw.qkvBias) {
      // d bias = column sums of dqkv = onesᵀ·dqkv.
      await gemm(runner, { M: 1, N: S, K: T, a: { buffer: this.full.ones, rowStride: T, colStride: 1 }, b: { buffer: sc.dqkv, rowStride: S, colStride: 1 }, c: { buffer: this.full.grads, offset: this.gradOffset(QKV_BIAS), ld: S }, beta: 1 }, enc);
    }
    await this.projBack(enc, 'q_proj', { buffer: sc.dqkv, ld: S, off: 0 }, a.n1, D, sc.dn1, false, a, sc);
    await this.projBack(enc, 'k_proj', { buffer: sc.dqkv, ld: S, off: qd }, a.n1, D, sc.dn1, true, a, sc);
    await this.projBack(enc, 'v_proj', { buffer: sc.dqkv, ld: S, off: qd + kvd }, a.n1, D, sc.dn1, true, a, sc);
    enc.copyBufferToBuffer(sc.dh, 0, dx, 0, T * D * 4);
    await this.normBack(enc, x, lw.inputNorm, sc.dn1, dx, 'input_layernorm.weight');
  }

  /** Full-weight Qwen3: un-rotate into tmp, then the per-head norm backward with its weight gradient. */
  private async qkNormBackFull(enc: GPUCommandEncoder, a: LayerActs, sc: LayerScratch): Promise<void> {
    const { T, nH, nKV, hd, qd, S } = this.s;
    const lw = this.base.layers[this.l]!;
    const full = this.full!;
    await ropeBackward(this.runner, { qkv: a.qkv, meta: this.meta, table: this.ropeTable, dq: sc.dq, dk: sc.dk, dqkv: full.tmp, T, nH, nKV, hd }, enc);
    const off = this.gradOffset(QK_NORM);
    for (const [heads, col, wOff] of [[nH, 0, 0], [nKV, qd, hd]] as const) {
      const layout = { ld: S, off: col };
      const args = { x: a.qkv, w: lw.qkNorm!, wOffset: wOff, dy: full.tmp, dx: sc.dqkv, rows: T * heads, D: hd, groups: heads, eps: this.base.config.rmsNormEps, xLayout: layout, dyLayout: layout, dxLayout: layout, inv: full.inv };
      await rmsnormBackward(this.runner, args, enc);
      await rmsnormWeightGrad(this.runner, { ...args, inv: full.inv, dw: full.grads, dwOffset: off + wOff }, enc);
    }
  }
}
