// `tarl episode`: trajectories as JSON lines on stdout (nothing else), rewards attached per task
// group, the summary on stderr, and clear errors for bad flags.
import { describe, expect, it } from 'vitest';
import { parseTrajectoryLines } from '../../../src/rollout/trajectory.ts';
import { runCli } from '../../helpers/cli.ts';

describe('tarl episode', () => {
  it('runs oracle episodes with the scripted user and reference judge', () => {
    const r = runCli(['episode', '--split', 'dev', '--tasks', '0,12', '--trials', '2', '--seed', '4', '--set', 'terminal=5']);
    expect(r.status, r.stderr).toBe(0);
    const ts = parseTrajectoryLines(r.stdout);
    expect(ts.map((t) => [t.task.index, t.seed])).toEqual([[0, 4], [0, 5], [12, 4], [12, 5]]);
    for (const t of ts) {
      expect(t.verifier!.reward).toBe(1);
      expect(t.judge!.judge).toBe('reference');
      expect(t.rewards!.config.terminal).toBe(5);
      expect(t.rewards!.result.terminalPart).toBe(5);
      expect(t.rewards!.result.turnAdvantages.every((a) => a === 0)).toBe(true); // identical rewards in a group
    }
    const summary = JSON.parse(r.stderr.trim().split('\n').pop()!);
    expect(summary).toMatchObject({ episodes: 4, passRate: 1, minusOneTurns: 0, ends: { user_stop: 4 } });
  }, 60_000);

  it('rejects bad flags with a message naming them', () => {
    expect(runCli(['episode', '--tasks', '99']).stderr).toMatch(/--tasks: no task 99 in split dev/);
    expect(runCli(['episode', '--tasks', '0', '--user', 'robot']).stderr).toMatch(/--user: "robot"/);
    expect(runCli(['episode', '--tasks', '0', '--judge', 'openai']).stderr).toMatch(/--judge openai needs --judge-base-url and --judge-model/);
    expect(runCli(['episode', '--tasks', '0', '--user', 'local']).stderr).toMatch(/--user local needs --local-model/);
    expect(runCli(['episode', '--split', 'holdout']).stderr).toMatch(/unknown split "holdout"/);
  }, 60_000);
});
