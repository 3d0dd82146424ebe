// What the policy would receive for one spoken user turn, for the studio's "hear" control: the speech
// request a trajectory's user turn maps to (voice seeded by task, user-turn index and the rollout's
// seed) and the frame counts on the way from 16 kHz samples to audio tokens, through the project's
// listener (LISTENER_SMALL, 100 → 25 frames/s) and, for comparison, a Whisper-style encoder (50 /s).
import type { Trajectory } from '../rollout/trajectory.ts';
import { STOP_TOKEN } from '../rollout/types.ts';
import { audioFrameMath, audioTokenCount, DEFAULT_STACK } from './frames.ts';
import { LISTENER_SMALL, listenerFrames, type ListenerConfig } from './listener/config.ts';
import type { SpeechTurnId } from './voice.ts';

/** Listener frames stacked per audio token: 25 /s ÷ 2 = 12.5 tokens/s, the rate Whisper's 50 /s ÷ 4 gives. */
export const LISTENER_STACK = 2;

export interface TurnSpeechStats {
  samples: number;
  durationS: number;
  melFrames: number; // Whisper log-mel, hop 160 at 16 kHz (100 /s)
  listenerFrames: number; // the project's encoder output (what the projector reads)
  audioTokens: number; // ⌈listenerFrames / stack⌉ projected tokens between <|audio_bos|> and <|audio_eos|>
  stack: number;
  whisper: { encoderFrames: number; audioTokens: number; stack: number }; // Whisper-style path, same audio
}

export function turnSpeechStats(samples: number, listener: ListenerConfig = LISTENER_SMALL, stack = LISTENER_STACK): TurnSpeechStats {
  const whisper = audioFrameMath(samples, { stack: DEFAULT_STACK });
  const frames = listenerFrames(listener, whisper.melFrames);
  return {
    samples,
    durationS: whisper.durationS,
    melFrames: whisper.melFrames,
    listenerFrames: frames,
    audioTokens: audioTokenCount(frames, stack),
    stack,
    whisper: { encoderFrames: whisper.encoderFrames, audioTokens: whisper.audioTokens, stack: DEFAULT_STACK },
  };
}

/** "3.10 s · 310 mel frames · 78 listener frames · 39 audio tokens (stack 2)" */
export function formatTurnSpeechStats(s: TurnSpeechStats): string {
  return `${s.durationS.toFixed(2)} s · ${s.melFrames} mel frames · ${s.listenerFrames} listener frames · ${s.audioTokens} audio tokens (stack ${s.stack})`;
}

/** The title that says what each number is. */
export function turnSpeechStatsTitle(s: TurnSpeechStats): string {
  return [
    `${s.durationS.toFixed(2)} s: ${s.samples} samples at 16 kHz`,
    `${s.melFrames} mel frames: Whisper log-mel, 80 bins, hop 160 (100 frames/s)`,
    `${s.listenerFrames} listener frames: the project's encoder (LISTENER_SMALL, first conv stride 4 → 25 frames/s)`,
    `${s.audioTokens} audio tokens: ${s.stack} listener frames stacked per token, projected and spliced between <|audio_bos|> and <|audio_eos|> (${s.audioTokens + 2} prompt positions)`,
    `Whisper-style encoder for comparison: ${s.whisper.encoderFrames} encoder frames (50/s) → ${s.whisper.audioTokens} audio tokens (stack ${s.whisper.stack})`,
  ].join('\n');
}

/** A user message with τ-bench's end-of-conversation marker ends the episode, so the policy never hears it: it gets no speech. */
export const isSpokenUserTurn = (text: string) => !text.includes(STOP_TOKEN) && text.trim() !== '';

/** The seed ids of a trajectory's user turn: task "split#index", the user-turn index (0-based), the rollout's seed. */
export function userTurnSpeechId(t: Pick<Trajectory, 'task' | 'seed'>, userTurn: number): SpeechTurnId {
  return { taskId: `${t.task.split}#${t.task.index}`, turn: userTurn, rollout: t.seed };
}
