// A tiny random Qwen2 model (vocabulary 32) and the toy tool-call suite, for the trainer tests.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModelFromDir, writeModelFiles } from '../../../src/model/load-node.ts';
import { buildTinyModel } from '../../../src/model/tiny.ts';
import type { ModelWeights } from '../../../src/model/weights.ts';
import { resolveConfig, type TrainConfig } from '../../../src/rl/config.ts';
import { ToyToolSuite } from '../../../src/rl/trainer/toy-suite.ts';
import { RlTrainer, type TrainerDeps } from '../../../src/rl/trainer/trainer.ts';

export const TOY_VOCAB = 32;

export async function tinyToyModel(seed = 3): Promise<{ weights: ModelWeights; dir: string }> {
  const files = buildTinyModel({
    architecture: 'qwen2', vocabSize: TOY_VOCAB, hiddenSize: 48, numHeads: 2, numKvHeads: 1, intermediateSize: 64, numLayers: 1,
    eosTokenIds: [TOY_VOCAB - 1], seed,
  });
  const dir = mkdtempSync(join(tmpdir(), 'tarl-toy-model-'));
  await writeModelFiles(dir, files);
  return { weights: await loadModelFromDir(dir), dir };
}

/** The learning-test config: GRPO, 4 toy tasks × G = 8, two generated tokens, LoRA r = 4. */
export function toyConfig(over: Record<string, unknown> = {}): TrainConfig {
  return resolveConfig({
    algorithm: 'grpo',
    seed: 11,
    steps: 40,
    tasksPerStep: 4,
    groupSize: 8,
    lr: 0.03,
    kl: { coef: 0.001, estimator: 'k3', placement: 'loss' },
    lora: { r: 4, alpha: 8, targets: ['q_proj', 'v_proj', 'o_proj', 'down_proj'], useRslora: false, layers: null },
    optimizer: { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, gradClip: 1 },
    reward: { mode: 'terminal', terminal: 1, deviation: 5, turnWeight: 'inverse-T', gamma: 1, stdEpsilon: 1e-6 },
    math: { ratio: 0, difficulties: [1], flavor: 'any' },
    sampling: { temperature: 1, topP: 1, maxNewTokens: 2 },
    eval: { every: 0, split: 'dev', k: 2, temperature: 1, maxTasks: null },
    checkpoint: { every: 0, dir: 'runs/toy', keep: 2 },
    ...over,
  });
}

export function toyTrainer(weights: ModelWeights, config: TrainConfig, extra: Partial<TrainerDeps> = {}): RlTrainer {
  const suite = new ToyToolSuite({ vocabSize: weights.config.vocabSize, eosTokenIds: weights.config.eosTokenIds });
  return new RlTrainer({ config, weights, suites: { retail: suite }, ...extra });
}
