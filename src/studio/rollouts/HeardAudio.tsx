// Speech episodes in the transcript: a customer turn the policy heard as audio (not as text) is marked
// with what it received — audio tokens, encoder frames, duration, channel — beside the transcript
// (the user simulator's text) and the text espeak-ng spoke (identifiers spelled out).
import type { SpokenTurn, Trajectory } from '../../rollout/trajectory.ts';

/** "12 audio tokens · 47 encoder frames · 1.88 s · telephone" */
export function formatHeard(s: Pick<SpokenTurn, 'audioTokens' | 'encoderFrames' | 'durationS' | 'preset'>): string {
  return `${s.audioTokens} audio tokens · ${s.encoderFrames} encoder frames · ${s.durationS.toFixed(2)} s · ${s.preset}`;
}

/** Above a speech episode's transcript: how many customer turns were heard. */
export function SpeechEpisodeNote({ trajectory }: { trajectory: Pick<Trajectory, 'speech'> }) {
  const spoken = trajectory.speech ?? [];
  if (!spoken.length) return null;
  const tokens = spoken.reduce((n, s) => n + s.audioTokens, 0);
  const seconds = spoken.reduce((n, s) => n + s.durationS, 0);
  return (
    <p className="speech-episode" data-testid="speech-episode" data-heard-turns={spoken.length}>
      Speech episode: the policy heard {spoken.length} customer turn{spoken.length === 1 ? '' : 's'} as audio ({seconds.toFixed(1)} s, {tokens} audio tokens), never their text. Their ▶ hear replays exactly that audio, in the run's channel.
    </p>
  );
}

/** The heard-as-audio mark of one customer turn, with its transcript and spoken text. */
export function HeardTurnInfo({ spoken, text }: { spoken: SpokenTurn; text: string }) {
  return (
    <div
      className="heard-audio"
      data-testid="heard-audio"
      data-turn={spoken.turn}
      data-audio-tokens={spoken.audioTokens}
      data-encoder-frames={spoken.encoderFrames}
      data-duration={spoken.durationS}
      data-preset={spoken.preset}
    >
      <div className="heard-head">
        <span className="heard-badge" title="The policy received this turn as audio: TTS → listener → projector rows spliced between the audio markers">
          heard as audio
        </span>{' '}
        <span className="heard-stats" title={`${spoken.audioTokens} projected audio tokens in the prompt (from ${spoken.encoderFrames} listener frames), ${spoken.durationS.toFixed(2)} s of speech, ${spoken.preset} channel`}>
          {formatHeard(spoken)}
        </span>
      </div>
      <div className="heard-text">
        <span className="heard-label">transcript</span> <span className="text">{text}</span>
      </div>
      <div className="heard-text heard-spoken" title="What espeak-ng was given: identifiers spelled the way a caller reads them">
        <span className="heard-label">spoken</span> <span>{spoken.spokenText}</span>
      </div>
    </div>
  );
}
