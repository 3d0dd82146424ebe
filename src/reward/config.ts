// The reward-shaping configuration: one plain object of numbers (plus three mode switches) so the
// studio can edit it and re-score stored trajectories instantly. Defaults follow TARL
// (arXiv 2509.14480): terminal verifier reward ×10, the single major-deviation (−1) turn ×5,
// every other turn ×1/T, aggregated at the trajectory level (the paper's best variant).

export type RewardMode = 'terminal' | 'trajectory' | 'turn';
export type AdvantageEstimator = 'grpo' | 'drgrpo';

export interface RewardConfig {
  /** terminal: verifier only; trajectory: terminal + weighted turn scores on the whole trajectory;
   *  turn: each turn's reward on its own tokens, advantages from returns over later turns. */
  mode: RewardMode;
  /** Multiplies the verifier reward (0/1). */
  terminal: number;
  /** Weight of the major-deviation turn (score −1). The product is −deviation. */
  deviation: number;
  /** Weight of every other turn score: 'inverse-T' = 1/T (T = agent turns), or a fixed number. */
  turnWeight: 'inverse-T' | number;
  /** Discount for per-turn returns (turn mode only). */
  gamma: number;
  /** grpo: (R − mean)/(std + eps); drgrpo: R − mean (Dr.GRPO drops the std division). */
  advantage: AdvantageEstimator;
  /** Added to the group std before dividing (GRPO). */
  stdEpsilon: number;
}

export const DEFAULT_REWARD_CONFIG: Readonly<RewardConfig> = Object.freeze({
  mode: 'trajectory',
  terminal: 10,
  deviation: 5,
  turnWeight: 'inverse-T',
  gamma: 1,
  advantage: 'grpo',
  stdEpsilon: 1e-6,
});

const KEYS = Object.keys(DEFAULT_REWARD_CONFIG) as (keyof RewardConfig)[];

function finite(key: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`reward config: "${key}" must be a finite number (got ${JSON.stringify(v)})`);
  return v;
}

/** Merges a partial config over the defaults, rejecting unknown keys and bad values by name. */
export function rewardConfig(partial: Partial<RewardConfig> | Record<string, unknown> = {}): RewardConfig {
  for (const k of Object.keys(partial)) {
    if (!KEYS.includes(k as keyof RewardConfig)) throw new Error(`reward config: unknown key "${k}" (known: ${KEYS.join(', ')})`);
  }
  const c = { ...DEFAULT_REWARD_CONFIG, ...partial } as RewardConfig;
  if (!['terminal', 'trajectory', 'turn'].includes(c.mode)) throw new Error(`reward config: "mode" must be terminal, trajectory or turn (got ${JSON.stringify(c.mode)})`);
  if (!['grpo', 'drgrpo'].includes(c.advantage)) throw new Error(`reward config: "advantage" must be grpo or drgrpo (got ${JSON.stringify(c.advantage)})`);
  finite('terminal', c.terminal);
  finite('deviation', c.deviation);
  if (c.turnWeight !== 'inverse-T') finite('turnWeight', c.turnWeight);
  if (finite('gamma', c.gamma) < 0 || c.gamma > 1) throw new Error(`reward config: "gamma" must be in [0, 1] (got ${c.gamma})`);
  if (finite('stdEpsilon', c.stdEpsilon) < 0) throw new Error(`reward config: "stdEpsilon" must be >= 0 (got ${c.stdEpsilon})`);
  return c;
}

/** Parses CLI-style "key=value" pairs (numbers where the key is numeric) into a config. */
export function rewardConfigFromPairs(pairs: string[]): RewardConfig {
  const partial: Record<string, unknown> = {};
  for (const p of pairs) {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new Error(`reward config: "${p}" is not key=value`);
    const key = p.slice(0, eq).trim();
    const raw = p.slice(eq + 1).trim();
    const isWord = key === 'mode' || key === 'advantage' || (key === 'turnWeight' && raw === 'inverse-T');
    partial[key] = isWord ? raw : raw === '' ? NaN : Number(raw);
  }
  return rewardConfig(partial);
}
