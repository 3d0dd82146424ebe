// Options and loading shared by the model commands (logits, generate).
import { Option } from 'commander';
import { createBackend, type DeviceKind, type InferenceBackend } from '../../model/backend.ts';
import { loadModelFromDir } from '../../model/load-node.ts';
import type { ModelWeights } from '../../model/weights.ts';

export interface ModelCommandOptions {
  model: string;
  tokens: string;
  device: DeviceKind;
  adapter?: string;
  dawn: string[];
  fallback?: boolean;
}

export const deviceOption = () =>
  new Option('--device <device>', 'where the model runs').choices(['cpu', 'webgpu']).default('cpu');

/** Returns weights with the PEFT adapter in `dir` applied (merged), or the weights unchanged without one. */
export async function applyAdapterIfAny(weights: ModelWeights, dir: string | undefined): Promise<ModelWeights> {
  if (!dir) return weights;
  const { applyAdapterIfAny: apply } = await import('../../train/peft.ts');
  return apply(weights, dir);
}

export async function openBackend(o: ModelCommandOptions): Promise<InferenceBackend> {
  const weights = await applyAdapterIfAny(await loadModelFromDir(o.model), o.adapter);
  return createBackend(weights, o.device, { dawnOptions: o.dawn, forceFallbackAdapter: o.fallback });
}
