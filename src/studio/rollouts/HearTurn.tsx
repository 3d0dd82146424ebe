// "▶ hear" on a user turn of the transcript: renders the simulated customer's text as speech in the
// TTS worker (seeded voice: task, user-turn index, rollout seed; clean or telephone channel), plays it
// from a WAV blob and shows what the policy would receive (duration, spoken text, frame and token counts).
import { useEffect, useRef, useState } from 'react';
import { create } from 'zustand';
import type { Trajectory } from '../../rollout/trajectory.ts';
import type { PresetName } from '../../speech/presets.ts';
import { createTtsWorker, type TtsWorkerClient } from '../../speech/tts-client.ts';
import { formatTurnSpeechStats, isSpokenUserTurn, turnSpeechStats, turnSpeechStatsTitle, userTurnSpeechId, type TurnSpeechStats } from '../../speech/turn-speech.ts';
import { encodeWavPcm16 } from '../../speech/wav.ts';

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
}

export function HearTurn({ trajectory, userTurn, text }: { trajectory: Pick<Trajectory, 'task' | 'seed'>; userTurn: number; text: string }) {
  const preset = useSpeechPreset((s) => s.preset);
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
      const r = await ttsWorker().api.render({ text, ...userTurnSpeechId(trajectory, userTurn), preset });
      const wav = encodeWavPcm16(r.pcm, r.sampleRate);
      const url = URL.createObjectURL(new Blob([wav.buffer as ArrayBuffer], { type: 'audio/wav' }));
      if (!alive.current) return URL.revokeObjectURL(url);
      setHeard({ url, stats: turnSpeechStats(r.pcm.length), preset: r.preset, spokenText: r.spokenText, key: r.key, cached: r.cached, ms: performance.now() - started });
    } catch (e) {
      if (alive.current) setError(e instanceof Error ? e.message : String(e));
    } finally {
      if (alive.current) setBusy(false);
    }
  };

  if (!isSpokenUserTurn(text)) return null; // the stop marker ends the episode: nothing to hear
  return (
    <div className="hear" data-user-turn={userTurn}>
      <button type="button" className="hear-button" onClick={() => void hear()} disabled={busy} title={`Speak this turn (${preset}) in the speech worker`}>
        {busy ? '… rendering' : '▶ hear'}
      </button>
      {heard && (
        <>
          <audio ref={audio} controls src={heard.url} preload="auto" onPlay={(e) => pauseOthers(e.currentTarget)} />
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
        </>
      )}
      {error && <div className="error-text speech-error">speech failed: {error}</div>}
    </div>
  );
}
