// End to end on the real retail backend: the oracle agent, the scripted customer and the reference
// judge over all 20 dev tasks. Reports the pass rate and the judge's +1 turns; every consistent
// task must pass, every ground-truth write must be matched by a +1 turn, and no turn may get −1.
import { describe, expect, it } from 'vitest';
import { referenceJudgement } from '../../../src/judge/reference.ts';
import { rewardConfig } from '../../../src/reward/config.ts';
import { scoreTrajectories } from '../../../src/reward/trajectories.ts';
import { isWriteTool } from '../../../src/rollout/actions.ts';
import { OracleAgent } from '../../../src/rollout/agents/oracle.ts';
import { loadRetailData, loadTasks, loadToolSchemas, loadWiki } from '../../../src/rollout/node-data.ts';
import { retailEnvironment, sandboxData } from '../../../src/rollout/retail-env.ts';
import { runEpisode } from '../../../src/rollout/runner.ts';
import { agentTurns, parseTrajectory, serializeTrajectory, type Trajectory } from '../../../src/rollout/trajectory.ts';
import { ScriptedUser } from '../../../src/rollout/users/scripted.ts';

const db = loadRetailData();
const dev = loadTasks('dev');
const systemPrompt = loadWiki();
const tools = loadToolSchemas();
const sandbox = await sandboxData();
const createRetailEnv = (task: (typeof dev)[number]) => retailEnvironment(sandbox, task);

async function episode(i: number, seed = 0): Promise<Trajectory> {
  const task = dev[i];
  const t = await runEpisode({
    agent: new OracleAgent(),
    user: new ScriptedUser(),
    env: createRetailEnv(task),
    context: { task, systemPrompt, tools, db, seed },
  });
  t.judge = referenceJudgement(t);
  return t;
}

describe('oracle + scripted user + reference judge on the dev split', () => {
  it('solves every dev task with +1 on every ground-truth write and no -1', async () => {
    const trajectories: Trajectory[] = [];
    for (let i = 0; i < dev.length; i++) trajectories.push(await episode(i));
    const passed = trajectories.filter((t) => t.verifier?.reward === 1).length;
    const plusOne = trajectories.reduce((a, t) => a + t.judge!.turns.filter((j) => j.score === 1).length, 0);
    const turns = trajectories.reduce((a, t) => a + agentTurns(t).length, 0);
    console.log(`dev oracle: pass rate ${passed}/${dev.length}; judge +1 turns ${plusOne}/${turns} agent turns`);
    for (const t of trajectories) {
      const why = `task ${t.task.index}: ${t.end.reason}, reward ${t.verifier?.reward}`;
      expect(t.end.reason, why).toBe('user_stop');
      expect(t.verifier?.reward, why).toBe(1);
      const writes = t.task.actions.filter((a) => isWriteTool(a.name)).length;
      // +1 for the authentication, each consent request and each ground-truth write, nothing else
      expect(t.judge!.turns.filter((j) => j.score === 1).length, why).toBe(2 * writes + 1);
      expect(t.judge!.turns.some((j) => j.score === -1), why).toBe(false);
    }
    expect(passed).toBe(dev.length);
    // Trajectories survive serialisation, and rewards follow: 10 + (writes + 1)/T each.
    const scored = scoreTrajectories(trajectories.map((t) => parseTrajectory(serializeTrajectory(t))), rewardConfig());
    scored.forEach((s) => {
      const T = agentTurns(s.trajectory).length;
      expect(s.rewards.reward).toBeCloseTo(10 + s.trajectory.judge!.turns.filter((j) => j.score === 1).length / T, 9);
    });
  });

  it('is deterministic for a seed', async () => {
    const a = await episode(12, 3);
    const b = await episode(12, 3);
    expect(a.turns).toEqual(b.turns);
  });

  it('a wrong write is caught: the verifier fails and the judge gives exactly one -1', async () => {
    const task = { ...dev[0], actions: [{ name: 'cancel_pending_order', kwargs: { order_id: '#W5442520', reason: 'ordered by mistake' } }] };
    // The oracle follows a corrupted ground truth; the scripted user approves it (it is "the truth"
    // for the user too), but the verifier and the judge compare with the real task.
    const t = await runEpisode({ agent: new OracleAgent(), user: new ScriptedUser(), env: createRetailEnv(dev[0]), context: { task, systemPrompt, tools, db, seed: 0 } });
    t.task = dev[0];
    const j = referenceJudgement(t);
    expect(t.verifier?.reward).toBe(0);
    expect(j.turns.filter((x) => x.score === -1).length).toBe(1);
    expect(j.turns.find((x) => x.score === -1)!.rationale).toMatch(/cancel_pending_order changed the database/);
  });
});
