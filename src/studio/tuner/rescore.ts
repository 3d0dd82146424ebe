// Instant re-scoring for the Reward tuner: the loaded trajectories' judge scores and verifier
// rewards run through the pure reward functions under a baseline and a candidate config, group by
// group (GRPO groups: same step and group when known, else same task), with rankings compared.
import { DEFAULT_REWARD_CONFIG, type RewardConfig } from '../../reward/config.ts';
import { groupRewards, type EpisodeRewards } from '../../reward/shaping.ts';
import { judgeScores } from '../../rollout/trajectory.ts';
import type { LoadedTrajectory } from '../rollouts/view.ts';

export interface Scored {
  reward: number;
  /** Trajectory/terminal modes: the episode's advantage; turn mode: the mean of its turn advantages. */
  advantage: number;
  /** 1 = best reward in the group (ties share a rank). */
  rank: number;
}

export interface RescoredTrajectory {
  key: string;
  id: string;
  taskIndex: number;
  success: boolean;
  before: Scored;
  after: Scored;
}

export interface RescoredGroup {
  key: string;
  members: RescoredTrajectory[];
  rankingChanged: boolean;
}

export function groupKeyOf(item: LoadedTrajectory): string {
  const task = `task ${item.trajectory.task.split}/${item.trajectory.task.index}`;
  if (item.step !== undefined && item.group !== undefined) return `step ${item.step} · group ${item.group}`;
  return item.step !== undefined ? `step ${item.step} · ${task}` : task;
}

/** The config the loaded trajectories were scored with, when they all agree; else the defaults. */
export function baselineConfig(items: readonly LoadedTrajectory[]): { config: RewardConfig; recorded: boolean } {
  const configs = items.map((i) => i.trajectory.rewards?.config);
  const first = configs[0];
  if (first && configs.every((c) => c && JSON.stringify(c) === JSON.stringify(first))) return { config: first, recorded: true };
  return { config: DEFAULT_REWARD_CONFIG, recorded: false };
}

function ranks(rewards: number[]): number[] {
  return rewards.map((r) => 1 + rewards.filter((x) => x > r + 1e-12).length);
}

function scoredOf(eps: EpisodeRewards[], cfg: RewardConfig): Scored[] {
  const rk = ranks(eps.map((e) => e.reward));
  return eps.map((e, i) => {
    const a = e.turnAdvantages;
    const advantage = !a.length ? NaN : cfg.mode === 'turn' ? a.reduce((s, x) => s + x, 0) / a.length : a[0];
    return { reward: e.reward, advantage, rank: rk[i] };
  });
}

export function rescore(items: readonly LoadedTrajectory[], before: RewardConfig, after: RewardConfig): RescoredGroup[] {
  const groups = new Map<string, LoadedTrajectory[]>();
  for (const it of items) {
    const k = groupKeyOf(it);
    groups.set(k, [...(groups.get(k) ?? []), it]);
  }
  return [...groups].map(([key, members]) => {
    const episodes = members.map((m) => ({ verifierReward: m.trajectory.verifier?.reward ?? 0, turnScores: judgeScores(m.trajectory) }));
    const b = scoredOf(groupRewards(episodes, before), before);
    const a = scoredOf(groupRewards(episodes, after), after);
    const rows = members.map((m, i) => ({
      key: m.key,
      id: m.trajectory.id,
      taskIndex: m.trajectory.task.index,
      success: (m.trajectory.verifier?.reward ?? 0) >= 1 - 1e-6,
      before: b[i],
      after: a[i],
    }));
    return { key, members: rows, rankingChanged: rows.some((r) => r.before.rank !== r.after.rank) };
  });
}

export type PresetName = 'TARL (trajectory-level)' | 'terminal only' | 'per-turn';

export const REWARD_PRESETS: Readonly<Record<PresetName, RewardConfig>> = {
  'TARL (trajectory-level)': { ...DEFAULT_REWARD_CONFIG },
  'terminal only': { ...DEFAULT_REWARD_CONFIG, mode: 'terminal' },
  'per-turn': { ...DEFAULT_REWARD_CONFIG, mode: 'turn' },
};

export function presetOf(cfg: RewardConfig): PresetName | null {
  const hit = (Object.keys(REWARD_PRESETS) as PresetName[]).find((n) => JSON.stringify(REWARD_PRESETS[n]) === JSON.stringify(cfg));
  return hit ?? null;
}
