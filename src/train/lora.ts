// LoRA adapters on the linear projections of a Qwen model, applied unmerged:
//   y = x·Wᵀ (+ b) + scale·(x·Aᵀ)·Bᵀ,  A: r × in, B: out × r,  scale = alpha / r (alpha / √r with rsLoRA).
// Disabling the adapter (`enabled = false`, or passing none) gives the frozen reference policy from the
// same base weights, so KL to the reference costs no extra memory.
// Tensors are keyed by module path (e.g. "model.layers.0.self_attn.q_proj"), the same path PEFT uses
// after its "base_model.model." prefix (see peft.ts).
import type { ModelConfig } from '../model/config.ts';
import { rng } from '../reference/compare.ts';

export const LORA_TARGETS = ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'] as const;
export type LoraTarget = (typeof LORA_TARGETS)[number];

export interface LoraConfig {
  r: number;
  alpha: number;
  targets: LoraTarget[];
  /** rsLoRA scaling alpha/√r instead of alpha/r. */
  useRslora?: boolean;
  /** Layers that carry adapters (default: all). */
  layers?: number[];
}

export interface LoraPair {
  /** r × in */
  A: Float64Array;
  /** out × r */
  B: Float64Array;
  inF: number;
  outF: number;
}

export interface LoraAdapter {
  config: LoraConfig;
  scale: number;
  /** Off: the forward pass ignores the adapter (reference policy). */
  enabled: boolean;
  /** module path → A/B */
  modules: Map<string, LoraPair>;
  /** Tensor names as they were saved, when loaded from a file (module path → names of A and B). */
  savedNames?: Map<string, { A: string; B: string }>;
}

export function isLoraTarget(s: string): s is LoraTarget {
  return (LORA_TARGETS as readonly string[]).includes(s);
}

export function loraScale(c: LoraConfig): number {
  return c.useRslora ? c.alpha / Math.sqrt(c.r) : c.alpha / c.r;
}

/** The module path of a projection: q/k/v/o live under self_attn, gate/up/down under mlp. */
export function modulePath(layer: number, target: LoraTarget): string {
  const block = target === 'gate_proj' || target === 'up_proj' || target === 'down_proj' ? 'mlp' : 'self_attn';
  return `model.layers.${layer}.${block}.${target}`;
}

/** [in, out] features of a projection for this model. */
export function projectionShape(c: ModelConfig, target: LoraTarget): [number, number] {
  const H = c.hiddenSize;
  const q = c.numHeads * c.headDim;
  const kv = c.numKvHeads * c.headDim;
  switch (target) {
    case 'q_proj':
      return [H, q];
    case 'k_proj':
    case 'v_proj':
      return [H, kv];
    case 'o_proj':
      return [q, H];
    case 'gate_proj':
    case 'up_proj':
      return [H, c.intermediateSize];
    case 'down_proj':
      return [c.intermediateSize, H];
  }
}

export function validateLoraConfig(c: LoraConfig, model: ModelConfig): void {
  if (!Number.isInteger(c.r) || c.r < 1) throw new Error(`LoRA: rank r must be a positive integer, got ${c.r}`);
  if (!(Number.isFinite(c.alpha) && c.alpha > 0)) throw new Error(`LoRA: alpha must be a positive number, got ${c.alpha}`);
  if (!c.targets.length) throw new Error('LoRA: no target modules given');
  for (const t of c.targets) if (!isLoraTarget(t)) throw new Error(`LoRA: unknown target module "${t}" (expected one of ${LORA_TARGETS.join(', ')})`);
  for (const l of c.layers ?? []) {
    if (!Number.isInteger(l) || l < 0 || l >= model.numLayers) throw new Error(`LoRA: layer ${l} is outside [0, ${model.numLayers})`);
  }
}

export type LoraInit = 'peft' | 'random';

/**
 * New adapter. 'peft': A ~ kaiming-uniform(a=√5) as PEFT does (bound 1/√in), B = 0, so the adapted model
 * starts equal to the base. 'random': A and B both non-zero (±`randomScale`), for gradient tests.
 */
export function createLora(model: ModelConfig, config: LoraConfig, { init = 'peft', seed = 0, randomScale = 0.1 }: { init?: LoraInit; seed?: number; randomScale?: number } = {}): LoraAdapter {
  validateLoraConfig(config, model);
  const r = rng(seed + 1);
  const uniform = (n: number, bound: number) => Float64Array.from({ length: n }, () => (r() * 2 - 1) * bound);
  const layers = config.layers ?? Array.from({ length: model.numLayers }, (_, i) => i);
  const modules = new Map<string, LoraPair>();
  for (const l of layers) {
    for (const t of LORA_TARGETS) {
      if (!config.targets.includes(t)) continue;
      const [inF, outF] = projectionShape(model, t);
      const A = uniform(config.r * inF, init === 'peft' ? 1 / Math.sqrt(inF) : randomScale);
      const B = init === 'peft' ? new Float64Array(outF * config.r) : uniform(outF * config.r, randomScale);
      modules.set(modulePath(l, t), { A, B, inF, outF });
    }
  }
  return { config: { ...config, targets: [...config.targets], layers }, scale: loraScale(config), enabled: true, modules };
}

/** Trainable parameter count. */
export function loraParameterCount(a: LoraAdapter): number {
  let n = 0;
  for (const m of a.modules.values()) n += m.A.length + m.B.length;
  return n;
}
