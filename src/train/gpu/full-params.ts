// Full-weight training on the GPU: every base tensor is a parameter (f32, one buffer each), with its
// gradient at an offset in one flat buffer (so the norm, guard and clipping run once per step).
// Qwen2's q|k|v biases and Qwen3's q|k norms are stored packed on the GPU and trained packed;
// readGrads() unpacks them back to HF names.
import type { KernelRunner } from '../../gpu/runner.ts';
import type { GpuBaseModel } from './weights.ts';
import { LORA_TARGETS, modulePath } from '../lora.ts';
import { QK_NORM, QKV_BIAS } from './layer.ts';

export interface FullParam {
  name: string;
  buffer: GPUBuffer;
  n: number;
  offset: number;
}

export interface FullParams {
  params: FullParam[];
  offsets: Map<string, number>;
  n: number;
  grads: GPUBuffer;
}

export async function registerFullParams(runner: KernelRunner, base: GpuBaseModel): Promise<FullParams> {
  const c = base.config;
  const params: FullParam[] = [];
  let n = 0;
  const add = (name: string, buffer: GPUBuffer, count: number) => {
    params.push({ name, buffer, n: count, offset: n });
    n += count;
  };
  const matrix = (m: GpuBaseModel['embed']) => {
    if (m.dtype !== 'f32' || m.chunks.length !== 1) {
      throw new Error(`full-weight GPU training needs every weight as one f32 buffer; ${m.label} is ${m.dtype} in ${m.chunks.length} chunk(s) (model too large for this device's binding limit)`);
    }
    return m.chunks[0]!.buffer;
  };
  add('model.embed_tokens.weight', matrix(base.embed), base.embed.rows * base.embed.cols);
  if (!c.tieWordEmbeddings) add('lm_head.weight', matrix(base.lmHead), base.lmHead.rows * base.lmHead.cols);
  const qkv = (c.numHeads + 2 * c.numKvHeads) * c.headDim;
  base.layers.forEach((lw, l) => {
    const p = (s: string) => `model.layers.${l}.${s}`;
    add(p('input_layernorm.weight'), lw.inputNorm, c.hiddenSize);
    add(p('post_attention_layernorm.weight'), lw.postNorm, c.hiddenSize);
    if (lw.qkvBias) add(p(QKV_BIAS), lw.qkvBias, qkv);
    if (lw.qkNorm) add(p(QK_NORM), lw.qkNorm, 2 * c.headDim);
    for (const t of LORA_TARGETS) add(`${modulePath(l, t)}.weight`, matrix(lw.proj[t]), lw.proj[t].rows * lw.proj[t].cols);
  });
  add('model.norm.weight', base.finalNorm, c.hiddenSize);
  const offsets = new Map(params.map((p) => [p.name, p.offset]));
  return { params, offsets, n, grads: await runner.upload('full.grads', new Float32Array(n)) };
}

/** Splits a packed parameter's values into its HF tensors. */
function unpack(name: string, v: Float32Array, base: GpuBaseModel): [string, Float32Array][] {
  const c = base.config;
  const pre = name.slice(0, name.indexOf('self_attn.'));
  if (name.endsWith(QKV_BIAS)) {
    const q = c.numHeads * c.headDim;
    const kv = c.numKvHeads * c.headDim;
    return [[`${pre}self_attn.q_proj.bias`, v.subarray(0, q)], [`${pre}self_attn.k_proj.bias`, v.subarray(q, q + kv)], [`${pre}self_attn.v_proj.bias`, v.subarray(q + kv)]];
  }
  if (name.endsWith(QK_NORM)) return [[`${pre}self_attn.q_norm.weight`, v.subarray(0, c.headDim)], [`${pre}self_attn.k_norm.weight`, v.subarray(c.headDim)]];
  return [[name, v]];
}

/** Gradients by HF tensor name. */
export async function readFullGrads(runner: KernelRunner, f: FullParams, base: GpuBaseModel): Promise<Map<string, Float32Array>> {
  const flat = await runner.readF32(f.grads, f.n);
  const out = new Map<string, Float32Array>();
  for (const p of f.params) for (const [k, v] of unpack(p.name, flat.subarray(p.offset, p.offset + p.n), base)) out.set(k, v);
  return out;
}

/** Current parameter values by HF tensor name (e.g. to save the trained model). */
export async function readFullParams(runner: KernelRunner, f: FullParams, base: GpuBaseModel): Promise<Map<string, Float32Array>> {
  const out = new Map<string, Float32Array>();
  for (const p of f.params) for (const [k, v] of unpack(p.name, await runner.readF32(p.buffer, p.n), base)) out.set(k, v);
  return out;
}
