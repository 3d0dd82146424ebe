// Runs many episodes (tasks × trials) with bounded concurrency, then judges them and attaches
// rewards: what `tarl episode`, the trainer and the studio call. Parties are built per episode by
// factories (agents and users keep per-episode state; environments hold one DB per episode).
import { rewardConfig, type RewardConfig } from '../reward/config.ts';
import { scoreTrajectories } from '../reward/trajectories.ts';
import type { TurnJudge } from '../judge/types.ts';
import { runEpisode } from './runner.ts';
import type { RetailData } from './retail-view.ts';
import type { EpisodeTask, Trajectory } from './trajectory.ts';
import type { Agent, EpisodeEnvironment, UserSimulator } from './types.ts';

export interface EpisodeBatchOptions {
  tasks: EpisodeTask[];
  trials: number;
  /** Trial k of every task uses seed + k. */
  seed: number;
  systemPrompt: string;
  tools: unknown[];
  db: RetailData;
  makeAgent: (task: EpisodeTask, seed: number) => Agent;
  makeUser: (task: EpisodeTask, seed: number) => UserSimulator;
  makeEnv: (task: EpisodeTask) => EpisodeEnvironment;
  judge?: TurnJudge;
  reward?: RewardConfig;
  maxTurns?: number;
  /** Episodes in flight at once (user/judge endpoints benefit; a single local model serialises anyway). */
  concurrency?: number;
  onEpisode?: (t: Trajectory, done: number, total: number) => void;
}

export async function runEpisodeBatch(o: EpisodeBatchOptions): Promise<Trajectory[]> {
  if (!Number.isInteger(o.trials) || o.trials < 1) throw new Error(`trials must be a positive integer (got ${o.trials})`);
  const jobs = o.tasks.flatMap((task) => Array.from({ length: o.trials }, (_, k) => ({ task, seed: o.seed + k })));
  const out = new Array<Trajectory>(jobs.length);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      const { task, seed } = jobs[i];
      const t = await runEpisode({
        agent: o.makeAgent(task, seed),
        user: o.makeUser(task, seed),
        env: o.makeEnv(task),
        context: { task, systemPrompt: o.systemPrompt, tools: o.tools, db: o.db, seed },
        maxTurns: o.maxTurns,
      });
      if (o.judge) t.judge = await o.judge.judge(t);
      out[i] = t;
      o.onEpisode?.(t, ++done, jobs.length);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(o.concurrency ?? 1, jobs.length)) }, worker));
  scoreTrajectories(out, o.reward ?? rewardConfig(), { attach: true });
  return out;
}
