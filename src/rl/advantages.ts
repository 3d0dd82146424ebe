// Advantages that belong to the trainer's algorithms (GRPO / Dr.GRPO group advantages live with
// the rewards in src/reward): RLOO's leave-one-out baseline, and PPO's generalised advantage
// estimation at token or turn level with the value-head loss.

/** RLOO: A_i = R_i − mean of the other G − 1 rewards of the group (Ahmadian et al. 2024). */
export function rlooAdvantages(groupRewards: readonly number[]): number[] {
  const g = groupRewards.length;
  if (g < 2) throw new Error(`rlooAdvantages: a group needs at least 2 samples, got ${g}`);
  const sum = groupRewards.reduce((a, b) => a + b, 0);
  return groupRewards.map((r) => r - (sum - r) / (g - 1));
}

/** A sequence-level advantage repeated on every trainable token (0 elsewhere). */
export function broadcastAdvantage(advantage: number, mask: ArrayLike<number>): Float64Array {
  const out = new Float64Array(mask.length);
  for (let t = 0; t < mask.length; t++) if (mask[t]) out[t] = advantage;
  return out;
}

export interface GaeOptions {
  gamma: number; // discount, in [0, 1]
  lambda: number; // GAE λ, in [0, 1]
  /** Value of the state after the last step: 0 when the episode ended (default), V(s_T) when truncated. */
  bootstrap?: number;
}

export interface GaeResult {
  advantages: Float64Array;
  returns: Float64Array; // value targets: advantages + values
}

function checkGae(o: GaeOptions, who: string): void {
  if (!(o.gamma >= 0 && o.gamma <= 1)) throw new Error(`${who}: gamma must be in [0, 1], got ${o.gamma}`);
  if (!(o.lambda >= 0 && o.lambda <= 1)) throw new Error(`${who}: lambda must be in [0, 1], got ${o.lambda}`);
}

/** GAE over consecutive steps: δ_k = r_k + γ·V_{k+1} − V_k, A_k = δ_k + γλ·A_{k+1}. */
export function gae(rewards: ArrayLike<number>, values: ArrayLike<number>, options: GaeOptions): GaeResult {
  checkGae(options, 'gae');
  const n = rewards.length;
  if (values.length !== n) throw new Error(`gae: ${n} rewards but ${values.length} values`);
  const { gamma, lambda } = options;
  const advantages = new Float64Array(n);
  const returns = new Float64Array(n);
  let next = options.bootstrap ?? 0;
  let running = 0;
  for (let k = n - 1; k >= 0; k--) {
    const delta = rewards[k]! + gamma * next - values[k]!;
    running = delta + gamma * lambda * running;
    advantages[k] = running;
    returns[k] = running + values[k]!;
    next = values[k]!;
  }
  return { advantages, returns };
}

/**
 * Token-level GAE for one trajectory: the steps are its trainable policy tokens in order; other
 * tokens (user, tool, environment) are not steps and are skipped (advantage and return 0 there).
 * `rewards` is per token (usually the trajectory reward on the last policy token, plus per-token
 * KL penalties when the KL sits in the reward); `values` is the value head's output per token.
 */
export function tokenLevelGae(
  rewards: ArrayLike<number>,
  values: ArrayLike<number>,
  mask: ArrayLike<number>,
  options: GaeOptions,
): GaeResult {
  if (rewards.length !== mask.length || values.length !== mask.length) {
    throw new Error(`tokenLevelGae: lengths differ (rewards ${rewards.length}, values ${values.length}, mask ${mask.length})`);
  }
  const idx: number[] = [];
  for (let t = 0; t < mask.length; t++) {
    if (mask[t]) idx.push(t);
    else if (rewards[t] !== 0) throw new Error(`tokenLevelGae: reward ${rewards[t]} on non-policy token ${t}; put it on a policy token`);
  }
  const packed = gae(idx.map((t) => rewards[t]!), idx.map((t) => values[t]!), options);
  const advantages = new Float64Array(mask.length);
  const returns = new Float64Array(mask.length);
  idx.forEach((t, k) => {
    advantages[t] = packed.advantages[k]!;
    returns[t] = packed.returns[k]!;
  });
  return { advantages, returns };
}

export interface TurnGaeResult extends GaeResult {
  /** Per token: the advantage of the token's turn (0 on tokens outside policy turns). */
  tokenAdvantages: Float64Array;
}

/**
 * Turn-level GAE: one step per agent turn. `turnValues[k]` is the value head's output for the
 * state before turn k (read at the position that predicts the turn's first token). `tokenTurn[t]`
 * is the turn index of token t, or −1 for tokens outside policy turns. Every token of turn k gets
 * A_k; returns are the per-turn value targets.
 */
export function turnLevelGae(
  turnRewards: ArrayLike<number>,
  turnValues: ArrayLike<number>,
  tokenTurn: ArrayLike<number>,
  options: GaeOptions,
): TurnGaeResult {
  const { advantages, returns } = gae(turnRewards, turnValues, options);
  const tokenAdvantages = new Float64Array(tokenTurn.length);
  for (let t = 0; t < tokenTurn.length; t++) {
    const k = tokenTurn[t]!;
    if (k === -1) continue;
    if (!Number.isInteger(k) || k < 0 || k >= turnRewards.length) {
      throw new Error(`turnLevelGae: tokenTurn[${t}] = ${k} is not a turn index in [0, ${turnRewards.length}) or -1`);
    }
    tokenAdvantages[t] = advantages[k]!;
  }
  return { advantages, returns, tokenAdvantages };
}

export interface ValueLossResult {
  loss: number; // to MINIMISE: mean over masked positions of ½·max((V − R)², (clip(V) − R)²)
  dValues: Float64Array; // dLoss/dV per position (0 where mask is 0)
  clipFraction: number; // share of positions where the clipped branch set the loss
}

/**
 * PPO value loss with optional clipping of the new value to within `clip` of the value at
 * sampling time (null: plain squared error). Positions: tokens (token-level) or turns (turn-level).
 */
export function valueLoss(
  values: ArrayLike<number>,
  oldValues: ArrayLike<number>,
  returns: ArrayLike<number>,
  mask: ArrayLike<number>,
  clip: number | null,
): ValueLossResult {
  const n = mask.length;
  if (values.length !== n || oldValues.length !== n || returns.length !== n) {
    throw new Error(`valueLoss: lengths differ (values ${values.length}, oldValues ${oldValues.length}, returns ${returns.length}, mask ${n})`);
  }
  if (clip !== null && !(clip > 0)) throw new Error(`valueLoss: clip must be > 0 or null, got ${clip}`);
  let count = 0;
  for (let t = 0; t < n; t++) count += mask[t] ? 1 : 0;
  const dValues = new Float64Array(n);
  let loss = 0;
  let clipped = 0;
  for (let t = 0; t < n; t++) {
    if (!mask[t]) continue;
    const v = values[t]!;
    const r = returns[t]!;
    const plain = (v - r) ** 2;
    if (clip !== null) {
      const old = oldValues[t]!;
      const vc = Math.min(Math.max(v, old - clip), old + clip);
      const clippedSq = (vc - r) ** 2;
      if (clippedSq > plain) {
        clipped++;
        loss += clippedSq / (2 * count);
        // The clipped branch wins only when v lies outside the window, where clip(v) is flat.
        dValues[t] = 0;
        continue;
      }
    }
    loss += plain / (2 * count);
    dValues[t] = (v - r) / count;
  }
  return { loss, dValues, clipFraction: count > 0 ? clipped / count : 0 };
}
