// Trajectories made by the real episode code (src/rollout: runner, oracle agent, scripted user,
// τ-bench Retail sandbox and verifier, reference judge, TARL rewards) for the studio's e2e tests.
// To give the tuner something to rank, each GRPO group (4 rollouts of one task) mixes the plain
// oracle (seeds 1, 2) with two test-only wrappers around it: seed 3 runs the confirmed write with
// altered arguments (the agent says one thing and does another), seed 4 hands over to a human
// instead of writing. Everything else — the dialogue, tool outputs, verdicts, scores, rewards — is
// what the real modules produce.
import { createJudge } from '../../../src/judge/factory.ts';
import { TRANSFER_TOOL, isWriteTool } from '../../../src/rollout/actions.ts';
import { OracleAgent } from '../../../src/rollout/agents/oracle.ts';
import { runEpisodeBatch } from '../../../src/rollout/batch.ts';
import { loadRetailData, loadTasks, loadToolSchemas, loadWiki } from '../../../src/rollout/node-data.ts';
import { retailEnvironment, sandboxData } from '../../../src/rollout/retail-env.ts';
import type { Trajectory, Turn } from '../../../src/rollout/trajectory.ts';
import type { Agent, AgentStep, EpisodeContext } from '../../../src/rollout/types.ts';
import { ScriptedUser } from '../../../src/rollout/users/scripted.ts';

export const VARIANT_OF_SEED: Record<number, 'oracle' | 'wrong-args' | 'transfer'> = { 1: 'oracle', 2: 'oracle', 3: 'wrong-args', 4: 'transfer' };

/** Changes a write's arguments so the call is valid but not what the ground truth (and the customer) asked. */
function altered(name: string, args: Record<string, unknown>): Record<string, unknown> {
  if (name === 'cancel_pending_order') return { ...args, reason: args.reason === 'no longer needed' ? 'ordered by mistake' : 'no longer needed' };
  const items = Array.isArray(args.item_ids) ? (args.item_ids as unknown[]) : [];
  if (items.length > 1) return { ...args, item_ids: items.slice(0, 1), ...(Array.isArray(args.new_item_ids) ? { new_item_ids: (args.new_item_ids as unknown[]).slice(0, 1) } : {}) };
  return { ...args, payment_method_id: 'gift_card_0000000' };
}

class FlawedOracle implements Agent {
  readonly kind = 'oracle' as const;
  readonly name: string;
  private readonly inner = new OracleAgent();
  private flawed = false;
  constructor(private readonly mode: 'wrong-args' | 'transfer') {
    this.name = `${this.inner.name}+${mode} (test wrapper)`;
  }
  async act(ctx: EpisodeContext, turns: readonly Turn[]): Promise<AgentStep> {
    const step = await this.inner.act(ctx, turns);
    const call = step.toolCalls[0];
    if (this.flawed || !call || !isWriteTool(call.name)) return step;
    this.flawed = true;
    if (this.mode === 'transfer') return { text: '', toolCalls: [{ name: TRANSFER_TOOL, arguments: { summary: 'The customer wants a change I would rather not make myself.' } }] };
    return { ...step, toolCalls: [{ name: call.name, arguments: altered(call.name, call.arguments as Record<string, unknown>) }] };
  }
}

/** Dev tasks 0 (cancel) and 3 (return) × 4 rollouts, judged by the reference judge, TARL rewards attached. */
export async function realEpisodes(taskIndexes: number[] = [0, 3]): Promise<Trajectory[]> {
  const tasks = loadTasks('dev').filter((t) => taskIndexes.includes(t.index));
  const sandbox = await sandboxData();
  return runEpisodeBatch({
    tasks,
    trials: 4,
    seed: 1,
    systemPrompt: loadWiki(),
    tools: loadToolSchemas(),
    db: loadRetailData(),
    makeAgent: (_task, seed) => (VARIANT_OF_SEED[seed] === 'oracle' ? new OracleAgent() : new FlawedOracle(VARIANT_OF_SEED[seed] as 'wrong-args' | 'transfer')),
    makeUser: () => new ScriptedUser(),
    makeEnv: (task) => retailEnvironment(sandbox, task),
    judge: createJudge({ kind: 'reference' }),
  });
}
