// The frozen base model and the LoRA adapter on the GPU for training.
// Base projections are GpuMatrix (f16 packed or f32, row-chunked, the inference engine's layout);
// every LoRA A and B lives in ONE flat f32 buffer (with grads, Adam moments alike), so the gradient
// norm, the guard and AdamW are one dispatch each whatever the number of adapted modules.
import type { KernelRunner } from '../../gpu/runner.ts';
import { uploadMatrix, type GpuDtype, type GpuMatrix } from '../../kernels/gpu-matrix.ts';
import type { ModelConfig } from '../../model/config.ts';
import type { ModelWeights } from '../../model/weights.ts';
import { LORA_TARGETS, modulePath, type LoraAdapter, type LoraTarget } from '../lora.ts';

export interface GpuLayerWeights {
  inputNorm: GPUBuffer;
  postNorm: GPUBuffer;
  /** q_norm then k_norm (2·hd) for Qwen3 */
  qkNorm?: GPUBuffer;
  proj: Record<LoraTarget, GpuMatrix>;
  /** q|k|v biases packed like the q|k|v output columns (Qwen2); `linear` indexes bias by output column. */
  qkvBias?: GPUBuffer;
}

export interface GpuBaseModel {
  config: ModelConfig;
  embed: GpuMatrix;
  lmHead: GpuMatrix;
  finalNorm: GPUBuffer;
  layers: GpuLayerWeights[];
  bytes: number;
}

export async function uploadBaseModel(runner: KernelRunner, w: ModelWeights, dtype: GpuDtype): Promise<GpuBaseModel> {
  const c = w.config;
  let bytes = 0;
  const matrix = async (name: string) => {
    const [rows, cols] = w.shape(name) as [number, number];
    const src = dtype === 'f16' && w.dtype(name) === 'F16' ? { f16: w.tensorF16(name) } : { f32: w.tensor(name) };
    const m = await uploadMatrix(runner, name, rows, cols, dtype, src);
    bytes += m.bytes;
    return m;
  };
  const vector = async (...names: string[]) => {
    const parts = names.map((n) => w.tensor(n));
    const all = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
    let o = 0;
    for (const p of parts) {
      all.set(p, o);
      o += p.length;
    }
    bytes += all.byteLength;
    return runner.upload(names.join('+'), all);
  };
  const embed = await matrix('model.embed_tokens.weight');
  const lmHead = c.tieWordEmbeddings ? embed : await matrix('lm_head.weight');
  const layers: GpuLayerWeights[] = [];
  for (let l = 0; l < c.numLayers; l++) {
    const n = (s: string) => `model.layers.${l}.${s}`;
    const proj = {} as Record<LoraTarget, GpuMatrix>;
    for (const t of LORA_TARGETS) proj[t] = await matrix(`${modulePath(l, t)}.weight`);
    layers.push({
      inputNorm: await vector(n('input_layernorm.weight')),
      postNorm: await vector(n('post_attention_layernorm.weight')),
      qkNorm: c.qkNorm ? await vector(n('self_attn.q_norm.weight'), n('self_attn.k_norm.weight')) : undefined,
      qkvBias: c.attentionBias ? await vector(n('self_attn.q_proj.bias'), n('self_attn.k_proj.bias'), n('self_attn.v_proj.bias')) : undefined,
      proj,
    });
  }
  return { config: c, embed, lmHead, finalNorm: await vector('model.norm.weight'), layers, bytes };
}

export interface LoraSlot {
  path: string;
  layer: number;
  target: LoraTarget;
  inF: number;
  outF: number;
  /** float offsets of A (r × in) and B (out × r) in the flat buffers */
  aOff: number;
  bOff: number;
}

export interface GpuLora {
  r: number;
  scale: number;
  slots: LoraSlot[];
  /** layer → target → slot */
  byLayer: Map<number, Map<LoraTarget, LoraSlot>>;
  n: number;
  params: GPUBuffer;
  grads: GPUBuffer;
}

export function loraLayout(a: LoraAdapter): { slots: LoraSlot[]; n: number } {
  const slots: LoraSlot[] = [];
  let off = 0;
  for (const [path, m] of a.modules) {
    const parts = path.split('.');
    const target = parts[4] as LoraTarget;
    slots.push({ path, layer: Number(parts[2]), target, inF: m.inF, outF: m.outF, aOff: off, bOff: off + m.A.length });
    off += m.A.length + m.B.length;
  }
  return { slots, n: off };
}

export async function uploadLora(runner: KernelRunner, a: LoraAdapter): Promise<GpuLora> {
  const { slots, n } = loraLayout(a);
  const flat = new Float32Array(n);
  for (const s of slots) {
    const m = a.modules.get(s.path)!;
    flat.set(m.A, s.aOff);
    flat.set(m.B, s.bOff);
  }
  const byLayer = new Map<number, Map<LoraTarget, LoraSlot>>();
  for (const s of slots) {
    if (!byLayer.has(s.layer)) byLayer.set(s.layer, new Map());
    byLayer.get(s.layer)!.set(s.target, s);
  }
  return { r: a.config.r, scale: a.scale, slots, byLayer, n, params: await runner.upload('lora.params', flat), grads: await runner.upload('lora.grads', new Float32Array(n)) };
}

/** Reads the flat buffer back as per-module float64 arrays (A r × in, B out × r). */
export async function readLoraFlat(runner: KernelRunner, g: GpuLora, buffer: GPUBuffer): Promise<Map<string, { A: Float64Array; B: Float64Array }>> {
  const flat = await runner.readF32(buffer, g.n);
  const out = new Map<string, { A: Float64Array; B: Float64Array }>();
  for (const s of g.slots) {
    out.set(s.path, { A: Float64Array.from(flat.subarray(s.aOff, s.aOff + g.r * s.inF)), B: Float64Array.from(flat.subarray(s.bOff, s.bOff + s.outF * g.r)) });
  }
  return out;
}
