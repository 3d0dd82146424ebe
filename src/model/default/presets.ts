// Shapes and training budgets of the default model. `tiny` is the CI smoke configuration, `small`
// what a CPU-only machine affords in minutes (windowed context), `full` the one to ship, made on a GPU.
import type { ModelConfig } from '../config.ts';

export type PresetName = 'tiny' | 'small' | 'full';

export interface Preset {
  name: PresetName;
  shape: { hiddenSize: number; numLayers: number; numHeads: number; numKvHeads: number; headDim: number; intermediateSize: number };
  /** Stored dtype of the shipped weights. */
  dtype: 'F32' | 'F16';
  /** Retail train tasks used for demonstrations (undefined: all). */
  maxTasks?: number;
  mathProblems: number;
  /** Training window in tokens (undefined: whole conversations, as the policy sees them). */
  window?: number;
  steps: number;
  batchSize: number;
  lr: number;
  warmupSteps: number;
}

export const PRESETS: Record<PresetName, Preset> = {
  tiny: {
    name: 'tiny',
    shape: { hiddenSize: 32, numLayers: 1, numHeads: 2, numKvHeads: 1, headDim: 16, intermediateSize: 64 },
    dtype: 'F32', maxTasks: 2, mathProblems: 2, window: 192, steps: 3, batchSize: 2, lr: 3e-3, warmupSteps: 1,
  },
  small: {
    name: 'small',
    shape: { hiddenSize: 128, numLayers: 2, numHeads: 4, numKvHeads: 2, headDim: 32, intermediateSize: 384 },
    dtype: 'F32', mathProblems: 200, window: 384, steps: 75, batchSize: 4, lr: 3e-3, warmupSteps: 5,
  },
  full: {
    name: 'full',
    shape: { hiddenSize: 384, numLayers: 6, numHeads: 6, numKvHeads: 2, headDim: 64, intermediateSize: 1024 },
    dtype: 'F16', mathProblems: 1000, steps: 3000, batchSize: 4, lr: 1e-3, warmupSteps: 100,
  },
};

export function presetByName(name: string): Preset {
  const p = (PRESETS as Record<string, Preset>)[name];
  if (!p) throw new Error(`--config: "${name}" is not one of ${Object.keys(PRESETS).join(', ')}`);
  return p;
}

/** A Qwen3-architecture config (tied embeddings, q/k norms) for `vocabSize` tokens. */
export function modelConfig(p: Preset, vocabSize: number, eosTokenIds: number[]): ModelConfig {
  return {
    architecture: 'qwen3',
    ...p.shape,
    vocabSize,
    rmsNormEps: 1e-6,
    ropeTheta: 1_000_000,
    tieWordEmbeddings: true,
    attentionBias: false,
    qkNorm: true,
    maxPositionEmbeddings: 16384,
    eosTokenIds,
    bosTokenId: null,
    dtype: p.dtype === 'F32' ? 'float32' : 'float16',
  };
}
