// A retail speech episode as RetailSuite + PolicyAgent record it, for the studio's speech tests (unit
// and e2e): the real hearing (espeak-ng in Node, seeded voices, presets, content hashes) with a stand-in
// listener (25 frames/s; the frame values do not matter to the inspector), asked exactly what
// RetailSuite asks — task "split#index", the turn's index in `turns`, rollout k within the group.
import { TRAJECTORY_VERSION, type SpokenTurn, type Trajectory } from '../../../src/rollout/trajectory.ts';
import { STOP_TOKEN } from '../../../src/rollout/types.ts';
import { spokenTurnRecord, UserTurnHearing, type FrameEncoder } from '../../../src/speech/hearing.ts';
import type { SpeechSynthesizer } from '../../../src/speech/tts.ts';

export const CUSTOMER = [
  "Hi, I'd like to cancel order #W2378156, please.",
  'My email is yusuf.rossi7301@example.com and the reason is that I no longer need it.',
] as const;

const fakeListener: FrameEncoder = {
  id: 'fake-listener', dim: 2, framesPerSecond: 25,
  encode: async (pcm) => {
    const T = Math.floor(pcm.length / 640);
    return { frames: new Float32Array(T * 2).fill(0.25), T };
  },
};

/** Rollout `k` (seed 100 + k, id dev-0-s<seed>) heard the customer turns at `turns` 1 and 3; the
 * closing stop message was never heard. */
export async function speechEpisode(synthesizer: SpeechSynthesizer, k: number, preset: 'clean' | 'telephone'): Promise<Trajectory> {
  const hearing = new UserTurnHearing(synthesizer, fakeListener, { preset });
  const turns: Trajectory['turns'] = [
    { role: 'system', text: 'You are a retail agent.' },
    { role: 'user', text: CUSTOMER[0] },
    { role: 'assistant', agentTurn: 0, text: 'Sure. Can you confirm your email?', toolCalls: [] },
    { role: 'user', text: CUSTOMER[1] },
    { role: 'assistant', agentTurn: 1, text: 'Done: the order is cancelled.', toolCalls: [] },
    { role: 'user', text: STOP_TOKEN },
  ];
  const task = { split: 'dev', index: 0, userId: 'yusuf_rossi_9620', instruction: 'cancel', actions: [], outputs: [] };
  const speech: SpokenTurn[] = [];
  let bos = 40;
  for (const i of [1, 3]) {
    const h = await hearing.hear({ text: (turns[i] as { text: string }).text, taskId: `${task.split}#${task.index}`, turn: i, rollout: k });
    // PolicyAgent's record of the slot (src/rollout/agents/policy.ts)
    speech.push(spokenTurnRecord(h, i, bos, h.audioTokens));
    bos += h.audioTokens + 30;
  }
  return {
    version: TRAJECTORY_VERSION, id: `dev-0-s${100 + k}`, task, agent: { kind: 'policy', name: 'policy' }, user: { kind: 'scripted', name: 'scripted' },
    seed: 100 + k, maxTurns: 4, turns, end: { reason: 'user_stop' }, speech,
  };
}
