// The RL training loop (issue 7): one step = sample tasks (retail + math at the scheduled ratio) →
// G rollouts per task on the current policy → judge → rewards and advantages under the current
// reward config → recompute log-probs (policy and reference) → clipped objective → LoRA AdamW
// update. PPO adds a value head on the final hidden state (value-head.ts): values at sampling give
// GAE advantages and returns (ppo.ts), and its clipped loss trains with the adapters (optimize.ts).
// Emits typed metric events; evaluates every eval.every steps; snapshots for checkpoints.
// The same class runs under `tarl train` (Node) and in the studio's trainer worker.
import { createBackend, type InferenceBackend } from '../../model/backend.ts';
import type { ModelWeights } from '../../model/weights.ts';
import type { TurnJudge } from '../../judge/types.ts';
import { rewardConfig, type RewardConfig } from '../../reward/config.ts';
import { scoreTrajectories } from '../../reward/trajectories.ts';
import { agentTurns, type Trajectory } from '../../rollout/trajectory.ts';
import { trainModelFromWeights, type TrainModel } from '../../train/cpu/params.ts';
import { createLora, type LoraAdapter } from '../../train/lora.ts';
import { loraParams } from '../../train/optimizer.ts';
import { mergeAdapter } from '../../train/peft.ts';
import { effectiveAggregation, rewardConfigFor, type TrainConfig } from '../config.ts';
import { sequenceKlPenalty, klEstimate, klRewardPenalty } from '../kl.ts';
import { aggregateEval, aggregateStep, type EvalEvent, type EvalTrial, type MetricEvent, type StepEvent, type TrajectoryRecord } from '../metrics.ts';
import { Rng } from '../rng.ts';
import { TaskSampler, type SampledTask } from '../sampler.ts';
import { canExceedZero, scheduleValue } from '../schedule.ts';
import { CheckpointableAdamW } from './adamw-state.ts';
import { CpuTrainEngine, type TrainEngine } from './engine.ts';
import { SpeechTrainEngine, type SpeechTraining } from './speech-engine.ts';
import { parseCheckpoint, type CheckpointFile, type TrainerSnapshot } from './checkpoint.ts';
import { optimize, recompute, type OptimizeStats, type ValueStats } from './optimize.ts';
import { ppoAdvantages } from './ppo.ts';
import { assignAdvantages, buildItems } from './sequences.ts';
import { ValueHead } from './value-head.ts';
import type { EpisodeSuite } from './types.ts';

/** A run stopped because too many steps in a row had a non-finite loss. */
export class NonFiniteStop extends Error {}

export interface TrainerDeps {
  config: TrainConfig;
  /** The frozen base model. */
  weights: ModelWeights;
  /** Retail (or toy) tasks; math problems when math.ratio can be > 0. */
  suites: { retail: EpisodeSuite; math?: EpisodeSuite };
  judge?: TurnJudge;
  /** Inference backend for rollouts from (merged) policy weights. Default: the CPU backend. */
  makeBackend?: (weights: ModelWeights) => Promise<InferenceBackend>;
  onEvent?: (e: MetricEvent) => void;
  /** Each step's scored rollouts, grouped by task. */
  onTrajectories?: (step: number, groups: Trajectory[][]) => void;
  /** Base model name recorded in the PEFT adapter config. */
  baseModel?: string;
  /**
   * Where the training forward/backward and AdamW run. Default: the CPU float64 trainer. Called
   * once with the model, the adapter (kept current on the CPU) and the CPU optimizer.
   */
  makeEngine?: (model: TrainModel, adapter: LoraAdapter, optimizer: CheckpointableAdamW) => Promise<TrainEngine>;
  /** Speech episodes (speechShare > 0): the projector, the frames of heard turns, its lr multiplier. */
  speech?: SpeechTraining;
}

/** What one step reports besides the StepEvent (for tests and the bench). */
export interface StepOutcome {
  event: TrainerStepEvent;
  train: OptimizeStats | null;
  /** max |sampling logprob − recomputed logprob| over policy tokens (null when temperature ≠ 1). */
  samplingLogpMaxDiff: number | null;
  trajectories: Trajectory[];
}

export type TrainerStepEvent = StepEvent & {
  ratio: { mean: number; min: number; max: number };
  ratioCheck: number | null;
  samplingLogpMaxDiff: number | null;
  temperature: number;
  mathRatio: number;
  /** Share of this step's retail tasks drawn as speech episodes (the multimodal warm-up schedule's value). */
  speechShare: number;
  skipped: string | null;
  /** PPO's value head (null for the other algorithms). */
  value: ValueStats | null;
};

function checkConfig(c: TrainConfig, d: TrainerDeps): void {
  const bad = (m: string) => {
    throw new Error(`trainer: ${m}`);
  };
  // PPO puts the KL penalty on tokens, so it works with per-turn rewards; the group algorithms fold it into one scalar.
  if (c.algorithm !== 'ppo' && c.kl.placement === 'reward' && c.kl.coef > 0 && c.reward.mode === 'turn') bad('kl.placement "reward" is not supported with reward.mode "turn" (use kl.placement "loss")');
  const speechNeeded = canExceedZero(c.speechShare);
  if (speechNeeded && !d.speech) bad('speechShare is above 0 but no speech training (projector and encoder frames) was given');
  if (speechNeeded && !d.suites.retail.speech) bad(`speechShare is above 0 but the ${d.suites.retail.name} suite has no speech episodes (use the spoken-intent suite)`);
  const mathNeeded = canExceedZero(c.math.ratio);
  if (mathNeeded && !d.suites.math) bad('math.ratio is above 0 but no math suite (tokenizer) was given');
}

export class RlTrainer {
  readonly model: TrainModel;
  readonly adapter: LoraAdapter;
  readonly optimizer: CheckpointableAdamW;
  /** PPO's value head (null for the other algorithms). */
  readonly valueHead: ValueHead | null;
  private sampler: TaskSampler;
  private reward: RewardConfig;
  private enginePromise: Promise<TrainEngine> | null = null;
  nextStep = 0;
  consecutiveNonFinite = 0;
  readonly events: MetricEvent[] = [];

  constructor(readonly deps: TrainerDeps) {
    const c = deps.config;
    checkConfig(c, deps);
    this.model = trainModelFromWeights(deps.weights);
    this.adapter = createLora(deps.weights.config, { r: c.lora.r, alpha: c.lora.alpha, targets: c.lora.targets, useRslora: c.lora.useRslora, ...(c.lora.layers ? { layers: c.lora.layers } : {}) }, { init: 'peft', seed: c.seed });
    const o = c.optimizer;
    this.valueHead = c.algorithm === 'ppo' ? new ValueHead(deps.weights.config.hiddenSize) : null;
    const params = loraParams(this.adapter);
    for (const [k, p] of this.valueHead?.params() ?? []) params.set(k, p);
    this.optimizer = new CheckpointableAdamW(params, { lr: c.lr, beta1: o.beta1, beta2: o.beta2, eps: o.eps, weightDecay: o.weightDecay }, o.gradClip);
    this.sampler = TaskSampler.create(c.seed, this.samplerOptions());
    this.reward = rewardConfigFor(c);
  }

  /** The training engine (created on first use). */
  engine(): Promise<TrainEngine> {
    this.enginePromise ??= (async () => {
      const inner = this.deps.makeEngine ? await this.deps.makeEngine(this.model, this.adapter, this.optimizer) : new CpuTrainEngine(this.model, this.adapter, this.optimizer);
      return this.deps.speech ? new SpeechTrainEngine(inner, this.deps.speech) : inner;
    })();
    return this.enginePromise;
  }

  get config(): TrainConfig {
    return this.deps.config;
  }

  private samplerOptions() {
    const c = this.deps.config;
    return { retailTaskIds: this.deps.suites.retail.taskIds(c.data.split), mathDifficulties: c.math.difficulties, mathFlavor: c.math.flavor };
  }

  /** The reward config used from the next step on (the studio's live edits). */
  setRewardConfig(cfg: RewardConfig): void {
    this.reward = rewardConfig({ ...cfg, advantage: this.deps.config.algorithm === 'drgrpo' ? 'drgrpo' : 'grpo' });
  }

  get rewardConfig(): RewardConfig {
    return { ...this.reward };
  }

  emit(e: MetricEvent): void {
    this.events.push(e);
    this.deps.onEvent?.(e);
  }

  private async policyBackend(): Promise<InferenceBackend> {
    const w = mergeAdapter(this.deps.weights, this.adapter);
    return this.deps.makeBackend ? this.deps.makeBackend(w) : createBackend(w, 'cpu');
  }

  private suiteFor(t: SampledTask): EpisodeSuite {
    if (t.kind === 'math') {
      if (!this.deps.suites.math) throw new Error('trainer: a math task was sampled but there is no math suite');
      return this.deps.suites.math;
    }
    return this.deps.suites.retail;
  }

  /** One training step. Throws NonFiniteStop after maxNonFiniteSteps non-finite steps in a row. */
  async step(): Promise<StepOutcome> {
    const c = this.deps.config;
    const s = this.nextStep;
    const temperature = scheduleValue(c.sampling.temperature, s);
    const mathRatio = this.deps.suites.math ? scheduleValue(c.math.ratio, s) : 0;
    const speechShare = scheduleValue(c.speechShare, s);
    const tasks = this.sampler.next(c.tasksPerStep, mathRatio, speechShare);
    const rng = Rng.fromSeed(c.seed).fork(`step-${s}`);
    const seeds = tasks.map(() => rng.nextU32());

    const t0 = performance.now();
    const backend = await this.policyBackend();
    const groups: Trajectory[][] = [];
    try {
      for (const [i, task] of tasks.entries()) {
        groups.push(await this.suiteFor(task).runGroup(task, c.data.split, c.groupSize, { backend, temperature, topP: c.sampling.topP, maxNewTokens: c.sampling.maxNewTokens, seed: seeds[i]! }));
      }
    } finally {
      backend.dispose();
    }
    const t1 = performance.now();
    if (this.deps.judge) {
      for (const [i, g] of groups.entries()) {
        if (!this.suiteFor(tasks[i]!).judged) continue;
        for (const t of g) t.judge = await this.deps.judge.judge(t);
      }
    }
    const t2 = performance.now();

    const all = groups.flat();
    const groupOf = groups.flatMap((g, i) => g.map(() => i));
    const reward = this.reward;
    const byIndex = new Map(all.map((t, i) => [t, i]));
    const scored = scoreTrajectories(all, reward, { groupBy: (t) => String(groupOf[byIndex.get(t)!]), attach: true });
    const items = buildItems(scored, groupOf);
    const engine = await this.engine();
    const head = this.valueHead;
    const re = await recompute(engine, items, { hidden: head !== null });
    const kl = c.kl;
    const klInReward = kl.placement === 'reward' && kl.coef > 0;
    let valueTargets = null;
    if (head) {
      const oldValues = items.map((it, j) => head.values(re.hidden![j]!, it.mask.length));
      const klRewards = klInReward ? items.map((it, j) => klRewardPenalty(re.logpOld[j]!, re.logpRef[j]!, it.mask, kl.estimator, kl.coef)) : null;
      valueTargets = ppoAdvantages(items, scored, oldValues, klRewards, { level: c.ppo.level, gamma: c.ppo.gamma, lambda: c.ppo.lambda, normalize: c.ppo.normalizeAdvantages });
    } else {
      const klPenalty = klInReward ? new Map(items.map((it, j) => [it.index, sequenceKlPenalty(re.logpOld[j]!, re.logpRef[j]!, it.mask, kl.estimator, kl.coef)])) : null;
      assignAdvantages(items, scored, c.algorithm, reward, klPenalty);
    }
    let samplingLogpMaxDiff: number | null = null;
    if (temperature === 1) {
      samplingLogpMaxDiff = 0;
      items.forEach((it, j) => {
        for (let t = 0; t < it.mask.length; t++) if (it.mask[t]) samplingLogpMaxDiff = Math.max(samplingLogpMaxDiff!, Math.abs(it.samplingLogp[t]! - re.logpOld[j]![t]!));
      });
    }
    const lr = c.lr * scheduleValue(c.lrSchedule, s);
    const o = c.optimizer;
    const train = items.length === 0 ? null : await optimize(engine, items, re, {
      objective: { clip: c.clip, kl: { coef: kl.coef, estimator: kl.estimator, placement: kl.placement }, entropyCoef: c.entropyCoef, aggregation: effectiveAggregation(c), constantNormalizer: c.loss.constantNormalizer },
      innerSteps: c.innerSteps,
      miniBatches: c.miniBatches,
      hyper: { lr, beta1: o.beta1, beta2: o.beta2, eps: o.eps, weightDecay: o.weightDecay },
      maxGradNorm: o.gradClip,
      ...(head && valueTargets ? { value: { head, coef: c.ppo.valueCoef, clip: c.ppo.valueClip, targets: valueTargets } } : {}),
    });
    const t3 = performance.now();

    const records = this.records(scored.map((x) => x.trajectory), scored.map((x) => x.rewards), items, re, tasks, groupOf, c.kl.estimator);
    const base = aggregateStep(s, records, {
      loss: train?.loss ?? Number.NaN,
      clipFraction: train?.clipFraction ?? 0,
      gradNorm: train?.gradNorm ?? Number.NaN,
      lr,
      klPerToken: train?.klPerToken,
      entropy: train?.entropy,
      valueLoss: train?.value?.loss,
    }, { rolloutMs: t1 - t0, judgeMs: t2 - t1, trainMs: t3 - t2 });
    const event: TrainerStepEvent = {
      ...base,
      ratio: train?.firstRatio ?? { mean: 1, min: 1, max: 1 },
      ratioCheck: train ? train.ratioCheck : null,
      samplingLogpMaxDiff,
      temperature,
      mathRatio,
      speechShare,
      skipped: train?.skipped ?? null,
      value: train?.value ?? null,
    };
    this.emit(event);
    this.deps.onTrajectories?.(s, groups);
    this.nextStep++;
    if (train?.skipped) {
      this.consecutiveNonFinite++;
      this.emit({ type: 'skip', step: s, time: new Date().toISOString(), reason: train.skipped, consecutive: this.consecutiveNonFinite });
      if (this.consecutiveNonFinite >= c.maxNonFiniteSteps) {
        const message = `stopped: ${this.consecutiveNonFinite} steps in a row had a non-finite loss or gradient (last: ${train.skipped}); the last good checkpoint is kept`;
        this.emit({ type: 'stop', step: s, time: new Date().toISOString(), message });
        throw new NonFiniteStop(message);
      }
    } else this.consecutiveNonFinite = 0;
    return { event, train, samplingLogpMaxDiff, trajectories: all };
  }

  private records(
    trajs: Trajectory[], rewards: { reward: number; terminalPart: number; turnPart: number }[], items: ReturnType<typeof buildItems>,
    re: Awaited<ReturnType<typeof recompute>>, tasks: SampledTask[], groupOf: number[], estimator: TrainConfig['kl']['estimator'],
  ): TrajectoryRecord[] {
    const itemOf = new Map(items.map((it, j) => [it.index, j]));
    return trajs.map((t, i) => {
      const task = tasks[groupOf[i]!]!;
      const j = itemOf.get(i);
      let klSum = 0, entropySum = 0, policyTokens = 0;
      if (j !== undefined) {
        const it = items[j]!;
        for (let k = 0; k < it.mask.length; k++) {
          if (!it.mask[k]) continue;
          policyTokens++;
          klSum += klEstimate(estimator, re.logpOld[j]![k]!, re.logpRef[j]![k]!);
          entropySum += re.entropy[j]![k]!;
        }
      }
      return {
        taskId: task.kind === 'math' ? `math:${task.seed}` : task.taskId,
        kind: task.kind === 'retail' && task.speech ? 'speech' : task.kind,
        reward: rewards[i]!.reward,
        terminalReward: rewards[i]!.terminalPart,
        turnReward: rewards[i]!.turnPart,
        success: (t.verifier?.reward ?? 0) >= 1,
        policyTokens,
        policyTexts: agentTurns(t).filter((a) => a.tokenSpan).map((a) => a.raw ?? a.text),
        klSum,
        entropySum,
        judgeFailures: t.judge?.flagged ? 1 : 0,
      };
    });
  }

  /**
   * pass^1 … pass^k on held-out tasks (k trials each, the same seeds at every evaluation); with
   * modality 'speech' every customer turn is heard as audio (the suite must have speech episodes).
   */
  async evaluate(step = this.nextStep, modality: 'text' | 'speech' = 'text'): Promise<EvalEvent> {
    const c = this.deps.config;
    const suite = this.deps.suites.retail;
    let ids = suite.taskIds(c.eval.split);
    if (c.eval.maxTasks !== null) ids = ids.slice(0, c.eval.maxTasks);
    if (ids.length === 0) throw new Error(`trainer: the evaluation split "${c.eval.split}" has no tasks`);
    if (modality === 'speech' && !suite.speech) throw new Error(`trainer: the ${suite.name} suite has no speech episodes to evaluate`);
    const backend = await this.policyBackend();
    const trials: EvalTrial[] = [];
    try {
      for (const [i, taskId] of ids.entries()) {
        const seed = Rng.fromSeed(c.seed).fork(`eval-${i}`).nextU32();
        const g = await suite.runGroup({ kind: 'retail', taskId, epoch: 0, speech: modality === 'speech' }, c.eval.split, c.eval.k, { backend, temperature: c.eval.temperature, topP: c.sampling.topP, maxNewTokens: c.sampling.maxNewTokens, seed });
        for (const t of g) trials.push({ taskId, success: (t.verifier?.reward ?? 0) >= 1, reward: t.verifier?.reward ?? 0 });
      }
    } finally {
      backend.dispose();
    }
    const e: EvalEvent = { ...aggregateEval(step, c.eval.split, trials, c.eval.k), ...(modality === 'speech' ? { modality } : {}) };
    this.emit(e);
    return e;
  }

  async snapshot(): Promise<TrainerSnapshot> {
    const engine = await this.engine();
    return {
      state: {
        version: 1,
        nextStep: this.nextStep,
        config: this.deps.config,
        reward: this.rewardConfig,
        sampler: this.sampler.state(),
        consecutiveNonFinite: this.consecutiveNonFinite,
        lora: this.adapter.config,
        baseModel: this.deps.baseModel ?? '',
      },
      adapter: this.adapter,
      valueHead: this.valueHead,
      optimizer: await engine.optimizerSnapshot(),
      events: this.events,
      ...(engine instanceof SpeechTrainEngine ? { projector: { params: this.deps.speech!.projector.params(), optimizer: engine.optimizer.snapshot(), file: this.deps.speech!.projector.toSafetensors() } } : {}),
    };
  }

  /** Restores a checkpoint's exact state (adapter, optimizer, sampler, step, reward config, events). */
  async restore(files: readonly CheckpointFile[], where = 'checkpoint'): Promise<void> {
    const ck = parseCheckpoint(files, where);
    for (const [path, m] of this.adapter.modules) {
      const saved = ck.adapter.get(path);
      if (!saved || saved.A.length !== m.A.length || saved.B.length !== m.B.length) {
        throw new Error(`${where}: the adapter has no tensors of the right size for ${path} (was it trained with another lora config or model?)`);
      }
      m.A.set(saved.A);
      m.B.set(saved.B);
    }
    if (this.valueHead) {
      if (!ck.valueHead) throw new Error(`${where}: the checkpoint has no value head (was it trained with another algorithm than ppo?)`);
      this.valueHead.load(ck.valueHead.weight, ck.valueHead.bias, where);
    }
    const engine = await this.engine();
    if (engine instanceof SpeechTrainEngine) {
      if (!ck.projector) throw new Error(`${where}: the checkpoint has no speech projector (was it a text-only run?)`);
      for (const [name, p] of this.deps.speech!.projector.params()) {
        const saved = ck.projector.params.get(name);
        if (saved?.length !== p.length) throw new Error(`${where}: the projector has no tensor of the right size for ${name}`);
        p.set(saved);
      }
      engine.optimizer.restore(ck.projector.optimizer);
    }
    await engine.adapterChanged();
    await engine.restoreOptimizer(ck.optimizer);
    this.sampler = TaskSampler.restore(ck.state.sampler, this.samplerOptions());
    this.nextStep = ck.state.nextStep;
    this.consecutiveNonFinite = ck.state.consecutiveNonFinite;
    this.reward = ck.state.reward;
    this.events.length = 0;
    this.events.push(...ck.events.filter((e) => e.step < ck.state.nextStep));
  }
}
