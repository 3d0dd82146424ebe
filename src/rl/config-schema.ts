// The training config's JSON Schema (draft 2020-12, validated with ajv) and its defaults. Every key
// has a description; docs/config.md documents the same keys (a unit test checks that none is missing).
import { LORA_TARGETS, type LoraTarget } from '../train/lora.ts';
import type { RewardMode } from '../reward/config.ts';
import type { KlEstimator } from './kl.ts';
import type { Aggregation, Algorithm, KlPlacement } from './objectives.ts';
import type { ScheduleSpec } from './schedule.ts';

export interface TrainConfig {
  algorithm: Algorithm;
  seed: number;
  steps: number;
  tasksPerStep: number;
  groupSize: number;
  innerSteps: number;
  miniBatches: number;
  model: { dir: string | null };
  data: { split: string };
  reward: { mode: RewardMode; terminal: number; deviation: number; turnWeight: 'inverse-T' | number; gamma: number; stdEpsilon: number };
  kl: { coef: number; estimator: KlEstimator; placement: KlPlacement };
  clip: { low: number; high: number };
  entropyCoef: number;
  loss: { aggregation: Aggregation | 'auto'; constantNormalizer: number };
  lr: number;
  lrSchedule: ScheduleSpec;
  optimizer: { beta1: number; beta2: number; eps: number; weightDecay: number; gradClip: number | null };
  lora: { r: number; alpha: number; targets: LoraTarget[]; useRslora: boolean; layers: number[] | null };
  ppo: { level: 'token' | 'turn'; gamma: number; lambda: number; valueCoef: number; valueClip: number | null; normalizeAdvantages: boolean };
  math: { ratio: ScheduleSpec; difficulties: Array<1 | 2 | 3 | 4>; flavor: 'any' | 'retail' | 'plain' };
  sampling: { temperature: ScheduleSpec; topP: number; maxNewTokens: number };
  episode: { maxTurns: number; user: 'scripted' | 'openai' | 'local'; judge: 'reference' | 'openai' | 'local' };
  speechShare: ScheduleSpec;
  speech: { projectorLrMultiplier: number; preset: 'clean' | 'telephone' };
  eval: { every: number; split: string; k: number; temperature: number; maxTasks: number | null };
  checkpoint: { every: number; dir: string; keep: number };
  log: { metricsFile: string; progress: boolean };
  maxNonFiniteSteps: number;
}

export const DEFAULT_CONFIG: TrainConfig = {
  algorithm: 'grpo',
  seed: 0,
  steps: 200,
  tasksPerStep: 4,
  groupSize: 8,
  innerSteps: 1,
  miniBatches: 1,
  model: { dir: null },
  data: { split: 'train' },
  reward: { mode: 'trajectory', terminal: 10, deviation: 5, turnWeight: 'inverse-T', gamma: 1, stdEpsilon: 1e-6 },
  kl: { coef: 0.001, estimator: 'k3', placement: 'loss' },
  clip: { low: 0.2, high: 0.28 },
  entropyCoef: 0,
  loss: { aggregation: 'auto', constantNormalizer: 1024 },
  lr: 2e-5,
  lrSchedule: 1,
  optimizer: { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, gradClip: 1 },
  lora: { r: 16, alpha: 32, targets: [...LORA_TARGETS], useRslora: false, layers: null },
  ppo: { level: 'token', gamma: 1, lambda: 0.95, valueCoef: 0.5, valueClip: 0.2, normalizeAdvantages: true },
  math: { ratio: 0.1, difficulties: [1, 2, 3, 4], flavor: 'any' },
  sampling: { temperature: 1, topP: 1, maxNewTokens: 512 },
  episode: { maxTurns: 30, user: 'scripted', judge: 'reference' },
  speechShare: 0,
  speech: { projectorLrMultiplier: 3, preset: 'clean' },
  eval: { every: 10, split: 'dev', k: 4, temperature: 0.7, maxTasks: null },
  checkpoint: { every: 10, dir: 'runs/tarl', keep: 3 },
  log: { metricsFile: 'metrics.jsonl', progress: true },
  maxNonFiniteSteps: 3,
};

// Small schema builders; `x-expected` says in words what a oneOf/union accepts (for error messages).
const num = (description: string, extra: object = {}) => ({ type: 'number', description, ...extra });
const int = (description: string, minimum: number, extra: object = {}) => ({ type: 'integer', minimum, description, ...extra });
const prob = (description: string) => num(description, { minimum: 0, maximum: 1 });
const oneOfEnum = (values: readonly string[], description: string) => ({ enum: values, description });
const section = (description: string, properties: Record<string, object>) => ({
  type: 'object',
  description,
  additionalProperties: false,
  required: Object.keys(properties),
  properties,
});
const schedule = (description: string, range: { min?: number; max?: number }) => ({ schedule: range, description });

export const CONFIG_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  ...section('TARL Studio RL training config', {
    algorithm: oneOfEnum(['grpo', 'drgrpo', 'rloo', 'ppo'], 'policy-gradient algorithm'),
    seed: int('seed of the run: task order, math problems and sampling all derive from it', 0),
    steps: int('number of training steps', 1),
    tasksPerStep: int('tasks sampled per step (retail + math)', 1),
    groupSize: int('rollouts per task (G); group advantages compare them', 2),
    innerSteps: int('optimisation passes over each step\'s rollouts (PPO epochs); 1 = strictly on-policy', 1),
    miniBatches: int('optimizer updates per pass (the rollouts are split into this many mini-batches)', 1),
    model: section('policy model', {
      dir: { type: ['string', 'null'], description: 'model directory (safetensors + config + tokenizer); required by `tarl train`', 'x-expected': 'a path or null' },
    }),
    data: section('training tasks', { split: { type: 'string', minLength: 1, description: 'τ-bench retail split for training' } }),
    reward: section('reward shaping (src/reward): every coefficient is a plain number', {
      mode: oneOfEnum(['terminal', 'trajectory', 'turn'], 'terminal only, trajectory-level (TARL best) or per-turn'),
      terminal: num('multiplier of the 0/1 verifier reward', { minimum: 0 }),
      deviation: num('weight of the single major-deviation (−1) turn', { minimum: 0 }),
      turnWeight: {
        description: "weight of every other judged turn: 'inverse-T' (1/T, T = agent turns) or a number",
        'x-expected': "'inverse-T' or a number >= 0",
        oneOf: [{ const: 'inverse-T' }, { type: 'number', minimum: 0 }],
      },
      gamma: prob('discount of per-turn returns (turn mode)'),
      stdEpsilon: num('added to the group std before dividing (GRPO)', { minimum: 0 }),
    }),
    kl: section('KL to the reference policy (adapters off)', {
      coef: num('β, the KL coefficient (0 disables)', { minimum: 0 }),
      estimator: oneOfEnum(['k1', 'k3'], 'KL estimator'),
      placement: oneOfEnum(['loss', 'reward'], 'subtract β·KL in the loss, or as a reward penalty before advantages'),
    }),
    clip: section('PPO-style ratio clip [1 − low, 1 + high]', {
      low: num('ε_low', { minimum: 0, exclusiveMaximum: 1 }),
      high: num('ε_high (clip-higher > low keeps exploration)', { minimum: 0 }),
    }),
    entropyCoef: num('entropy bonus coefficient (0 disables)'),
    loss: section('how per-token terms are averaged', {
      aggregation: oneOfEnum(['auto', 'token-mean', 'sequence-mean', 'constant'], "'auto' picks the algorithm's default"),
      constantNormalizer: num("C of 'constant' aggregation (Dr.GRPO: max generated tokens)", { exclusiveMinimum: 0 }),
    }),
    lr: num('peak learning rate of the LoRA adapters (and value head)', { exclusiveMinimum: 0 }),
    lrSchedule: schedule('multiplier of lr over steps', { min: 0 }),
    optimizer: section('AdamW', {
      beta1: num('first-moment decay', { minimum: 0, exclusiveMaximum: 1 }),
      beta2: num('second-moment decay', { minimum: 0, exclusiveMaximum: 1 }),
      eps: num('denominator epsilon', { exclusiveMinimum: 0 }),
      weightDecay: num('decoupled weight decay', { minimum: 0 }),
      gradClip: { type: ['number', 'null'], exclusiveMinimum: 0, description: 'global gradient-norm clip (null: off)', 'x-expected': 'a number > 0 or null' },
    }),
    lora: section('LoRA adapters (saved in PEFT format)', {
      r: int('rank', 1),
      alpha: num('scale numerator: scale = alpha / r (alpha / √r with rsLoRA)', { exclusiveMinimum: 0 }),
      targets: { type: 'array', minItems: 1, uniqueItems: true, items: { enum: LORA_TARGETS }, description: 'projections that get adapters' },
      useRslora: { type: 'boolean', description: 'rank-stabilised scaling alpha / √r' },
      layers: {
        type: ['array', 'null'],
        items: { type: 'integer', minimum: 0 },
        uniqueItems: true,
        description: 'layers with adapters (null: all)',
        'x-expected': 'a list of layer indices or null',
      },
    }),
    ppo: section('PPO only', {
      level: oneOfEnum(['token', 'turn'], 'GAE over policy tokens or over agent turns'),
      gamma: prob('GAE discount γ'),
      lambda: prob('GAE λ'),
      valueCoef: num('weight of the value-head loss', { minimum: 0 }),
      valueClip: { type: ['number', 'null'], exclusiveMinimum: 0, description: 'value clip around the sampling-time value (null: off)', 'x-expected': 'a number > 0 or null' },
      normalizeAdvantages: { type: 'boolean', description: 'whiten the GAE advantages over each step\'s policy tokens (mean 0, std 1)' },
    }),
    math: section('math problems mixed into batches', {
      ratio: schedule('share of tasks that are math problems, over steps', { min: 0, max: 1 }),
      difficulties: { type: 'array', minItems: 1, uniqueItems: true, items: { enum: [1, 2, 3, 4] }, description: 'difficulties drawn uniformly' },
      flavor: oneOfEnum(['any', 'retail', 'plain'], 'retail-flavoured, plain, or both'),
    }),
    sampling: section('rollout sampling', {
      temperature: schedule('sampling temperature over steps', { min: 0 }),
      topP: num('nucleus sampling p', { exclusiveMinimum: 0, maximum: 1 }),
      maxNewTokens: int('max tokens per policy turn', 1),
    }),
    episode: section('episodes', {
      maxTurns: int('turn limit per episode', 1),
      user: oneOfEnum(['scripted', 'openai', 'local'], 'user simulator'),
      judge: oneOfEnum(['reference', 'openai', 'local'], 'turn-level judge backend'),
    }),
    speechShare: schedule('share of speech episodes over steps (multimodal warm-up)', { min: 0, max: 1 }),
    speech: section('speech episodes', {
      projectorLrMultiplier: num("the audio projector's learning rate = lr × this", { exclusiveMinimum: 0 }),
      preset: oneOfEnum(['clean', 'telephone'], 'how the customer speech sounds'),
    }),
    eval: section('held-out evaluation', {
      every: int('evaluate every N steps (0: never)', 0),
      split: { type: 'string', minLength: 1, description: 'held-out split' },
      k: int('trials per task (pass^1 and pass^k)', 1),
      temperature: num('sampling temperature during evaluation', { minimum: 0 }),
      maxTasks: { type: ['integer', 'null'], minimum: 1, description: 'cap on evaluated tasks (null: whole split)', 'x-expected': 'an integer >= 1 or null' },
    }),
    checkpoint: section('checkpoints', {
      every: int('save every N steps (0: only at the end)', 0),
      dir: { type: 'string', minLength: 1, description: 'run directory (checkpoints, metrics)' },
      keep: int('checkpoints kept (older ones deleted)', 1),
    }),
    log: section('logging', {
      metricsFile: { type: 'string', minLength: 1, description: 'JSON-lines metrics file, relative to checkpoint.dir' },
      progress: { type: 'boolean', description: 'progress bar in the terminal' },
    }),
    maxNonFiniteSteps: int('consecutive non-finite-loss steps that stop the run', 1),
  }),
} as const;
