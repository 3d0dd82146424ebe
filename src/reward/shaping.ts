// TARL reward shaping: pure functions from (verifier reward, per-agent-turn judge scores) to
// rewards, returns and group advantages. No trajectory types here, so the studio, the trainer and
// tests can call these on plain numbers.
//
// Formulas (R_v = verifier reward in [0,1], s_t ∈ {−1,0,+1} for agent turns t = 0..T−1):
//   w_t = deviation if s_t = −1, else (turnWeight = 'inverse-T' ? 1/T : turnWeight)
//   r_t = w_t · s_t                                   (turn reward)
//   terminal   mode: R = terminal · R_v
//   trajectory mode: R = terminal · R_v + Σ_t r_t     (every token of the trajectory shares R)
//   turn       mode: r'_t = r_t (+ terminal · R_v on the last turn), G_t = r'_t + γ·G_{t+1},
//                    R = G_0 (each turn's tokens are credited with their own return)
// Group advantages (G rollouts of one task):
//   terminal/trajectory: A_i = (R_i − mean R)/(std R + eps)   [grpo]   or  R_i − mean R   [drgrpo]
//   turn: the same normalisation with mean and std pooled over every agent turn's return G_{i,t} in the
//         group, applied to each G_{i,t} (a turn-level analogue of GRPO's process supervision).
// std is the unbiased sample std (n−1), 0 for a single value, as in the common GRPO implementations.
import type { RewardConfig } from './config.ts';

export interface ScoredEpisode {
  /** Verifier reward of the whole episode (0 or 1 for τ-bench). */
  verifierReward: number;
  /** One judge score per agent turn, each −1, 0 or +1. */
  turnScores: readonly number[];
}

export interface EpisodeRewards {
  /** Scalar reward of the episode under the configured mode (turn mode: the return of the first turn). */
  reward: number;
  /** Terminal part (terminal · R_v) and turn-level part (Σ r_t; 0 in terminal mode) of the reward. */
  terminalPart: number;
  turnPart: number;
  /** r_t = w_t · s_t per agent turn (independent of mode, for display). */
  turnRewards: number[];
  /** The reward credited to each agent turn's tokens: turn mode G_t, otherwise R for every turn. */
  turnReturns: number[];
  /** Advantage of each agent turn (every trainable token of that turn gets it). */
  turnAdvantages: number[];
}

function checkEpisode(e: ScoredEpisode, where: string): void {
  if (!Number.isFinite(e.verifierReward)) throw new Error(`${where}: verifier reward ${e.verifierReward} is not a finite number`);
  e.turnScores.forEach((s, t) => {
    if (s !== -1 && s !== 0 && s !== 1) throw new Error(`${where}: turn ${t} score ${s} is not -1, 0 or 1`);
  });
}

/** Weight of each agent turn's score. */
export function turnWeights(scores: readonly number[], cfg: RewardConfig): number[] {
  const T = scores.length;
  const other = cfg.turnWeight === 'inverse-T' ? (T > 0 ? 1 / T : 0) : cfg.turnWeight;
  return scores.map((s) => (s === -1 ? cfg.deviation : other));
}

export function turnRewards(scores: readonly number[], cfg: RewardConfig): number[] {
  const w = turnWeights(scores, cfg);
  return scores.map((s, t) => w[t] * s);
}

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

/** Rewards and returns of one episode (advantages left at 0: they need the group). */
export function episodeRewards(e: ScoredEpisode, cfg: RewardConfig): EpisodeRewards {
  checkEpisode(e, 'episode');
  const rt = turnRewards(e.turnScores, cfg);
  const terminalPart = cfg.terminal * e.verifierReward;
  const T = rt.length;
  if (cfg.mode !== 'turn') {
    const turnPart = cfg.mode === 'terminal' ? 0 : sum(rt);
    const reward = terminalPart + turnPart;
    return { reward, terminalPart, turnPart, turnRewards: rt, turnReturns: rt.map(() => reward), turnAdvantages: rt.map(() => 0) };
  }
  const returns = new Array<number>(T).fill(0);
  let next = 0;
  for (let t = T - 1; t >= 0; t--) {
    const r = rt[t] + (t === T - 1 ? terminalPart : 0);
    next = r + cfg.gamma * next;
    returns[t] = next;
  }
  const reward = T > 0 ? returns[0] : terminalPart;
  return { reward, terminalPart, turnPart: sum(rt), turnRewards: rt, turnReturns: returns, turnAdvantages: rt.map(() => 0) };
}

export function mean(xs: readonly number[]): number {
  return xs.length ? sum(xs) / xs.length : 0;
}

/** Unbiased sample standard deviation; 0 for fewer than two values. */
export function sampleStd(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
}

function normaliser(pool: readonly number[], cfg: RewardConfig): (x: number) => number {
  const m = mean(pool);
  if (cfg.advantage === 'drgrpo') return (x) => x - m;
  const d = sampleStd(pool) + cfg.stdEpsilon;
  return (x) => (d > 0 ? (x - m) / d : 0);
}

/** Rewards and group-relative advantages for the G rollouts of one task. */
export function groupRewards(group: readonly ScoredEpisode[], cfg: RewardConfig): EpisodeRewards[] {
  const eps = group.map((e, i) => {
    checkEpisode(e, `group member ${i}`);
    return episodeRewards(e, cfg);
  });
  if (cfg.mode === 'turn') {
    const norm = normaliser(eps.flatMap((e) => e.turnReturns), cfg);
    for (const e of eps) e.turnAdvantages = e.turnReturns.map(norm);
  } else {
    const norm = normaliser(eps.map((e) => e.reward), cfg);
    for (const e of eps) {
      const a = norm(e.reward);
      e.turnAdvantages = e.turnReturns.map(() => a);
    }
  }
  return eps;
}

export interface TokenRewards {
  /** Reward placed on tokens: the episode reward on the last trainable token (terminal/trajectory
   *  modes) or each turn's own reward r'_t on that turn's last trainable token (turn mode); 0 elsewhere. */
  rewards: Float64Array;
  /** The turn's advantage on each trainable token, 0 on the others. */
  advantages: Float64Array;
}

/**
 * Spreads an episode's rewards over its token sequence. `tokenTurn[i]` is the agent turn that
 * produced token i (−1 for prompt, user and tool tokens); `trainable[i]` is 1 for tokens the loss
 * may touch. Throws if a trainable token names a turn the episode does not have.
 */
export function tokenRewards(
  tokenTurn: ArrayLike<number>,
  trainable: ArrayLike<number>,
  ep: EpisodeRewards,
  cfg: RewardConfig,
): TokenRewards {
  const n = tokenTurn.length;
  if (trainable.length !== n) throw new Error(`tokenRewards: ${trainable.length} trainable flags for ${n} tokens`);
  const T = ep.turnAdvantages.length;
  const rewards = new Float64Array(n);
  const advantages = new Float64Array(n);
  const lastOfTurn = new Array<number>(T).fill(-1);
  let lastTrainable = -1;
  for (let i = 0; i < n; i++) {
    if (!trainable[i]) continue;
    const t = tokenTurn[i];
    if (!Number.isInteger(t) || t < 0 || t >= T) throw new Error(`tokenRewards: trainable token ${i} belongs to turn ${t}, but the episode has ${T} agent turns`);
    advantages[i] = ep.turnAdvantages[t];
    lastOfTurn[t] = i;
    lastTrainable = i;
  }
  if (cfg.mode === 'turn') {
    ep.turnReturns.forEach((_, t) => {
      if (lastOfTurn[t] < 0) return;
      rewards[lastOfTurn[t]] = ep.turnRewards[t] + (t === T - 1 ? ep.terminalPart : 0);
    });
  } else if (lastTrainable >= 0) {
    rewards[lastTrainable] = ep.reward;
  }
  return { rewards, advantages };
}
