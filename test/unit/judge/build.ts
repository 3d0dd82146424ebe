// Builds small trajectories by hand for judge tests: a list of steps, each an agent message or an
// agent tool call with the observation it got, separated by customer messages where needed.
import { TRAJECTORY_VERSION, type ToolAction, type Trajectory, type Turn } from '../../../src/rollout/trajectory.ts';

export type Step =
  | { say: string }
  | { customer: string }
  | { call: string; args: Record<string, unknown> | unknown; output: string; error?: boolean };

export function buildTrajectory(actions: ToolAction[], steps: Step[], userId = 'olivia_ito_3591'): Trajectory {
  const turns: Turn[] = [{ role: 'system', text: 'wiki' }, { role: 'user', text: 'Hi, I need help.' }];
  let agentTurn = 0;
  for (const s of steps) {
    if ('customer' in s) turns.push({ role: 'user', text: s.customer });
    else if ('say' in s) turns.push({ role: 'assistant', agentTurn: agentTurn++, text: s.say, toolCalls: [] });
    else {
      const id = `call_${agentTurn}_0`;
      turns.push({ role: 'assistant', agentTurn: agentTurn++, text: '', toolCalls: [{ id, name: s.call, arguments: s.args }] });
      turns.push({ role: 'tool', callId: id, name: s.call, output: s.output, error: s.error ?? s.output.startsWith('Error') });
    }
  }
  return {
    version: TRAJECTORY_VERSION,
    id: 'test',
    task: { split: 'dev', index: 0, userId, instruction: 'Cancel order #W5442520, no longer needed.', actions, outputs: [] },
    agent: { kind: 'oracle', name: 'hand' },
    user: { kind: 'scripted', name: 'hand' },
    seed: 0,
    maxTurns: 30,
    turns,
    end: { reason: 'user_stop' },
  };
}

export const CANCEL: ToolAction = { name: 'cancel_pending_order', kwargs: { order_id: '#W5442520', reason: 'no longer needed' } };
