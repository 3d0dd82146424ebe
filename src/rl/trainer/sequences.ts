// From scored trajectories to what the training forward consumes: one teacher-forced sequence per
// trajectory (position t predicts token t+1, so every per-token array is the token record shifted
// by one), the loss mask (policy tokens only), sampling log-probs and per-token advantages.
import { mean, sampleStd } from '../../reward/shaping.ts';
import type { RewardConfig } from '../../reward/config.ts';
import type { ScoredTrajectory } from '../../reward/trajectories.ts';
import { broadcastAdvantage, rlooAdvantages } from '../advantages.ts';
import type { Algorithm } from '../objectives.ts';
import type { TrainSequence } from '../../train/cpu/model.ts';

export interface TrainItem {
  /** Index of the trajectory in the step's list. */
  index: number;
  group: number;
  tokens: number[];
  /** Per position (length tokens − 1): 1 where token t+1 was sampled by the policy. */
  mask: Float64Array;
  /** Sampling-time log-probs of token t+1 (at the sampling temperature). */
  samplingLogp: Float64Array;
  advantages: Float64Array;
  /** Speech episodes: the audio slots of the sequence (filled by the speech engine's projector). */
  audio?: AudioRef[];
}

/** One heard user turn in a training sequence: which audio (by hearing key) fills which slot. */
export interface AudioRef {
  key: string;
  bos: number;
  count: number;
}

/** A training sequence that may carry audio slots (the speech engine turns them into inputRows). */
export type RlSequence = TrainSequence & { audio?: readonly AudioRef[] };

/** The item as a teacher-forced training sequence (tokens, loss mask, audio slots). */
export function itemSequence(it: TrainItem): RlSequence {
  return { tokens: it.tokens, trainable: it.mask, ...(it.audio ? { audio: it.audio } : {}) };
}

const shift = (a: ArrayLike<number>) => Float64Array.from({ length: a.length - 1 }, (_, t) => a[t + 1]!);

/** Trajectories with at least one policy token, as training sequences (advantages still zero). */
export function buildItems(scored: readonly ScoredTrajectory[], groupOf: readonly number[]): TrainItem[] {
  const items: TrainItem[] = [];
  scored.forEach((s, index) => {
    const rec = s.trajectory.tokens;
    if (!rec || rec.ids.length < 2 || !rec.trainable.some((x) => x === 1)) return;
    items.push({
      index,
      group: groupOf[index]!,
      tokens: rec.ids,
      mask: shift(rec.trainable),
      samplingLogp: shift(rec.logprobs),
      advantages: new Float64Array(rec.ids.length - 1),
      ...(s.trajectory.speech?.length ? { audio: s.trajectory.speech.map((x) => ({ key: x.key, bos: x.bos, count: x.audioTokens })) } : {}),
    });
  });
  return items;
}

/**
 * Per-token advantages of every item. GRPO / Dr.GRPO take the reward module's token advantages
 * (group mean/std or mean only, per the reward mode) unless a KL penalty was folded into the
 * rewards, in which case the penalised scalar rewards are re-normalised per group; RLOO uses the
 * leave-one-out baseline on the (penalised) scalar rewards.
 */
export function assignAdvantages(
  items: TrainItem[],
  scored: readonly ScoredTrajectory[],
  algorithm: Algorithm,
  reward: RewardConfig,
  klPenalty: ReadonlyMap<number, number> | null,
): void {
  if (algorithm === 'ppo') throw new Error('assignAdvantages: PPO advantages come from the value head and GAE (ppo.ts ppoAdvantages)');
  const useShaped = (algorithm === 'grpo' || algorithm === 'drgrpo') && klPenalty === null;
  if (useShaped) {
    for (const it of items) {
      const adv = scored[it.index]!.tokens?.advantages;
      if (!adv) throw new Error(`trajectory ${it.index} has tokens but no token advantages`);
      it.advantages = shift(adv);
    }
    return;
  }
  // Scalar rewards per trajectory (plus the KL penalty), grouped.
  const groups = new Map<number, TrainItem[]>();
  for (const it of items) groups.set(it.group, [...(groups.get(it.group) ?? []), it]);
  for (const members of groups.values()) {
    const R = members.map((it) => scored[it.index]!.rewards.reward + (klPenalty?.get(it.index) ?? 0));
    let A: number[];
    if (algorithm === 'rloo') A = members.length >= 2 ? rlooAdvantages(R) : R.map(() => 0);
    else {
      const m = mean(R);
      const sd = sampleStd(R);
      A = R.map((r) => (algorithm === 'grpo' ? (r - m) / (sd + reward.stdEpsilon) : r - m));
    }
    members.forEach((it, k) => {
      it.advantages = broadcastAdvantage(A[k]!, it.mask);
    });
  }
}
