// The episode loop on the real retail sandbox with a test agent that replays fixed steps: unusable
// tool calls, unknown tools and bad arguments come back as error observations and the episode goes
// on; transfer_to_human_agents ends it; agent crashes end it with reward 0.
import { describe, expect, it } from 'vitest';
import { loadRetailData, loadTasks, loadToolSchemas, loadWiki } from '../../../src/rollout/node-data.ts';
import { retailEnvironment, sandboxData } from '../../../src/rollout/retail-env.ts';
import { runEpisode } from '../../../src/rollout/runner.ts';
import type { Agent, AgentStep } from '../../../src/rollout/types.ts';
import { ScriptedUser } from '../../../src/rollout/users/scripted.ts';

class ReplayAgent implements Agent {
  readonly kind = 'oracle' as const;
  readonly name = 'replay';
  private k = 0;
  constructor(private readonly steps: (AgentStep | Error)[]) {}
  async act(): Promise<AgentStep> {
    const s = this.steps[this.k++] ?? { text: 'Anything else?', toolCalls: [] };
    if (s instanceof Error) throw s;
    return s;
  }
}

const task = loadTasks('dev')[0];
const context = { task, systemPrompt: loadWiki(), tools: loadToolSchemas(), db: loadRetailData(), seed: 0 };
const call = (name: string, args: unknown): AgentStep => ({ text: '', toolCalls: [{ name, arguments: args }] });

describe('runEpisode', () => {
  it('answers bad calls with error observations, goes on, and ends on a transfer', async () => {
    const t = await runEpisode({
      agent: new ReplayAgent([
        call('fly_to_moon', {}),
        call('get_order_details', { order: '#W5442520' }),
        call('get_order_details', ['#W5442520']),
        { text: '', toolCalls: [], parseError: 'tool call 1: invalid JSON (Unexpected token)' },
        call('get_order_details', { order_id: '#W5442520' }),
        call('transfer_to_human_agents', { summary: 'customer wants a refund' }),
        { text: 'never reached', toolCalls: [] },
      ]),
      user: new ScriptedUser(),
      env: retailEnvironment(await sandboxData(), task),
      context,
    });
    const tools = t.turns.filter((x) => x.role === 'tool');
    expect(tools.map((x) => x.error)).toEqual([true, true, true, true, false, false]);
    expect(tools[0].output).toBe('Unknown action fly_to_moon');
    expect(tools[1].output).toMatch(/^Error: .*unexpected keyword argument 'order'/);
    expect(tools[2].output).toMatch(/^Error: the arguments of get_order_details must be a JSON object/);
    expect(tools[3].output).toMatch(/^Error: could not parse the tool call: tool call 1: invalid JSON/);
    expect(tools[4].output).toContain('"order_id": "#W5442520"');
    expect(t.end.reason).toBe('transfer');
    expect(t.turns.filter((x) => x.role === 'assistant')).toHaveLength(6);
    expect(t.verifier!.reward).toBe(0); // nothing was cancelled
  });

  it('ends an episode whose agent throws, with reward 0 and the reason', async () => {
    const t = await runEpisode({
      agent: new ReplayAgent([{ text: 'Your name and zip code, please?', toolCalls: [] }, new Error('device lost')]),
      user: new ScriptedUser(),
      env: retailEnvironment(await sandboxData(), task),
      context,
    });
    expect(t.end).toEqual({ reason: 'agent_error', detail: 'device lost' });
    expect(t.verifier).toMatchObject({ reward: 0, info: { failedBy: 'agent_error' } });
  });

  it('stops at maxTurns with reward 0 even if the database is right', async () => {
    const a = task.actions[0];
    const t = await runEpisode({
      agent: new ReplayAgent([call(a.name, a.kwargs), { text: 'Done.', toolCalls: [] }]),
      user: new ScriptedUser(),
      env: retailEnvironment(await sandboxData(), task),
      context,
      maxTurns: 1,
    });
    expect(t.end.reason).toBe('max_turns');
    expect(t.verifier).toMatchObject({ reward: 0, info: { dbMatch: true, failedBy: 'max_turns', stateReward: 1 } });
    await expect(runEpisode({ agent: new ReplayAgent([]), user: new ScriptedUser(), env: retailEnvironment(await sandboxData(), task), context, maxTurns: 0 })).rejects.toThrow(/maxTurns/);
  });
});
