// PPO's advantages and value targets for a step's training items: rewards placed on tokens by the
// reward module (the episode reward on the last policy token, or each turn's reward on its last
// policy token in turn mode), plus the per-token KL penalty when the KL sits in the reward; values
// from the value head at sampling time; GAE at token level (every policy token is a step) or at turn
// level (every agent turn is a step, valued at the position that predicts its first token).
import type { ScoredTrajectory } from '../../reward/trajectories.ts';
import { tokenLevelGae, turnLevelGae } from '../advantages.ts';
import type { TrainItem } from './sequences.ts';

export interface PpoOptions {
  level: 'token' | 'turn';
  gamma: number;
  lambda: number;
  /** Whiten the advantages over the step's policy tokens (mean 0, std 1). */
  normalize: boolean;
}

/** Per item, per position: where the value loss applies, its targets, and the values at sampling. */
export interface ValueTargets {
  /** 1 at the positions whose value is trained (token level: policy tokens; turn level: turn starts). */
  mask: Float64Array;
  returns: Float64Array;
  oldValues: Float64Array;
}

const shift = (a: ArrayLike<number>) => Float64Array.from({ length: a.length - 1 }, (_, t) => a[t + 1]!);

/**
 * Sets `items[j].advantages` (per position) and returns the value targets. `oldValues[j]` are the
 * value head's outputs per position of item j at sampling time; `klRewards[j]` (or null) the
 * per-position KL penalty to add to the rewards.
 */
export function ppoAdvantages(
  items: TrainItem[],
  scored: readonly ScoredTrajectory[],
  oldValues: readonly Float64Array[],
  klRewards: readonly Float64Array[] | null,
  o: PpoOptions,
): ValueTargets[] {
  const targets = items.map((it, j) => {
    const s = scored[it.index]!;
    const rec = s.trajectory.tokens;
    if (!rec || !s.tokens) throw new Error(`ppoAdvantages: trajectory ${it.index} has no token record`);
    const n = it.mask.length;
    const values = oldValues[j]!;
    if (values.length !== n) throw new Error(`ppoAdvantages: item ${j} has ${values.length} values for ${n} positions`);
    const rewards = shift(s.tokens.rewards);
    const kl = klRewards?.[j];
    if (kl) for (let t = 0; t < n; t++) rewards[t] += kl[t]!;
    if (o.level === 'token') {
      const g = tokenLevelGae(rewards, values, it.mask, o);
      it.advantages = g.advantages;
      return { mask: Float64Array.from(it.mask), returns: g.returns, oldValues: values };
    }
    // Turn level: dense turn indices over the policy positions, in order of appearance.
    const turnOf = shift(rec.turn);
    const dense = new Map<number, number>();
    const tokenTurn = new Float64Array(n).fill(-1);
    const starts: number[] = [];
    for (let t = 0; t < n; t++) {
      if (!it.mask[t]) continue;
      const raw = turnOf[t]!;
      if (!dense.has(raw)) {
        dense.set(raw, dense.size);
        starts.push(t);
      }
      tokenTurn[t] = dense.get(raw)!;
    }
    const turnRewards = new Float64Array(starts.length);
    for (let t = 0; t < n; t++) {
      if (tokenTurn[t]! >= 0) turnRewards[tokenTurn[t]!] += rewards[t]!;
      else if (rewards[t] !== 0) throw new Error(`ppoAdvantages: item ${j} has reward ${rewards[t]} on non-policy position ${t}`);
    }
    const g = turnLevelGae(turnRewards, starts.map((t) => values[t]!), tokenTurn, o);
    it.advantages = g.tokenAdvantages;
    const mask = new Float64Array(n);
    const returns = new Float64Array(n);
    starts.forEach((t, k) => {
      mask[t] = 1;
      returns[t] = g.returns[k]!;
    });
    return { mask, returns, oldValues: values };
  });
  if (o.normalize) whiten(items);
  return targets;
}

/** Advantages to mean 0, std 1 over every policy token of the step (std floor 1e-8). */
function whiten(items: TrainItem[]): void {
  let n = 0, sum = 0, sq = 0;
  for (const it of items) for (let t = 0; t < it.mask.length; t++) if (it.mask[t]) (n++, (sum += it.advantages[t]!));
  if (n === 0) return;
  const m = sum / n;
  for (const it of items) for (let t = 0; t < it.mask.length; t++) if (it.mask[t]) sq += (it.advantages[t]! - m) ** 2;
  const sd = Math.sqrt(sq / n);
  for (const it of items) for (let t = 0; t < it.mask.length; t++) if (it.mask[t]) it.advantages[t] = (it.advantages[t]! - m) / (sd + 1e-8);
}
