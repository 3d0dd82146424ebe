// Uploads a ModelWeights to the GPU in the layout the kernels want:
// q|k|v concatenated into one projection (one matmul, one bias), gate|up into one (SwiGLU reads
// both halves), matrices f16-packed or f32, norms and biases f32; a tied LM head shares the
// embedding's buffers. Tensors over the binding limit are split by rows (gpu-matrix.ts).
import type { KernelRunner } from '../../gpu/runner.ts';
import { OutOfMemoryError } from '../../gpu/errors.ts';
import { destroyMatrix, uploadMatrix, type GpuDtype, type GpuMatrix, type MatrixSource } from '../../kernels/gpu-matrix.ts';
import { layerName, type ModelWeights } from '../weights.ts';

export interface GpuLayer {
  inputNorm: GPUBuffer;
  qkv: GpuMatrix;
  qkvBias?: GPUBuffer;
  /** q_norm then k_norm (Qwen3). */
  qkNorm?: GPUBuffer;
  o: GpuMatrix;
  postNorm: GPUBuffer;
  gateUp: GpuMatrix;
  down: GpuMatrix;
}

export interface GpuWeights {
  dtype: GpuDtype;
  embed: GpuMatrix;
  lmHead: GpuMatrix;
  finalNorm: GPUBuffer;
  layers: GpuLayer[];
  /** Bytes on the GPU. */
  bytes: number;
}

export type WeightDtypeChoice = 'auto' | GpuDtype;

/** auto: f32 only when every tensor is F32 (f16 halves memory and bandwidth otherwise). */
export function chooseDtype(weights: ModelWeights, choice: WeightDtypeChoice): GpuDtype {
  if (choice !== 'auto') return choice;
  return weights.names().every((n) => weights.dtype(n) === 'F32') ? 'f32' : 'f16';
}

const F16_INF = 0x7c00;

function f16Of(weights: ModelWeights, name: string): Uint16Array {
  const bits = weights.tensorF16(name);
  for (let i = 0; i < bits.length; i++) {
    if ((bits[i]! & 0x7c00) === F16_INF) {
      throw new Error(`${weights.source}: tensor "${name}" has a value outside the f16 range at index ${i}; load the model with f32 weights`);
    }
  }
  return bits;
}

function concatSource(weights: ModelWeights, names: string[], dtype: GpuDtype): MatrixSource {
  const parts = names.map((n) => (dtype === 'f16' ? f16Of(weights, n) : weights.tensor(n)));
  const total = parts.reduce((s, p) => s + p.length, 0);
  if (dtype === 'f16') {
    const out = new Uint16Array(total);
    let o = 0;
    for (const p of parts) (out.set(p as Uint16Array, o), (o += p.length));
    return { f16: out };
  }
  const out = new Float32Array(total);
  let o = 0;
  for (const p of parts) (out.set(p as Float32Array, o), (o += p.length));
  return { f32: out };
}

function concatF32(weights: ModelWeights, names: string[]): Float32Array {
  const parts = names.map((n) => weights.tensor(n));
  const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) (out.set(p, o), (o += p.length));
  return out;
}

export async function uploadWeights(
  runner: KernelRunner,
  weights: ModelWeights,
  choice: WeightDtypeChoice = 'auto',
  onProgress?: (done: number, total: number) => void,
  maxChunkBytes?: number,
): Promise<GpuWeights> {
  const c = weights.config;
  const dtype = chooseDtype(weights, choice);
  const H = c.hiddenSize;
  const allocated: (GPUBuffer | GpuMatrix)[] = [];
  let bytes = 0;
  const track = <T extends GPUBuffer | GpuMatrix>(x: T): T => {
    allocated.push(x);
    bytes += 'chunks' in x ? x.bytes : x.size;
    return x;
  };
  const matrix = async (label: string, names: string[], rows: number, cols: number) =>
    track(await uploadMatrix(runner, label, rows, cols, dtype, concatSource(weights, names, dtype), { maxChunkBytes }));
  const vector = async (label: string, names: string[]) => track(await runner.upload(label, concatF32(weights, names)));
  const steps = c.numLayers + 2;
  try {
    const embed = await matrix('model.embed_tokens.weight', ['model.embed_tokens.weight'], c.vocabSize, H);
    onProgress?.(1, steps);
    const layers: GpuLayer[] = [];
    const qRows = c.numHeads * c.headDim;
    const kvRows = c.numKvHeads * c.headDim;
    for (let l = 0; l < c.numLayers; l++) {
      const n = (s: string) => layerName(l, s);
      const qkvNames = ['q_proj', 'k_proj', 'v_proj'].map((p) => n(`self_attn.${p}.weight`));
      layers.push({
        inputNorm: await vector(n('input_layernorm.weight'), [n('input_layernorm.weight')]),
        qkv: await matrix(n('self_attn.{q,k,v}_proj.weight'), qkvNames, qRows + 2 * kvRows, H),
        qkvBias: c.attentionBias
          ? await vector(n('self_attn.{q,k,v}_proj.bias'), ['q_proj', 'k_proj', 'v_proj'].map((p) => n(`self_attn.${p}.bias`)))
          : undefined,
        qkNorm: c.qkNorm ? await vector(n('self_attn.{q,k}_norm.weight'), [n('self_attn.q_norm.weight'), n('self_attn.k_norm.weight')]) : undefined,
        o: await matrix(n('self_attn.o_proj.weight'), [n('self_attn.o_proj.weight')], H, qRows),
        postNorm: await vector(n('post_attention_layernorm.weight'), [n('post_attention_layernorm.weight')]),
        gateUp: await matrix(n('mlp.{gate,up}_proj.weight'), [n('mlp.gate_proj.weight'), n('mlp.up_proj.weight')], 2 * c.intermediateSize, H),
        down: await matrix(n('mlp.down_proj.weight'), [n('mlp.down_proj.weight')], H, c.intermediateSize),
      });
      onProgress?.(l + 2, steps);
    }
    const finalNorm = await vector('model.norm.weight', ['model.norm.weight']);
    const lmHead = c.tieWordEmbeddings ? embed : await matrix(weights.lmHeadName, [weights.lmHeadName], c.vocabSize, H);
    onProgress?.(steps, steps);
    return { dtype, embed, lmHead, finalNorm, layers, bytes };
  } catch (e) {
    for (const a of allocated) ('chunks' in a ? destroyMatrix(a) : a.destroy());
    if (e instanceof OutOfMemoryError) {
      throw new Error(`${weights.source}: the model does not fit in GPU memory (${e.message}; ${(bytes / 2 ** 20).toFixed(0)} MiB of weights were already uploaded)`);
    }
    throw e;
  }
}

export function destroyWeights(w: GpuWeights): void {
  const seen = new Set<GpuMatrix>();
  const m = (x: GpuMatrix) => {
    if (!seen.has(x)) (seen.add(x), destroyMatrix(x));
  };
  m(w.embed);
  m(w.lmHead);
  w.finalNorm.destroy();
  for (const l of w.layers) {
    l.inputNorm.destroy();
    l.postNorm.destroy();
    l.qkvBias?.destroy();
    l.qkNorm?.destroy();
    for (const x of [l.qkv, l.o, l.gateUp, l.down]) m(x);
  }
}
