// "▶ hear" on a user turn of the transcript: renders the simulated customer's text as speech in the
// TTS worker (seeded voice: task, user-turn index, rollout seed; clean or telephone channel), plays it
// from a WAV blob and shows what the policy would receive (duration, spoken text, frame and token counts).
// A turn a speech episode heard replays exactly that render instead (heard-replay.ts): the hearing's
// task, turn and rollout ids and the run's preset, checked against the recorded audio hash.
import { useEffect, useRef, useState } from 'react';
import { create } from 'zustand';
import type { SpokenTurn, Trajectory } from '../../rollout/trajectory.ts';
import type { PresetName } from '../../speech/presets.ts';
import { createTtsWorker, type TtsWorkerClient } from '../../speech/tts-client.ts';
import { formatTurnSpeechStats, isSpokenUserTurn, turnSpeechStats, turnSpeechStatsTitle, userTurnSpeechId, type TurnSpeechStats } from '../../speech/turn-speech.ts';
import { encodeWavPcm16 } from '../../speech/wav.ts';
import { heardRequest } from './heard-replay.ts';

/** One channel preset for the whole transcript. */
export const useSpeechPreset = create<{ preset: PresetName; setPreset(p: PresetName): void }>((set) => ({
  preset: 'clean',
  setPreset: (preset) => set({ preset }),
}));

// Created on the first click and shared by every turn (espeak-ng's wasm is compiled once per worker).
let worker: TtsWorkerClient | undefined;
const ttsWorker = () => (worker ??= createTtsWorker());

/** One voice at a time: starting a turn's audio pauses the others'. */
function pauseOthers(playing: HTMLAudioElement) {
  document.querySelectorAll<HTMLAudioElement>('.hear audio').forEach((a) => a !== playing && a.pause());
}

export function SpeechPresetSelect() {
  const { preset, setPreset } = useSpeechPreset();
  return (
    <label className="speech-preset" title="Channel for the user turns' speech: clean, or telephone (300–3400 Hz band-pass and noise at 15 dB SNR)">
      speech channel{' '}
      <select aria-label="Speech preset" value={preset} onChange={(e) => setPreset(e.target.value as PresetName)}>
        <option value="clean">clean</option>
        <option value="telephone">telephone</option>
      </select>
    </label>
  );
}

interface Heard {
  url: string;
  stats: TurnSpeechStats;
  preset: PresetName;
  spokenText: string;
  key: string;
  cached: boolean;
  ms: number;
  /** A heard turn's replay: its recorded rollout id, and whether the render is the recorded one. */
  replay?: { rollout: number; exact: boolean };
}

export function HearTurn({ trajectory, userTurn, text, heard: spoken }: { trajectory: Pick<Trajectory, 'task' | 'seed'>; userTurn: number; text: string; heard?: SpokenTurn }) {
  const chosen = useSpeechPreset((s) => s.preset);
  const preset = spoken ? (spoken.preset as PresetName) : chosen; // a heard turn replays the run's channel
  const [heard, setHeard] = useState<Heard>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const audio = useRef<HTMLAudioElement>(null);
  const alive = useRef(true);

  // The blob URL of the audio on screen is revoked when it is replaced or the turn goes away.
  useEffect(() => () => void (heard && URL.revokeObjectURL(heard.url)), [heard]);
  useEffect(() => {
    alive.current = true;
    return () => void (alive.current = false);
  }, []);
  useEffect(() => {
    if (heard) audio.current?.play().catch(() => undefined); // autoplay may be refused; the controls stay
  }, [heard]);

  const hear = async () => {
    setBusy(true);
    setError(undefined);
    const started = performance.now();
    try {
      const request = spoken ? heardRequest(spoken, text) : { text, ...userTurnSpeechId(trajectory, userTurn), preset };
      const r = await ttsWorker().api.render(request);
      const wav = encodeWavPcm16(r.pcm, r.sampleRate);
      const url = URL.createObjectURL(new Blob([wav.buffer as ArrayBuffer], { type: 'audio/wav' }));
      if (!alive.current) return URL.revokeObjectURL(url);
      const replay = spoken ? { rollout: spoken.rollout!, exact: r.key === spoken.audioKey } : undefined;
      setHeard({ url, stats: turnSpeechStats(r.pcm.length), preset: r.preset, spokenText: r.spokenText, key: r.key, cached: r.cached, ms: performance.now() - started, ...(replay ? { replay } : {}) });
    } catch (e) {
      if (alive.current) setError(e instanceof Error ? e.message : String(e));
    } finally {
      if (alive.current) setBusy(false);
    }
  };

  if (!isSpokenUserTurn(text)) return null; // the stop marker ends the episode: nothing to hear
  return (
    <div className="hear" data-user-turn={userTurn}>
      <button type="button" className="hear-button" onClick={() => void hear()} disabled={busy} title={spoken ? `Replay the audio the policy heard (${preset}, the hearing's voice for this turn and rollout)` : `Speak this turn (${preset}) in the speech worker`}>
        {busy ? '… rendering' : '▶ hear'}
      </button>
      {heard && (
        <>
          <audio ref={audio} controls src={heard.url} preload="auto" onPlay={(e) => pauseOthers(e.currentTarget)} />
          {heard.replay ? <ReplayCheck {...heard.replay} audioKey={heard.key} time={heard.cached ? 'cached' : `rendered in ${(heard.ms / 1000).toFixed(1)} s`} /> : <>
          <span
            className="speech-stats"
            data-testid="speech-stats"
            data-preset={heard.preset}
            data-key={heard.key}
            data-duration={heard.stats.durationS}
            data-mel-frames={heard.stats.melFrames}
            data-listener-frames={heard.stats.listenerFrames}
            data-audio-tokens={heard.stats.audioTokens}
            title={turnSpeechStatsTitle(heard.stats)}
          >
            {heard.preset} · {formatTurnSpeechStats(heard.stats)}
            <span className="speech-time"> · {heard.cached ? 'cached' : `rendered in ${(heard.ms / 1000).toFixed(1)} s`}</span>
          </span>
          {heard.spokenText !== text && (
            <div className="speech-spoken" title="What espeak-ng was given: identifiers spelled the way a caller reads them (speakableText)">
              spoken: “{heard.spokenText}”
            </div>
          )}
          </>}
        </>
      )}
      {error && <div className="error-text speech-error">speech failed: {error}</div>}
    </div>
  );
}

/** Whether a heard turn's replay is the render the policy heard (the recorded audio hash matched). */
export function ReplayCheck({ rollout, exact, audioKey, time }: { rollout: number; exact: boolean; audioKey: string; time: string }) {
  return (
    <span
      className={`heard-replay ${exact ? 'ok-text' : 'error-text'}`}
      data-testid="heard-replay"
      data-rollout={rollout}
      data-exact={exact}
      data-key={audioKey}
      title={`Rendered with the hearing's ids: this task, this turn's index in the transcript, rollout ${rollout} of its group, the run's channel. Audio hash ${audioKey.slice(0, 16)}…`}
    >
      {exact ? `✓ the audio the policy heard (rollout ${rollout} of its group)` : `✗ this render's hash differs from the recorded one (rollout ${rollout})`}
      <span className="speech-time"> · {time}</span>
    </span>
  );
}
