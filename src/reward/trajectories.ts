// Applies the reward config to stored trajectories: groups them by task (the GRPO group), computes
// rewards and advantages, and spreads them over each trajectory's tokens. Re-running with another
// config re-scores instantly (no model, no judge calls).
import { agentTurns, judgeScores, type Trajectory } from '../rollout/trajectory.ts';
import type { RewardConfig } from './config.ts';
import { groupRewards, tokenRewards, type EpisodeRewards, type TokenRewards } from './shaping.ts';

export interface ScoredTrajectory {
  trajectory: Trajectory;
  rewards: EpisodeRewards;
  /** Present when the trajectory carries tokens (policy episodes). */
  tokens?: TokenRewards;
}

/** Group key: the task (split + index); trajectories of one task form one advantage group. */
export const taskKey = (t: Trajectory) => `${t.task.split}#${t.task.index}`;

/**
 * Scores trajectories; returns them in input order. A missing verifier result counts as reward 0,
 * a missing or flagged judge result as neutral turns. Writes `trajectory.rewards` when `attach`.
 */
export function scoreTrajectories(
  trajectories: Trajectory[],
  cfg: RewardConfig,
  opts: { groupBy?: (t: Trajectory) => string; attach?: boolean } = {},
): ScoredTrajectory[] {
  const groupBy = opts.groupBy ?? taskKey;
  const groups = new Map<string, number[]>();
  trajectories.forEach((t, i) => {
    const k = groupBy(t);
    groups.set(k, [...(groups.get(k) ?? []), i]);
  });
  const out = new Array<ScoredTrajectory>(trajectories.length);
  for (const members of groups.values()) {
    const eps = groupRewards(
      members.map((i) => ({ verifierReward: trajectories[i].verifier?.reward ?? 0, turnScores: judgeScores(trajectories[i]) })),
      cfg,
    );
    members.forEach((i, k) => {
      const t = trajectories[i];
      const tokens = t.tokens ? tokenRewards(t.tokens.turn, t.tokens.trainable, eps[k], cfg) : undefined;
      if (opts.attach) t.rewards = { config: { ...cfg }, result: eps[k] };
      out[i] = { trajectory: t, rewards: eps[k], ...(tokens ? { tokens } : {}) };
    });
  }
  return out;
}

/** A compact per-turn table for printing: agent turn, judge score, weight-adjusted reward, return, advantage. */
export function turnTable(s: ScoredTrajectory): { turn: number; score: number; reward: number; credited: number; advantage: number; text: string }[] {
  const scores = judgeScores(s.trajectory);
  return agentTurns(s.trajectory).map((a, t) => ({
    turn: t,
    score: scores[t],
    reward: s.rewards.turnRewards[t],
    credited: s.rewards.turnReturns[t],
    advantage: s.rewards.turnAdvantages[t],
    text: a.toolCalls.length ? a.toolCalls.map((c) => `${c.name}(${JSON.stringify(c.arguments)})`).join(' ') : a.text,
  }));
}
