// The studio's views over trajectories made by the real episode code (runner, oracle, scripted user,
// sandbox, verifier, reference judge, rewards): re-scoring with the recorded config must reproduce
// exactly what the episode batch attached, so the tuner's "before" column is the truth.
import { beforeAll, describe, expect, it } from 'vitest';
import { serializeTrajectory, type Trajectory } from '../../../src/rollout/trajectory.ts';
import { alignCalls, parseTrajectoryFile, rewardBreakdown } from '../../../src/studio/rollouts/view.ts';
import { baselineConfig, rescore } from '../../../src/studio/tuner/rescore.ts';
import { realEpisodes } from './episode-fixture.ts';

let episodes: Trajectory[];
beforeAll(async () => {
  episodes = await realEpisodes();
});

describe('studio views on real episodes', () => {
  it('reproduces the rewards and advantages the episode batch attached', () => {
    const loaded = parseTrajectoryFile(episodes.map(serializeTrajectory).join('\n'), 'episodes.jsonl');
    const base = baselineConfig(loaded);
    expect(base.recorded).toBe(true);
    const groups = rescore(loaded, base.config, base.config);
    expect(groups.map((g) => g.members.length)).toEqual([4, 4]);
    for (const m of groups.flatMap((g) => g.members)) {
      const t = episodes.find((e) => e.id === m.id)!;
      expect(m.before.reward).toBeCloseTo(t.rewards!.result.reward, 12);
      expect(m.before.advantage).toBeCloseTo(t.rewards!.result.turnAdvantages[0], 12);
      expect(rewardBreakdown(t).reward).toBeCloseTo(t.rewards!.result.reward, 12);
    }
    // the oracle solves both tasks; the flawed wrappers do not
    expect(episodes.filter((t) => t.verifier?.reward === 1).map((t) => t.id)).toEqual(['dev-0-s1', 'dev-0-s2', 'dev-3-s1', 'dev-3-s2']);
  });

  it('aligns the calls: the oracle matches the ground truth, the altered write does not', () => {
    const ok = alignCalls(episodes.find((t) => t.id === 'dev-0-s1')!);
    expect(ok.truth.every((t) => t.matchedBy)).toBe(true);
    const bad = alignCalls(episodes.find((t) => t.id === 'dev-0-s3')!);
    expect(bad.truth[0].matchedBy).toBeUndefined();
    expect(bad.agent.find((c) => c.name === 'cancel_pending_order')).toMatchObject({ ok: true, truthIndex: -1 });
  });
});
