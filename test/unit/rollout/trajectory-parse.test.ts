// parseTrajectory rejects malformed turns by name, so a hand-edited or foreign file cannot reach the
// judges and the reward shaping (which read these fields) and fail there.
import { describe, expect, it } from 'vitest';
import { parseTrajectory, TRAJECTORY_VERSION } from '../../../src/rollout/trajectory.ts';

const base = {
  version: TRAJECTORY_VERSION,
  id: 'x',
  task: { split: 'dev', index: 0, userId: 'u', instruction: 'do it', actions: [], outputs: [] },
  agent: { kind: 'oracle', name: 'o' },
  user: { kind: 'scripted', name: 's' },
  seed: 0,
  maxTurns: 3,
  end: { reason: 'user_stop' },
};
const withTurns = (turns: unknown[]) => JSON.stringify({ ...base, turns });

describe('parseTrajectory turn checks', () => {
  it('accepts a well-formed conversation', () => {
    const t = parseTrajectory(
      withTurns([
        { role: 'system', text: 'sys' },
        { role: 'user', text: 'hi' },
        { role: 'assistant', agentTurn: 0, text: '', toolCalls: [{ id: 'call_0_0', name: 'think', arguments: {} }] },
        { role: 'tool', callId: 'call_0_0', name: 'think', output: '', error: false },
      ]),
    );
    expect(t.turns).toHaveLength(4);
  });

  it('names the assistant turn without toolCalls or agentTurn', () => {
    expect(() => parseTrajectory(withTurns([{ role: 'assistant', agentTurn: 0, text: 'hi' }]), 'f:1')).toThrow(/f:1: assistant turn 0 needs text, toolCalls/);
    expect(() => parseTrajectory(withTurns([{ role: 'assistant', text: 'hi', toolCalls: [] }]))).toThrow(/integer agentTurn/);
  });

  it('names a tool turn without output and a user turn without text', () => {
    expect(() => parseTrajectory(withTurns([{ role: 'tool', callId: '', name: 'x', error: true }]))).toThrow(/tool turn 0 has no output/);
    expect(() => parseTrajectory(withTurns([{ role: 'system', text: 's' }, { role: 'user' }]))).toThrow(/user turn 1 has no text/);
  });
});
