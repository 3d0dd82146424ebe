// Inspector and tuner views over trajectories built with the real reference judge and reward code.
import { describe, expect, it } from 'vitest';
import { DEFAULT_REWARD_CONFIG, rewardConfig } from '../../../src/reward/config.ts';
import { alignCalls, filterRollouts, parseTrajectoryFile, rewardBreakdown } from '../../../src/studio/rollouts/view.ts';
import { baselineConfig, groupKeyOf, presetOf, REWARD_PRESETS, rescore } from '../../../src/studio/tuner/rescore.ts';
import { fixtureJsonl, scriptedTrajectory } from './trajectory-fixture.ts';

const loaded = () => parseTrajectoryFile(fixtureJsonl('with-step'), 'fx.jsonl');

describe('parseTrajectoryFile', () => {
  it('reads bare and {step, group, trajectory} lines', () => {
    const bare = parseTrajectoryFile(fixtureJsonl('bare'), 'bare.jsonl');
    expect(bare.length).toBe(8);
    expect(bare[0].step).toBeUndefined();
    const wrapped = loaded();
    expect(wrapped.map((w) => w.group)).toEqual([0, 0, 0, 0, 1, 1, 1, 1]);
    expect(wrapped.every((w) => w.step === 0)).toBe(true);
  });
  it('names the bad line, and gives duplicate ids distinct keys', () => {
    const good = fixtureJsonl('bare').split('\n')[0];
    expect(() => parseTrajectoryFile(`${good}\n{nope\n`, 'f.jsonl')).toThrow(/f.jsonl:2: not JSON/);
    expect(() => parseTrajectoryFile(`${good}\n{"version":7}\n`, 'f.jsonl')).toThrow(/f.jsonl:2: version 7/);
    expect(() => parseTrajectoryFile('\n\n', 'empty.jsonl')).toThrow(/no trajectories/);
    expect(parseTrajectoryFile(`${good}\n${good}\n`, 'd').map((x) => x.key)).toEqual(['dev0-success-s100', 'dev0-success-s100#1']);
  });
});

describe('filterRollouts', () => {
  it('filters by task, success and reward range', () => {
    const all = loaded();
    expect(filterRollouts(all, { task: 3 }).length).toBe(4);
    expect(filterRollouts(all, { success: true }).map((x) => x.trajectory.id)).toEqual(['dev0-success-s100', 'dev0-error-then-success-s103', 'dev3-success-s100', 'dev3-error-then-success-s103']);
    expect(filterRollouts(all, { task: 0, maxReward: 0 }).map((x) => x.trajectory.id)).toEqual(['dev0-wrong-write-s101', 'dev0-omission-s102']);
    expect(filterRollouts(all, { step: 1 })).toEqual([]);
  });
});

describe('alignCalls', () => {
  it('matches the right write, flags the wrong one and the failed lookup', () => {
    const good = alignCalls(scriptedTrajectory(0, 'error-then-success', 1));
    expect(good.truth[0].matchedBy?.agentTurn).toBe(5);
    const failed = good.agent.find((c) => c.name === 'get_order_details' && !c.ok);
    expect(failed?.truthIndex).toBe(-1);
    const bad = alignCalls(scriptedTrajectory(0, 'wrong-write', 1));
    expect(bad.truth[0].matchedBy).toBeUndefined();
    const write = bad.agent.find((c) => c.name === 'cancel_pending_order');
    expect(write).toMatchObject({ ok: true, truthIndex: -1 });
  });
});

/** A fixture trajectory with the judge scores fixed here, so the arithmetic below does not depend on the judge's rules. */
function withScores(variant: Parameters<typeof scriptedTrajectory>[1], scores: (-1 | 0 | 1)[]) {
  const t = scriptedTrajectory(0, variant, 1);
  expect(t.judge!.turns.length).toBe(scores.length);
  return { ...t, judge: { judge: 'fixed', flagged: false, turns: scores.map((score, agentTurn) => ({ agentTurn, score, rationale: `fixed ${score}` })) } };
}

describe('rewardBreakdown', () => {
  it('splits the TARL reward into terminal, deviation and 1/T parts (hand-computed)', () => {
    // scores [0, +1, 0, 0, −1, 0], T = 6, verifier 0 → reward = 1/6 − 5
    const b = rewardBreakdown(withScores('wrong-write', [0, 1, 0, 0, -1, 0]));
    expect(b.recorded).toBe(false);
    expect(b.rows.map((r) => r.score)).toEqual([0, 1, 0, 0, -1, 0]);
    expect(b.rows[1].otherPart).toBeCloseTo(1 / 6, 12);
    expect(b.rows[4].deviationPart).toBe(-5);
    expect(b.rows[4].otherPart).toBe(0);
    expect(b.terminalPart).toBe(0);
    expect(b.reward).toBeCloseTo(1 / 6 - 5, 12);
    expect(b.rows[4].rationale).toBe('fixed -1');
    // success with scores [0, +1, 0, 0, +1, 0], per-turn mode, fixed weight 0.5, γ = 1: G_0 = 0.5 + 0.5 + 10
    const s = rewardBreakdown(withScores('success', [0, 1, 0, 0, 1, 0]), rewardConfig({ mode: 'turn', turnWeight: 0.5 }));
    expect(s.reward).toBeCloseTo(11, 12);
    expect(s.rows[5].credited).toBeCloseTo(10, 12);
    expect(s.rows[4].credited).toBeCloseTo(10.5, 12);
    // the real reference judge's rationale comes through
    expect(rewardBreakdown(scriptedTrajectory(0, 'wrong-write', 1)).rows[4].rationale).toMatch(/no remaining ground-truth action/);
  });
});

describe('rescore', () => {
  it('is a no-op against the recorded config and reorders groups when the config changes', () => {
    const items = loaded();
    const base = baselineConfig(items);
    expect(base.recorded).toBe(true);
    const same = rescore(items, base.config, base.config);
    expect(same.map((g) => g.key)).toEqual(['step 0 · group 0', 'step 0 · group 1']);
    for (const g of same) {
      expect(g.rankingChanged).toBe(false);
      for (const m of g.members) {
        expect(m.after.reward).toBe(m.before.reward);
        expect(m.before.reward).toBeCloseTo(items.find((i) => i.key === m.key)!.trajectory.rewards!.result.reward, 12);
      }
    }
    // TARL: the same +1 turns over fewer agent turns (success: T = 6) outweigh error-then-success
    // (T = 7, one failed lookup more); terminal only ties them.
    const term = rescore(items, base.config, REWARD_PRESETS['terminal only']);
    const g0 = term[0].members;
    const byId = (id: string) => g0.find((m) => m.id === id)!;
    expect(byId('dev0-success-s100').before.rank).toBe(1);
    expect(byId('dev0-error-then-success-s103').before.rank).toBe(2);
    expect(byId('dev0-error-then-success-s103').after.rank).toBe(1);
    expect(byId('dev0-omission-s102').after.reward).toBe(0);
    expect(term[0].rankingChanged).toBe(true);
    // Dr.GRPO: advantages are R − mean (no std division).
    const dr = rescore(items, base.config, rewardConfig({ advantage: 'drgrpo' }));
    const rs = dr[0].members.map((m) => m.after.reward);
    const mean = rs.reduce((a, b) => a + b, 0) / rs.length;
    dr[0].members.forEach((m) => expect(m.after.advantage).toBeCloseTo(m.after.reward - mean, 12));
  });
  it('groups by task when steps are unknown, and recognises presets', () => {
    const bare = parseTrajectoryFile(fixtureJsonl('bare'), 'b');
    expect(new Set(bare.map(groupKeyOf))).toEqual(new Set(['task dev/0', 'task dev/3']));
    expect(presetOf({ ...DEFAULT_REWARD_CONFIG })).toBe('TARL (trajectory-level)');
    expect(presetOf(rewardConfig({ terminal: 3 }))).toBeNull();
    const mixed = [bare[0], { ...bare[1], trajectory: { ...bare[1].trajectory, rewards: undefined } }];
    expect(baselineConfig(mixed).recorded).toBe(false);
  });
});
