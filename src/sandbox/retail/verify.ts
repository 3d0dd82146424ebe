// τ-bench's reward (tau_bench.envs.base.Env.calculate_reward) and the pass^k metric.
// reward = 1 iff the episode's final DB equals the DB obtained by replaying the task's ground-truth
// actions on a fresh DB and (optionally, on by default as in τ-bench) every required output appears
// in some agent reply: `output.lower() in reply.lower().replace(",", "")`.
import { RetailDb } from './db.ts';
import { runTool, type RetailData, type RetailEnv, type RetailTask } from './env.ts';
import { TERMINATE_TOOLS } from './tools.ts';

export interface RewardInfo {
  reward: 0 | 1;
  /** The final DB equals the ground-truth DB. */
  dbMatch: boolean;
  /** Per required output, whether some reply contains it (absent when the check is off or there are none). */
  outputs?: Record<string, boolean>;
}

export interface RewardOptions {
  /** τ-bench's required-outputs check (default true; TARL turns it off). */
  checkOutputs?: boolean;
  /** Reuse ground-truth DBs across calls (they depend only on the task); default true. */
  cache?: boolean;
  /** The episode hit the max-turn limit: reward 0 whatever the DB (the DB check is still reported). */
  truncated?: boolean;
}

const gtCache = new WeakMap<RetailTask, { tables: RetailData['tables']; db: RetailDb }>();

/** The DB after replaying the task's ground-truth actions (minus terminating ones) on a fresh DB. */
export function groundTruthDb(data: RetailData, task: RetailTask, cache = true): RetailDb {
  const hit = cache ? gtCache.get(task) : undefined;
  if (hit && hit.tables === data.tables) return hit.db;
  const db = new RetailDb(data.tables);
  for (const action of task.actions) {
    if (!TERMINATE_TOOLS.has(action.name)) runTool(db, action.name, action.kwargs);
  }
  if (cache) gtCache.set(task, { tables: data.tables, db });
  return db;
}

/** Required outputs found in the agent's replies, by τ-bench's rule. */
export function checkOutputs(required: readonly string[], replies: readonly string[]): Record<string, boolean> {
  const normalized = replies.map((r) => r.toLowerCase().replaceAll(',', ''));
  const found: Record<string, boolean> = {};
  for (const out of required) found[out] = normalized.some((r) => r.includes(out.toLowerCase()));
  return found;
}

/** Reward of a finished episode's DB and replies for `task`. */
export function computeReward(data: RetailData, task: RetailTask, db: RetailDb, replies: readonly string[], opts: RewardOptions = {}): RewardInfo {
  const dbMatch = db.equals(groundTruthDb(data, task, opts.cache ?? true));
  let reward: 0 | 1 = dbMatch && !opts.truncated ? 1 : 0;
  const info: RewardInfo = { reward, dbMatch };
  if ((opts.checkOutputs ?? true) && task.outputs.length > 0) {
    info.outputs = checkOutputs(task.outputs, replies);
    if (Object.values(info.outputs).includes(false)) reward = 0;
  }
  info.reward = reward;
  return info;
}

/** Reward of an episode run with RetailEnv (its task must be set). */
export function verifyEpisode(env: RetailEnv, opts: RewardOptions = {}): RewardInfo {
  if (!env.task) throw new Error('verifyEpisode: the episode has no task to verify against');
  return computeReward(env.data, env.task, env.db, env.replies, opts);
}

/** C(c,k)/C(n,k) as a float product (exact enough for any n used in practice). */
function chooseRatio(c: number, n: number, k: number): number {
  if (c < k) return 0;
  let r = 1;
  for (let i = 0; i < k; i++) r *= (c - i) / (n - i);
  return r;
}

/**
 * pass^k: mean over tasks of C(c,k)/C(n,k), where each task had n trials of which c succeeded
 * (τ-bench's definition). Throws if a task has fewer than k trials or counts are not integers.
 */
export function passHatK(results: readonly { trials: number; successes: number }[], k: number): number {
  if (!Number.isInteger(k) || k < 1) throw new Error(`pass^k: k must be a positive integer, got ${k}`);
  if (results.length === 0) throw new Error('pass^k: no tasks');
  let sum = 0;
  for (const [i, { trials, successes }] of results.entries()) {
    if (!Number.isInteger(trials) || !Number.isInteger(successes) || successes < 0 || successes > trials) {
      throw new Error(`pass^k: task ${i} has invalid counts (trials ${trials}, successes ${successes})`);
    }
    if (trials < k) throw new Error(`pass^k: task ${i} has ${trials} trials, fewer than k = ${k}`);
    sum += chooseRatio(successes, trials, k);
  }
  return sum / results.length;
}

/** pass^k from per-trial rewards grouped by task (reward 1 = success, as τ-bench counts it). */
export function passHatKFromRewards(rewardsByTask: readonly (readonly number[])[], k: number): number {
  return passHatK(
    rewardsByTask.map((r) => ({ trials: r.length, successes: r.filter((x) => x === 1).length })),
    k,
  );
}
