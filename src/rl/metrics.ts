// Typed per-step metric events for the studio (posted from the training worker) and the JSON-lines
// log in Node (metrics-jsonl.ts), plus pure aggregators from per-trajectory records to events.
// Definitions:
//   reward stats   mean and population std (÷ n) over the step's trajectories
//   success rate   share of trajectories whose verifier succeeded (retail: reward 1; math: correct)
//   response length  generated policy tokens per trajectory (all its policy turns)
//   "wait" rate    occurrences of the whole words "wait" / "Wait" (regex /\b[Ww]ait\b/, so "waiting"
//                  and "WAIT" do not count) in policy outputs — TARL's exploration indicator — reported
//                  per 1k generated policy tokens and per response (one response = one policy turn)
//   tokens/s       generated policy tokens per second of rollout time, and per second of the whole step
//   pass^k         τ-bench's pass^k: per task with n trials and c successes C(c, k) / C(n, k), averaged
//                  over tasks; pass^1 is the mean success rate
// Values that could not be measured are null (never NaN), so events survive JSON.

export type TaskKind = 'retail' | 'math' | 'speech';

/** What the trainer records about one finished, scored trajectory. */
export interface TrajectoryRecord {
  taskId: string;
  kind: TaskKind;
  reward: number; // total reward under the current reward config
  terminalReward: number; // its terminal (verifier) part
  turnReward: number; // its turn-level (judge) part
  success: boolean;
  policyTokens: number; // generated, trainable tokens
  policyTexts: readonly string[]; // text of each policy turn
  klSum?: number; // Σ per-token KL estimate (policy vs reference) over its policy tokens
  entropySum?: number; // Σ per-token entropy over its policy tokens
  judgeFailures?: number; // turns the judge flagged as failed
}

/** What the optimizer step reports. */
export interface TrainStats {
  loss: number;
  clipFraction: number;
  gradNorm: number;
  lr: number;
  klPerToken?: number; // from the training forward; used when records carry no klSum
  entropy?: number;
  valueLoss?: number;
}

export interface StepTiming {
  rolloutMs: number;
  judgeMs: number;
  trainMs: number;
}

export interface MeanStd {
  mean: number;
  std: number;
}

export interface StepEvent {
  type: 'step';
  step: number;
  time: string; // ISO timestamp
  trajectories: number;
  reward: { total: MeanStd; terminal: MeanStd; turn: MeanStd };
  successRate: number;
  byKind: Partial<Record<TaskKind, { n: number; successRate: number; rewardMean: number }>>;
  klPerToken: number | null;
  entropy: number | null;
  responseLength: { mean: number; max: number };
  wait: { count: number; per1kTokens: number; perResponse: number };
  loss: number | null;
  clipFraction: number;
  gradNorm: number | null;
  lr: number;
  valueLoss: number | null;
  judgeFailures: number;
  timeMs: { rollout: number; judge: number; train: number; total: number };
  tokensPerSecond: { rollout: number | null; step: number | null };
}

export interface EvalEvent {
  type: 'eval';
  step: number;
  time: string;
  split: string;
  tasks: number;
  k: number;
  pass1: number;
  passK: number; // pass^k for the configured k
  passCurve: number[]; // pass^1 … pass^k
  rewardMean: number;
  /** 'speech' when every customer turn was heard as audio (absent: text). */
  modality?: 'text' | 'speech';
}

/** A step skipped because its loss was not finite. */
export interface SkipEvent {
  type: 'skip';
  step: number;
  time: string;
  reason: string;
  consecutive: number;
}

export interface CheckpointEvent {
  type: 'checkpoint';
  step: number;
  time: string;
  dir: string;
}

export interface RunEvent {
  type: 'start' | 'resume' | 'end' | 'stop';
  step: number;
  time: string;
  message?: string;
}

export type MetricEvent = StepEvent | EvalEvent | SkipEvent | CheckpointEvent | RunEvent;

const WAIT = /\b[Ww]ait\b/g;

export function countWaits(text: string): number {
  return text.match(WAIT)?.length ?? 0;
}

export function meanStd(values: readonly number[]): MeanStd {
  if (values.length === 0) return { mean: 0, std: 0 };
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length;
  return { mean, std: Math.sqrt(variance) };
}

const finiteOrNull = (x: number | undefined): number | null => (x !== undefined && Number.isFinite(x) ? x : null);

export function aggregateStep(
  step: number,
  records: readonly TrajectoryRecord[],
  train: TrainStats,
  timing: StepTiming,
  now: Date = new Date(),
): StepEvent {
  if (records.length === 0) throw new Error(`aggregateStep: step ${step} has no trajectories`);
  const tokens = records.reduce((a, r) => a + r.policyTokens, 0);
  const responses = records.reduce((a, r) => a + r.policyTexts.length, 0);
  const waits = records.reduce((a, r) => a + r.policyTexts.reduce((b, t) => b + countWaits(t), 0), 0);
  const withKl = records.filter((r) => r.klSum !== undefined);
  const withEnt = records.filter((r) => r.entropySum !== undefined);
  const perToken = (rs: readonly TrajectoryRecord[], f: (r: TrajectoryRecord) => number) => {
    const n = rs.reduce((a, r) => a + r.policyTokens, 0);
    return n > 0 ? rs.reduce((a, r) => a + f(r), 0) / n : undefined;
  };
  const byKind: StepEvent['byKind'] = {};
  for (const kind of ['retail', 'math', 'speech'] as const) {
    const rs = records.filter((r) => r.kind === kind);
    if (rs.length === 0) continue;
    byKind[kind] = {
      n: rs.length,
      successRate: rs.filter((r) => r.success).length / rs.length,
      rewardMean: meanStd(rs.map((r) => r.reward)).mean,
    };
  }
  const totalMs = timing.rolloutMs + timing.judgeMs + timing.trainMs;
  return {
    type: 'step',
    step,
    time: now.toISOString(),
    trajectories: records.length,
    reward: {
      total: meanStd(records.map((r) => r.reward)),
      terminal: meanStd(records.map((r) => r.terminalReward)),
      turn: meanStd(records.map((r) => r.turnReward)),
    },
    successRate: records.filter((r) => r.success).length / records.length,
    byKind,
    klPerToken: finiteOrNull(withKl.length === records.length ? perToken(withKl, (r) => r.klSum!) : train.klPerToken),
    entropy: finiteOrNull(withEnt.length === records.length ? perToken(withEnt, (r) => r.entropySum!) : train.entropy),
    responseLength: { mean: tokens / records.length, max: Math.max(...records.map((r) => r.policyTokens)) },
    wait: { count: waits, per1kTokens: tokens > 0 ? (1000 * waits) / tokens : 0, perResponse: responses > 0 ? waits / responses : 0 },
    loss: finiteOrNull(train.loss),
    clipFraction: train.clipFraction,
    gradNorm: finiteOrNull(train.gradNorm),
    lr: train.lr,
    valueLoss: finiteOrNull(train.valueLoss),
    judgeFailures: records.reduce((a, r) => a + (r.judgeFailures ?? 0), 0),
    timeMs: { rollout: timing.rolloutMs, judge: timing.judgeMs, train: timing.trainMs, total: totalMs },
    tokensPerSecond: {
      rollout: timing.rolloutMs > 0 ? (1000 * tokens) / timing.rolloutMs : null,
      step: totalMs > 0 ? (1000 * tokens) / totalMs : null,
    },
  };
}

/** C(n, k) as a float (exact for the small n of evaluation trials). */
function choose(n: number, k: number): number {
  if (k < 0 || k > n) return 0;
  let c = 1;
  for (let i = 1; i <= k; i++) c = (c * (n - k + i)) / i;
  return c;
}

/** τ-bench pass^k for one task: probability that k trials drawn without replacement all succeed. */
export function passHatK(trials: number, successes: number, k: number): number {
  if (!Number.isInteger(k) || k < 1 || k > trials) throw new Error(`passHatK: k must be an integer in [1, ${trials}], got ${k}`);
  if (successes < 0 || successes > trials) throw new Error(`passHatK: successes ${successes} not in [0, ${trials}]`);
  return choose(successes, k) / choose(trials, k);
}

export interface EvalTrial {
  taskId: string;
  success: boolean;
  reward: number;
}

export function aggregateEval(step: number, split: string, trials: readonly EvalTrial[], k: number, now: Date = new Date()): EvalEvent {
  const byTask = new Map<string, EvalTrial[]>();
  for (const t of trials) byTask.set(t.taskId, [...(byTask.get(t.taskId) ?? []), t]);
  if (byTask.size === 0) throw new Error('aggregateEval: no trials');
  for (const [taskId, ts] of byTask) {
    if (ts.length < k) throw new Error(`aggregateEval: task ${taskId} has ${ts.length} trials, fewer than k = ${k}`);
  }
  const curve = Array.from({ length: k }, (_, i) => {
    let sum = 0;
    for (const ts of byTask.values()) sum += passHatK(ts.length, ts.filter((t) => t.success).length, i + 1);
    return sum / byTask.size;
  });
  return {
    type: 'eval',
    step,
    time: now.toISOString(),
    split,
    tasks: byTask.size,
    k,
    pass1: curve[0]!,
    passK: curve[k - 1]!,
    passCurve: curve,
    rewardMean: meanStd(trials.map((t) => t.reward)).mean,
  };
}

/** The events a resumed run keeps: everything up to and including the checkpointed step. */
export function eventsUpTo(events: readonly MetricEvent[], step: number): MetricEvent[] {
  return events.filter((e) => e.step <= step);
}
