// Tiny random Qwen2/Qwen3 models for trainer tests (float64 params, and as an HF folder on disk).
import { parseModelConfig, toHfConfigJson, type ModelConfig } from '../../../src/model/config.ts';
import { writeSafetensors, type SafeTensorInput } from '../../../src/model/safetensors.ts';
import { expectedTensorShapes } from '../../../src/model/weights.ts';
import type { TrainModel } from '../../../src/train/cpu/params.ts';
import { rand64 } from './fd.ts';

export function tinyConfig(arch: 'qwen2' | 'qwen3', over: Record<string, unknown> = {}): ModelConfig {
  const base = {
    model_type: arch,
    hidden_size: 16,
    intermediate_size: 24,
    num_hidden_layers: 2,
    num_attention_heads: 4,
    num_key_value_heads: 2,
    vocab_size: 29,
    rms_norm_eps: 1e-6,
    rope_theta: 10000,
    tie_word_embeddings: arch === 'qwen2',
    ...(arch === 'qwen3' ? { head_dim: 6 } : {}),
    ...over,
  };
  return parseModelConfig(base);
}

export function randomTrainModel(config: ModelConfig, seed = 1): TrainModel {
  const params = new Map<string, Float64Array>();
  let s = seed * 1000;
  for (const [name, shape] of expectedTensorShapes(config)) {
    const n = shape.reduce((a, b) => a * b, 1);
    const isNorm = name.endsWith('norm.weight');
    const p = rand64(n, s++, isNorm ? 0.3 : 0.4);
    if (isNorm) for (let i = 0; i < n; i++) p[i] += 1;
    params.set(name, p);
  }
  return { config, params };
}

/** config.json + model.safetensors (float32) for `model`. */
export async function writeModelDir(dir: string, model: TrainModel): Promise<void> {
  const { mkdir, writeFile } = await import('node:fs/promises');
  await mkdir(dir, { recursive: true });
  const tensors = new Map<string, SafeTensorInput>();
  for (const [name, shape] of expectedTensorShapes(model.config)) {
    tensors.set(name, { dtype: 'F32', shape, data: Float32Array.from(model.params.get(name)!) });
  }
  await writeFile(`${dir}/config.json`, JSON.stringify({ ...toHfConfigJson(model.config), torch_dtype: 'float32' }));
  await writeFile(`${dir}/model.safetensors`, writeSafetensors(tensors));
}
