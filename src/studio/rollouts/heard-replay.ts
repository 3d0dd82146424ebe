// The exact speech request a heard customer turn was rendered from, so that "▶ hear" plays the audio
// the policy heard: the trajectory records the hearing's voice seeds (task id, the turn's index in
// `turns`, rollout id) and the render's content hash, against which the replay is checked.
import type { SpokenTurn, Trajectory } from '../../rollout/trajectory.ts';
import type { PresetName } from '../../speech/presets.ts';
import type { SpeechRequest } from '../../speech/tts.ts';

export function heardRequest(spoken: SpokenTurn, text: string): SpeechRequest {
  if (spoken.taskId === undefined || spoken.rollout === undefined) {
    throw new Error('this trajectory does not record the voice seeds of its heard turns (made before SpokenTurn.rollout), so the exact render cannot be replayed');
  }
  return { text, taskId: spoken.taskId, turn: spoken.turn, rollout: spoken.rollout, preset: spoken.preset as PresetName };
}

/** The spoken turns of a trajectory by their index in `turns`. */
export function spokenByTurn(t: Pick<Trajectory, 'speech'>): Map<number, SpokenTurn> {
  return new Map((t.speech ?? []).map((s) => [s.turn, s]));
}
