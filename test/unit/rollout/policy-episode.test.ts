// A policy episode end to end on the CPU backend: tiny random model, real Qwen3 tokenizer, real
// retail sandbox, the wiki prompt and all 16 tools. Checks the trajectory's token record (spans,
// trainable mask, log-probs) against the turns, error observations for unusable output, JSON
// round-trip, and per-token rewards.
import { beforeAll, describe, expect, it } from 'vitest';
import type { InferenceBackend } from '../../../src/model/backend.ts';
import type { ModelTokenizer } from '../../../src/model/tokenizer.ts';
import { referenceJudgement } from '../../../src/judge/reference.ts';
import { rewardConfig } from '../../../src/reward/config.ts';
import { scoreTrajectories } from '../../../src/reward/trajectories.ts';
import { PolicyAgent } from '../../../src/rollout/agents/policy.ts';
import { loadRetailData, loadTasks, loadToolSchemas, loadWiki } from '../../../src/rollout/node-data.ts';
import { retailEnvironment, sandboxData } from '../../../src/rollout/retail-env.ts';
import { runEpisode } from '../../../src/rollout/runner.ts';
import { agentTurns, parseTrajectory, serializeTrajectory } from '../../../src/rollout/trajectory.ts';
import { ScriptedUser } from '../../../src/rollout/users/scripted.ts';
import { tinyPolicy } from './tiny-policy.ts';

let backend: InferenceBackend;
let tokenizer: ModelTokenizer;
beforeAll(async () => {
  ({ backend, tokenizer } = await tinyPolicy(16384));
}, 60_000);

describe('policy episode on the retail sandbox', () => {
  it('records a consistent token trajectory and ends at the turn limit', async () => {
    const task = loadTasks('dev')[0];
    const t = await runEpisode({
      agent: new PolicyAgent(backend, tokenizer, { maxNewTokens: 4, temperature: 0, enableThinking: false }, 'tiny'),
      user: new ScriptedUser(),
      env: retailEnvironment(await sandboxData(), task),
      context: { task, systemPrompt: loadWiki(), tools: loadToolSchemas(), db: loadRetailData(), seed: 5 },
      maxTurns: 2,
    });
    const turns = agentTurns(t);
    expect(turns).toHaveLength(2);
    expect(t.end.reason).toBe('max_turns');
    expect(t.verifier).toMatchObject({ reward: 0, info: { failedBy: 'max_turns' } });
    const tok = t.tokens!;
    expect(tokenizer.decode(tok.ids.slice(0, 50))).toMatch(/^<\|im_start\|>system\n# Retail agent policy/);
    // Trainable tokens are exactly the completions, in order, with their turn index and log-probs.
    let trainable = 0;
    for (const a of turns) {
      const [s, e] = a.tokenSpan!;
      expect(e - s).toBeGreaterThan(0);
      expect(e - s).toBeLessThanOrEqual(4);
      for (let i = s; i < e; i++) {
        expect(tok.trainable[i]).toBe(1);
        expect(tok.turn[i]).toBe(a.agentTurn);
        expect(tok.logprobs[i]).toBeLessThanOrEqual(0);
      }
      trainable += e - s;
      expect(tokenizer.decode(tok.ids.slice(s, e))).toBe(a.raw ?? a.text);
    }
    expect(tok.trainable.reduce((x, y) => x + y, 0)).toBe(trainable);
    expect(tok.turn.filter((x) => x < 0).length).toBe(tok.ids.length - trainable);
    // Each turn's reply reached the customer (text) or came back as an observation (tool calls / errors).
    for (const a of turns) {
      const next = t.turns[t.turns.indexOf(a) + 1];
      if (!next) continue;
      if (a.toolCalls.length || a.parseError) expect(next.role).toBe('tool');
      else expect(next.role).toBe('user');
    }
    const back = parseTrajectory(serializeTrajectory(t));
    expect(back).toEqual(t);
    back.judge = referenceJudgement(back);
    const [s] = scoreTrajectories([back], rewardConfig({ mode: 'turn' }));
    expect(s.tokens!.rewards.length).toBe(tok.ids.length);
    expect([...s.tokens!.advantages].every((a) => a === 0)).toBe(true); // a group of one
  }, 120_000);
});
