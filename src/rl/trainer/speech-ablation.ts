// TARL's speech claim as one ablation, in miniature but end to end (issue 10):
//   1. text RL on the spoken-intent suite (the policy learns which tool each request needs);
//   2. alignment: the projector alone learns to make the policy hearing the audio act like the policy
//      reading the text (KL, gated by the encoder's listening test);
//   3. two arms continue from the same checkpoint for the same number of steps:
//        text-only RL   — speech share 0, projector frozen;
//        speech RL      — speech episodes mixed per task, their share ramping 0 → share over the
//                         warm-up steps (the multimodal warm-up), projector lr × multiplier;
//   4. both arms are evaluated on the held-out tasks heard as speech (and read as text).
import type { ModelWeights } from '../../model/weights.ts';
import type { LoraAdapter } from '../../train/lora.ts';
import { alignProjector, checkListeningGate, type AlignExample, type AlignReport, type ListeningGate } from '../../speech/align.ts';
import type { HeardTurn, HearRequest } from '../../speech/hearing.ts';
import { AudioProjector } from '../../speech/projector.ts';
import type { ProjectorConfig } from '../../speech/projector-reference.ts';
import { resolveConfig, type TrainConfig } from '../config.ts';
import type { EvalEvent, MetricEvent } from '../metrics.ts';
import { serializeCheckpoint } from './checkpoint.ts';
import { SpokenToySuite } from './spoken-toy-suite.ts';
import { speechTraining } from './speech-engine.ts';
import { RlTrainer } from './trainer.ts';

export interface SpeechAblationOptions {
  weights: ModelWeights;
  hearing: { hear(r: HearRequest): Promise<HeardTurn>; memory: { get(key: string): { frames: Float32Array; T: number } | undefined } };
  /** The listening test of the encoder (gates the alignment). */
  gate: ListeningGate;
  encoderDim: number;
  tasks: number;
  groupSize: number;
  tasksPerStep: number;
  textSteps: number;
  armSteps: number;
  alignSteps: number;
  /** Projector learning rate of the alignment stage (default 1e-3). */
  alignLr?: number;
  /** Speech share after the warm-up (speech RL arm). */
  speechShare: number;
  warmupSteps: number;
  projectorLrMultiplier: number;
  evalK: number;
  lr: number;
  seed: number;
  onEvent?: (arm: string, e: MetricEvent) => void;
  onAlign?: (r: { step: number; kl: number }) => void;
}

export interface ArmResult {
  arm: 'text-only RL' | 'speech RL';
  speech: EvalEvent;
  text: EvalEvent;
  /** The arm's final policy: its LoRA adapter and projector. */
  adapter: LoraAdapter;
  projector: Uint8Array;
  /** Mean speech share over the arm's steps. */
  meanSpeechShare: number;
}

export interface SpeechAblationReport {
  afterTextRl: { speech: EvalEvent; text: EvalEvent };
  alignment: AlignReport;
  afterAlignment: { speech: EvalEvent; text: EvalEvent };
  arms: ArmResult[];
  ms: number;
}

function armConfig(o: SpeechAblationOptions, speechShare: TrainConfig['speechShare'], steps: number): TrainConfig {
  return resolveConfig({
    algorithm: 'grpo', seed: o.seed, steps, tasksPerStep: o.tasksPerStep, groupSize: o.groupSize, lr: o.lr,
    kl: { coef: 0.001, estimator: 'k3', placement: 'loss' },
    lora: { r: 4, alpha: 8, targets: ['q_proj', 'v_proj', 'o_proj', 'down_proj'], useRslora: false, layers: null },
    optimizer: { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, gradClip: 1 },
    reward: { mode: 'terminal', terminal: 1, deviation: 5, turnWeight: 'inverse-T', gamma: 1, stdEpsilon: 1e-6 },
    math: { ratio: 0, difficulties: [1], flavor: 'any' },
    sampling: { temperature: 1, topP: 1, maxNewTokens: 2 },
    eval: { every: 0, split: 'dev', k: o.evalK, temperature: 1, maxTasks: null },
    checkpoint: { every: 0, dir: 'unused', keep: 1 },
    speechShare,
  });
}

export async function runSpeechAblation(o: SpeechAblationOptions): Promise<SpeechAblationReport> {
  checkListeningGate(o.gate); // before any training: an encoder that cannot hear is not worth the run
  const started = performance.now();
  const D = o.weights.config.hiddenSize;
  const projectorConfig: ProjectorConfig = { encoderDim: o.encoderDim, stack: 4, hidden: 2 * D, modelDim: D, eps: 1e-6 };
  const projector = AudioProjector.create(projectorConfig, o.seed);
  const suite = new SpokenToySuite({ vocabSize: o.weights.config.vocabSize, eosTokenIds: o.weights.config.eosTokenIds, hearing: o.hearing, projector, tasks: o.tasks });
  const trainer = (config: TrainConfig, arm: string, frozen: boolean) => new RlTrainer({
    config, weights: o.weights, suites: { retail: suite },
    speech: speechTraining({ hearing: o.hearing, projector }, o.projectorLrMultiplier, frozen),
    onEvent: (e) => o.onEvent?.(arm, e),
  });
  const evalBoth = async (t: RlTrainer) => ({ speech: await t.evaluate(t.nextStep, 'speech'), text: await t.evaluate(t.nextStep, 'text') });

  // 1. Text RL (the projector is untouched: no speech episodes).
  const base = trainer(armConfig(o, 0, o.textSteps), 'text RL', true);
  for (let s = 0; s < o.textSteps; s++) await base.step();
  const afterTextRl = await evalBoth(base);

  // 2. Alignment on the training tasks' turns, every rollout voice.
  const examples = async (split: string): Promise<AlignExample[]> => {
    const out: AlignExample[] = [];
    for (const taskId of suite.taskIds(split)) {
      for (let k = 0; k < o.groupSize; k++) {
        const spoken = await suite.spokenPrompt(taskId, k);
        out.push({ text: suite.textPrompt(suite.indexOf(taskId), k), speech: { tokens: spoken.tokens, slots: [spoken.slot] } });
      }
    }
    return out;
  };
  const alignment = await alignProjector({
    model: base.model, adapter: base.adapter, projector, train: await examples('train'), heldOut: await examples('dev'),
    steps: o.alignSteps, batchSize: 8, lr: o.alignLr ?? 1e-3, maxTurnTokens: 2, eosTokenIds: o.weights.config.eosTokenIds, gate: o.gate, seed: o.seed,
    onStep: o.onAlign,
  });
  const afterAlignment = await evalBoth(base);
  const checkpoint = serializeCheckpoint(await base.snapshot());
  const aligned = new Map([...projector.params()].map(([k, v]) => [k, Float64Array.from(v)]));

  // 3. Two arms from the same checkpoint and the same aligned projector.
  const arms: ArmResult[] = [];
  const end = o.textSteps + o.armSteps;
  const ramp: TrainConfig['speechShare'] = { points: [[o.textSteps, 0], [o.textSteps + o.warmupSteps, o.speechShare]] };
  for (const [arm, share, frozen] of [['text-only RL', 0, true], ['speech RL', ramp, false]] as const) {
    for (const [k, p] of projector.params()) p.set(aligned.get(k)!);
    const t = trainer(armConfig(o, share, end), arm, frozen);
    await t.restore(checkpoint, `${arm}: alignment checkpoint`);
    let shareSum = 0;
    while (t.nextStep < end) shareSum += (await t.step()).event.speechShare;
    arms.push({ arm, ...(await evalBoth(t)), adapter: t.adapter, projector: projector.toSafetensors(), meanSpeechShare: shareSum / o.armSteps });
  }
  return { afterTextRl, alignment, afterAlignment, arms, ms: performance.now() - started };
}
