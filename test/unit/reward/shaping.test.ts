// Reward shaping vs hand-computed cases for every mode, weight option and advantage estimator.
import { describe, expect, it } from 'vitest';
import { DEFAULT_REWARD_CONFIG, rewardConfig, rewardConfigFromPairs } from '../../../src/reward/config.ts';
import { episodeRewards, groupRewards, tokenRewards, turnRewards, turnWeights } from '../../../src/reward/shaping.ts';

const traj = rewardConfig();
const closeAll = (got: ArrayLike<number>, want: number[], digits = 9) => {
  expect(got.length).toBe(want.length);
  want.forEach((w, i) => expect(got[i]).toBeCloseTo(w, digits));
};

describe('reward config', () => {
  it('defaults follow TARL: terminal x10, deviation x5, others 1/T, trajectory-level, GRPO', () => {
    expect(DEFAULT_REWARD_CONFIG).toMatchObject({ mode: 'trajectory', terminal: 10, deviation: 5, turnWeight: 'inverse-T', advantage: 'grpo' });
  });
  it('rejects unknown keys and bad values by name', () => {
    expect(() => rewardConfig({ terminl: 3 } as never)).toThrow(/unknown key "terminl"/);
    expect(() => rewardConfig({ mode: 'episode' } as never)).toThrow(/"mode"/);
    expect(() => rewardConfig({ deviation: Number.NaN })).toThrow(/"deviation"/);
    expect(() => rewardConfig({ gamma: 1.5 })).toThrow(/"gamma"/);
    expect(() => rewardConfigFromPairs(['terminal'])).toThrow(/not key=value/);
  });
  it('parses key=value pairs', () => {
    expect(rewardConfigFromPairs(['mode=turn', 'terminal=4', 'turnWeight=0.2', 'advantage=drgrpo'])).toMatchObject({ mode: 'turn', terminal: 4, turnWeight: 0.2, advantage: 'drgrpo' });
    expect(rewardConfigFromPairs(['turnWeight=inverse-T']).turnWeight).toBe('inverse-T');
  });
});

describe('turn weights and rewards', () => {
  it('weights the -1 turn by `deviation` and the others by 1/T', () => {
    closeAll(turnWeights([1, 0, -1, 1], traj), [0.25, 0.25, 5, 0.25]);
    closeAll(turnRewards([1, 0, -1, 1], traj), [0.25, 0, -5, 0.25]);
  });
  it('uses a fixed number when turnWeight is a number', () => {
    closeAll(turnRewards([1, 1, 0], rewardConfig({ turnWeight: 0.5 })), [0.5, 0.5, 0]);
  });
});

describe('episode rewards per mode (hand-computed)', () => {
  const scores = [1, 0, -1, 1];
  it('trajectory mode: terminal*Rv + sum of weighted turn scores', () => {
    expect(episodeRewards({ verifierReward: 1, turnScores: scores }, traj).reward).toBeCloseTo(10 + 0.25 - 5 + 0.25, 12); // 5.5
    expect(episodeRewards({ verifierReward: 0, turnScores: scores }, traj).reward).toBeCloseTo(-4.5, 12);
    const e = episodeRewards({ verifierReward: 1, turnScores: [1, 1] }, rewardConfig({ turnWeight: 0.5 }));
    expect(e.reward).toBeCloseTo(11, 12);
    expect(e.terminalPart).toBe(10);
    expect(e.turnPart).toBeCloseTo(1, 12);
  });
  it('terminal mode ignores the judge', () => {
    const cfg = rewardConfig({ mode: 'terminal' });
    expect(episodeRewards({ verifierReward: 1, turnScores: scores }, cfg).reward).toBe(10);
    expect(episodeRewards({ verifierReward: 0, turnScores: [-1, 1] }, cfg).reward).toBe(0);
  });
  it('turn mode: returns over later turns, terminal reward on the last turn', () => {
    const cfg = rewardConfig({ mode: 'turn' });
    const e = episodeRewards({ verifierReward: 1, turnScores: scores }, cfg);
    // r' = [0.25, 0, -5, 0.25 + 10]; G_3 = 10.25, G_2 = 5.25, G_1 = 5.25, G_0 = 5.5
    closeAll(e.turnReturns, [5.5, 5.25, 5.25, 10.25]);
    expect(e.reward).toBeCloseTo(5.5, 12);
    const d = episodeRewards({ verifierReward: 1, turnScores: scores }, rewardConfig({ mode: 'turn', gamma: 0.5 }));
    // G_3 = 10.25, G_2 = -5 + 5.125 = 0.125, G_1 = 0.0625, G_0 = 0.25 + 0.03125
    closeAll(d.turnReturns, [0.28125, 0.0625, 0.125, 10.25]);
  });
  it('rejects scores outside {-1,0,1}', () => {
    expect(() => episodeRewards({ verifierReward: 1, turnScores: [2] }, traj)).toThrow(/turn 0 score 2/);
  });
});

describe('group advantages', () => {
  const group = [
    { verifierReward: 1, turnScores: [1, 0, -1, 1] }, // 5.5
    { verifierReward: 0, turnScores: [1, 0, -1, 1] }, // -4.5
    { verifierReward: 1, turnScores: [1, 1] }, // 11
  ];
  it('GRPO: (R - mean)/(sample std + eps), shared by every turn of a trajectory', () => {
    const out = groupRewards(group, traj);
    // mean 4, sample std sqrt(61.75) = 7.858116822750856
    const want = [0.19088540460123843, -1.0816839594070178, 0.8907985548057794];
    out.forEach((e, i) => e.turnAdvantages.forEach((a) => expect(a).toBeCloseTo(want[i], 9)));
  });
  it('Dr.GRPO: R - mean only', () => {
    const out = groupRewards(group, rewardConfig({ advantage: 'drgrpo' }));
    expect(out.map((e) => e.turnAdvantages[0])).toEqual([1.5, -8.5, 7]);
  });
  it('turn mode: returns normalised over every turn of the group', () => {
    const out = groupRewards([group[0], group[2]], rewardConfig({ mode: 'turn' }));
    // pooled returns [5.5, 5.25, 5.25, 10.25 | 11, 10.5]: mean 7.958333, sample std 2.887112167316446
    closeAll(out[0].turnAdvantages, [-0.8514849231276717, -0.938076610225401, -0.938076610225401, 0.7937571317291857]);
    closeAll(out[1].turnAdvantages, [1.0535321930223738, 0.8803488188269151]);
    const dr = groupRewards([group[0], group[2]], rewardConfig({ mode: 'turn', advantage: 'drgrpo' }));
    closeAll(dr[1].turnAdvantages, [11 - 47.75 / 6, 10.5 - 47.75 / 6]);
  });
  it('a single rollout or identical rewards give zero GRPO advantage, not NaN', () => {
    expect(groupRewards([group[0]], traj)[0].turnAdvantages).toEqual([0, 0, 0, 0]);
    expect(groupRewards([group[0], group[0]], traj)[1].turnAdvantages.every((a) => a === 0)).toBe(true);
  });
});

describe('per-token rewards and advantages', () => {
  const tokenTurn = [-1, -1, 0, 0, -1, 1, 1, -1];
  const trainable = [0, 0, 1, 1, 0, 1, 1, 0];
  const pair = [
    { verifierReward: 0, turnScores: [1, -1] }, // 0.5 - 5 = -4.5
    { verifierReward: 1, turnScores: [1, 1] }, // 10 + 1 = 11
  ];
  it('trajectory mode: the reward on the last trainable token, the advantage on every trainable token', () => {
    const cfg = rewardConfig({ advantage: 'drgrpo' });
    const [a] = groupRewards(pair, cfg); // mean 3.25 → A = -7.75
    const t = tokenRewards(tokenTurn, trainable, a, cfg);
    closeAll(t.rewards, [0, 0, 0, 0, 0, 0, -4.5, 0]);
    closeAll(t.advantages, [0, 0, -7.75, -7.75, 0, -7.75, -7.75, 0]);
  });
  it("turn mode: each turn's reward on its own last token", () => {
    const cfg = rewardConfig({ mode: 'turn', advantage: 'drgrpo' });
    const [a, b] = groupRewards(pair, cfg);
    // a: r' = [0.5, -5] → G = [-4.5, -5]; b: r' = [0.5, 0.5 + 10] → G = [11, 10.5]; pooled mean 3
    const t = tokenRewards(tokenTurn, trainable, a, cfg);
    closeAll(t.rewards, [0, 0, 0, 0.5, 0, 0, -5, 0]);
    closeAll(t.advantages, [0, 0, -7.5, -7.5, 0, -8, -8, 0]);
    closeAll(tokenRewards(tokenTurn, trainable, b, cfg).rewards, [0, 0, 0, 0.5, 0, 0, 10.5, 0]);
  });
  it('rejects a trainable token naming a turn the episode lacks', () => {
    const [a] = groupRewards(pair, traj);
    expect(() => tokenRewards([0, 2], [1, 1], a, traj)).toThrow(/token 1 belongs to turn 2/);
    expect(() => tokenRewards([0], [1, 1], a, traj)).toThrow(/2 trainable flags for 1 tokens/);
  });
});
