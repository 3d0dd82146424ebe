// One Qwen decoder layer on the CPU in float64: forward that keeps what the backward needs, and the
// backward into LoRA A/B (and, in full-weight mode, into every weight of the layer).
import { rmsnormForward, rmsnormBackward } from '../../reference/rmsnorm_backward.ts';
import { ropeForward, ropeBackward } from '../../reference/rope_backward.ts';
import { attentionBackwardLse, attentionForwardLse } from './attention.ts';
import { swigluForward, swigluBackward } from '../../reference/swiglu_backward.ts';
import { matmulABt } from '../../reference/matmul.ts';
import { linearBackward, loraBackward, loraForward } from '../../reference/matmul_backward.ts';
import type { LoraAdapter } from '../lora.ts';
import { param, type TrainModel } from './params.ts';

/** 'input': back-propagate to the inputs only (no parameter gradients; e.g. into a speech projector). */
export type GradMode = 'lora' | 'full' | 'input' | 'none';

export interface Grads {
  /** module path → dA (r × in), dB (out × r) */
  lora: Map<string, { dA: Float64Array; dB: Float64Array }>;
  /** HF tensor name → gradient (full-weight mode) */
  weights: Map<string, Float64Array>;
}

interface ProjCache {
  x: Float64Array;
  /** x·Aᵀ of the LoRA branch when one is active */
  u?: Float64Array;
}

export interface LayerCache {
  x: Float64Array;
  n1: Float64Array;
  q: Float64Array;
  k: Float64Array;
  qr: Float64Array;
  kr: Float64Array;
  v: Float64Array;
  /** Per head and query: log Σ exp(scores), from which the backward recomputes the probabilities. */
  lse: Float64Array;
  att: Float64Array;
  h: Float64Array;
  n2: Float64Array;
  gate: Float64Array;
  up: Float64Array;
  act: Float64Array;
  proj: Map<string, ProjCache>;
}

export function cacheBytes(c: LayerCache): number {
  let n = 0;
  for (const v of Object.values(c)) if (v instanceof Float64Array) n += v.byteLength;
  for (const p of c.proj.values()) n += p.u?.byteLength ?? 0; // p.x aliases arrays counted above
  return n;
}

export class LayerRunner {
  constructor(
    readonly model: TrainModel,
    readonly adapter: LoraAdapter | null,
    readonly layer: number,
  ) {}

  private get c() {
    return this.model.config;
  }

  private name(suffix: string): string {
    return `model.layers.${this.layer}.${suffix}`;
  }

  private activeLora(path: string) {
    return this.adapter?.enabled ? this.adapter.modules.get(path) : undefined;
  }

  /** y = x·Wᵀ (+ b) (+ LoRA); records the input (and LoRA's u) under the module path. */
  private project(block: string, proj: string, x: Float64Array, T: number, inF: number, outF: number, cache: Map<string, ProjCache>): Float64Array {
    const path = this.name(`${block}.${proj}`);
    const bias = this.model.params.get(`${path}.bias`);
    const y = matmulABt(x, param(this.model, `${path}.weight`), T, outF, inF, bias);
    const lora = this.activeLora(path);
    const entry: ProjCache = { x };
    if (lora) {
      const r = this.adapter!.config.r;
      const { y: dy, u } = loraForward(x, lora.A, lora.B, T, inF, outF, r, this.adapter!.scale);
      for (let i = 0; i < y.length; i++) y[i] += dy[i]!;
      entry.u = u;
    }
    cache.set(path, entry);
    return y;
  }

  forward(x: Float64Array, T: number, positions: ArrayLike<number>): { y: Float64Array; cache: LayerCache } {
    const c = this.c;
    const D = c.hiddenSize;
    const [H, KV, hd, I] = [c.numHeads, c.numKvHeads, c.headDim, c.intermediateSize];
    const proj = new Map<string, ProjCache>();
    const n1 = rmsnormForward(x, param(this.model, this.name('input_layernorm.weight')), T, D, c.rmsNormEps);
    const q = this.project('self_attn', 'q_proj', n1, T, D, H * hd, proj);
    const k = this.project('self_attn', 'k_proj', n1, T, D, KV * hd, proj);
    const v = this.project('self_attn', 'v_proj', n1, T, D, KV * hd, proj);
    const qn = c.qkNorm ? rmsnormForward(q, param(this.model, this.name('self_attn.q_norm.weight')), T * H, hd, c.rmsNormEps) : q;
    const kn = c.qkNorm ? rmsnormForward(k, param(this.model, this.name('self_attn.k_norm.weight')), T * KV, hd, c.rmsNormEps) : k;
    const qr = ropeForward(qn, positions, H, hd, c.ropeTheta);
    const kr = ropeForward(kn, positions, KV, hd, c.ropeTheta);
    const { out: att, lse } = attentionForwardLse(qr, kr, v, { T, H, KV, hd });
    const o = this.project('self_attn', 'o_proj', att, T, H * hd, D, proj);
    const h = new Float64Array(T * D);
    for (let i = 0; i < h.length; i++) h[i] = x[i]! + o[i]!;
    const n2 = rmsnormForward(h, param(this.model, this.name('post_attention_layernorm.weight')), T, D, c.rmsNormEps);
    const gate = this.project('mlp', 'gate_proj', n2, T, D, I, proj);
    const up = this.project('mlp', 'up_proj', n2, T, D, I, proj);
    const act = swigluForward(gate, up);
    const d = this.project('mlp', 'down_proj', act, T, I, D, proj);
    const y = new Float64Array(T * D);
    for (let i = 0; i < y.length; i++) y[i] = h[i]! + d[i]!;
    return { y, cache: { x, n1, q, k, qr, kr, v, lse, att, h, n2, gate, up, act, proj } };
  }

  private weightGrad(grads: Grads, name: string, size: number): Float64Array {
    let g = grads.weights.get(name);
    if (!g) grads.weights.set(name, (g = new Float64Array(size)));
    return g;
  }

  /** Backward of one projection: returns dx, accumulates LoRA (and in full mode W, b) gradients. */
  private projectBack(block: string, proj: string, dy: Float64Array, T: number, inF: number, outF: number, cache: LayerCache, mode: GradMode, grads: Grads): Float64Array {
    const path = this.name(`${block}.${proj}`);
    const { x, u } = cache.proj.get(path)!;
    const W = param(this.model, `${path}.weight`);
    const full = mode === 'full';
    const hasBias = this.model.params.has(`${path}.bias`);
    const wg = full ? { dW: this.weightGrad(grads, `${path}.weight`, W.length), dB: hasBias ? this.weightGrad(grads, `${path}.bias`, outF) : undefined } : undefined;
    const { dx } = linearBackward(x, W, dy, T, inF, outF, wg);
    const lora = this.activeLora(path);
    if (lora && u) {
      const r = this.adapter!.config.r;
      // Outside LoRA mode the adapter is frozen: only propagate through it.
      const fresh = () => ({ dA: new Float64Array(lora.A.length), dB: new Float64Array(lora.B.length) });
      let target = mode === 'lora' ? grads.lora.get(path) : fresh();
      if (!target) grads.lora.set(path, (target = fresh()));
      const dxl = loraBackward(x, u, lora.A, lora.B, dy, T, inF, outF, r, this.adapter!.scale, target);
      for (let i = 0; i < dx.length; i++) dx[i] += dxl[i]!;
    }
    return dx;
  }

  private normBack(name: string, x: Float64Array, dy: Float64Array, rows: number, D: number, mode: GradMode, grads: Grads): Float64Array {
    const w = param(this.model, this.name(name));
    const dw = mode === 'full' ? this.weightGrad(grads, this.name(name), w.length) : undefined;
    return rmsnormBackward(x, w, dy, rows, D, this.c.rmsNormEps, dw).dx;
  }

  /** Given dL/dy, returns dL/dx and accumulates parameter gradients into `grads`. */
  backward(dy: Float64Array, T: number, positions: ArrayLike<number>, cache: LayerCache, mode: GradMode, grads: Grads): Float64Array {
    const c = this.c;
    const D = c.hiddenSize;
    const [H, KV, hd, I] = [c.numHeads, c.numKvHeads, c.headDim, c.intermediateSize];
    const dAct = this.projectBack('mlp', 'down_proj', dy, T, I, D, cache, mode, grads);
    const { dGate, dUp } = swigluBackward(cache.gate, cache.up, dAct);
    const dn2 = this.projectBack('mlp', 'gate_proj', dGate, T, D, I, cache, mode, grads);
    const dn2u = this.projectBack('mlp', 'up_proj', dUp, T, D, I, cache, mode, grads);
    for (let i = 0; i < dn2.length; i++) dn2[i] += dn2u[i]!;
    const dh = this.normBack('post_attention_layernorm.weight', cache.h, dn2, T, D, mode, grads);
    for (let i = 0; i < dh.length; i++) dh[i] += dy[i]!;
    const dAtt = this.projectBack('self_attn', 'o_proj', dh, T, H * hd, D, cache, mode, grads);
    const { dq: dqr, dk: dkr, dv } = attentionBackwardLse(cache.qr, cache.kr, cache.v, cache.att, cache.lse, dAtt, { T, H, KV, hd });
    let dq = ropeBackward(dqr, positions, H, hd, c.ropeTheta);
    let dk = ropeBackward(dkr, positions, KV, hd, c.ropeTheta);
    if (c.qkNorm) {
      dq = this.normBack('self_attn.q_norm.weight', cache.q, dq, T * H, hd, mode, grads);
      dk = this.normBack('self_attn.k_norm.weight', cache.k, dk, T * KV, hd, mode, grads);
    }
    const dn1 = this.projectBack('self_attn', 'q_proj', dq, T, D, H * hd, cache, mode, grads);
    const dn1k = this.projectBack('self_attn', 'k_proj', dk, T, D, KV * hd, cache, mode, grads);
    const dn1v = this.projectBack('self_attn', 'v_proj', dv, T, D, KV * hd, cache, mode, grads);
    for (let i = 0; i < dn1.length; i++) dn1[i] += dn1k[i]! + dn1v[i]!;
    const dx = this.normBack('input_layernorm.weight', cache.x, dn1, T, D, mode, grads);
    for (let i = 0; i < dx.length; i++) dx[i] += dh[i]!;
    return dx;
  }
}
