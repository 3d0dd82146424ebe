// Lockstep batched generation for a group of policy episodes on the retail sandbox (tiny CPU
// model): one backend call per round serves every live episode, and the group is deterministic.
import { beforeAll, describe, expect, it } from 'vitest';
import type { InferenceBackend } from '../../../src/model/backend.ts';
import type { ModelTokenizer } from '../../../src/model/tokenizer.ts';
import { LockstepBatcher } from '../../../src/rollout/agents/batcher.ts';
import { PolicyAgent } from '../../../src/rollout/agents/policy.ts';
import { loadRetailData, loadTasks, loadToolSchemas } from '../../../src/rollout/node-data.ts';
import { retailEnvironment, sandboxData } from '../../../src/rollout/retail-env.ts';
import { runEpisode } from '../../../src/rollout/runner.ts';
import type { Trajectory } from '../../../src/rollout/trajectory.ts';
import { ScriptedUser } from '../../../src/rollout/users/scripted.ts';
import { tinyPolicy } from './tiny-policy.ts';

let backend: InferenceBackend;
let tokenizer: ModelTokenizer;
beforeAll(async () => {
  ({ backend, tokenizer } = await tinyPolicy());
}, 60_000);

async function group(G: number, seed: number): Promise<{ ts: Trajectory[]; batches: number[]; calls: number }> {
  let calls = 0;
  const counting: InferenceBackend = { ...backend, config: backend.config, device: backend.device, logits: (t) => backend.logits(t), dispose: () => {}, generate: (p, o) => (calls++, backend.generate(p, o)) };
  const batcher = new LockstepBatcher(counting, seed);
  const members = batcher.joinMany(G);
  const task = loadTasks('dev')[0];
  const sandbox = await sandboxData();
  const tools = loadToolSchemas().slice(5, 7); // two tools keep the prompt short
  const ts = await Promise.all(
    members.map(async (m, k) => {
      try {
        return await runEpisode({
          agent: new PolicyAgent(counting, tokenizer, { maxNewTokens: 2, temperature: 1, enableThinking: false }, 'tiny', m.generate),
          user: new ScriptedUser(),
          env: retailEnvironment(sandbox, task),
          context: { task, systemPrompt: 'You are a retail agent.', tools, db: loadRetailData(), seed: seed + k },
          maxTurns: k === 0 ? 1 : 2, // member 0 finishes early: the others go on in smaller batches
        });
      } finally {
        m.leave();
      }
    }),
  );
  return { ts, batches: batcher.batchSizes, calls };
}

describe('LockstepBatcher', () => {
  it('serves a group with one generate call per round, deterministically', async () => {
    const a = await group(3, 9);
    expect(a.batches).toEqual([3, 2]);
    expect(a.calls).toBe(2);
    expect(a.ts.map((t) => t.turns.filter((x) => x.role === 'assistant').length)).toEqual([1, 2, 2]);
    const b = await group(3, 9);
    expect(b.ts.map((t) => t.tokens!.ids)).toEqual(a.ts.map((t) => t.tokens!.ids));
    const c = await group(3, 10);
    expect(c.ts.map((t) => t.tokens!.ids)).not.toEqual(a.ts.map((t) => t.tokens!.ids));
  }, 120_000);

  it('rejects use after leaving and double submission', async () => {
    const batcher = new LockstepBatcher(backend, 0);
    const [m1, m2] = batcher.joinMany(2);
    const first = m1.generate([1, 2], { maxNewTokens: 1, greedy: true });
    await expect(m1.generate([1, 2], { maxNewTokens: 1 })).rejects.toThrow(/already waits/);
    m2.leave();
    expect((await first).tokens).toHaveLength(1);
    m1.leave();
    await expect(m1.generate([1], { maxNewTokens: 1 })).rejects.toThrow(/has left/);
  });
});
