// Channel presets applied to clean 16 kHz speech: "clean" (unchanged) and "telephone"
// (300–3400 Hz Butterworth band-pass plus seeded, band-limited Gaussian noise at a set SNR, as in τ-voice).
import { rng } from '../reference/compare.ts';
import { bandPass, TELEPHONE_BAND, type BandPassSpec } from './filters.ts';

export type PresetName = 'clean' | 'telephone';

export interface ChannelPreset {
  name: PresetName;
  band?: BandPassSpec;
  snrDb?: number; // noise level relative to the (band-passed) speech power; undefined = no noise
}

export const PRESETS: Record<PresetName, ChannelPreset> = {
  clean: { name: 'clean' },
  telephone: { name: 'telephone', band: TELEPHONE_BAND, snrDb: 15 },
};

export function presetByName(name: string): ChannelPreset {
  const preset = PRESETS[name as PresetName];
  if (!preset) throw new Error(`speech: unknown preset "${name}" (known: ${Object.keys(PRESETS).join(', ')})`);
  return preset;
}

/** Standard normal samples (Box–Muller over mulberry32), reproducible per seed. */
export function gaussianNoise(n: number, seed: number): Float64Array {
  const random = rng(seed);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i += 2) {
    const u1 = 1 - random(); // (0, 1]: log is finite
    const u2 = random();
    const r = Math.sqrt(-2 * Math.log(u1));
    out[i] = r * Math.cos(2 * Math.PI * u2);
    if (i + 1 < n) out[i + 1] = r * Math.sin(2 * Math.PI * u2);
  }
  return out;
}

export function meanPower(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]! * x[i]!;
  return x.length ? s / x.length : 0;
}

export interface ChannelOutput {
  audio: Float32Array;
  /** The speech component alone (after band-pass and the same final gain), for SNR checks. */
  speech: Float64Array;
}

/**
 * Applies `preset` to 16 kHz speech. Noise is band-passed like the speech (it travels the same line)
 * and scaled after filtering so the SNR is exact; if the sum would clip, speech and noise share one gain.
 */
export function applyChannel(clean: Float32Array, preset: ChannelPreset, sampleRate: number, noiseSeed: number): ChannelOutput {
  let speech: Float64Array = preset.band ? bandPass(clean, preset.band, sampleRate) : Float64Array.from(clean);
  let noise: Float64Array | undefined;
  if (preset.snrDb !== undefined) {
    if (!Number.isFinite(preset.snrDb)) throw new Error(`speech: preset ${preset.name} has a non-finite SNR ${preset.snrDb}`);
    const signalPower = meanPower(speech);
    if (signalPower === 0) throw new Error(`speech: preset ${preset.name} got silent speech; cannot set an SNR`);
    let raw = gaussianNoise(speech.length, noiseSeed);
    if (preset.band) raw = bandPass(raw, preset.band, sampleRate);
    const scale = Math.sqrt(signalPower / (meanPower(raw) * 10 ** (preset.snrDb / 10)));
    noise = raw.map((v) => v * scale);
  }
  const mixed = new Float64Array(speech.length);
  let peak = 0;
  for (let i = 0; i < mixed.length; i++) {
    mixed[i] = speech[i]! + (noise ? noise[i]! : 0);
    peak = Math.max(peak, Math.abs(mixed[i]!));
  }
  const gain = peak > 0.99 ? 0.99 / peak : 1;
  if (gain !== 1) speech = speech.map((v) => v * gain);
  return { audio: Float32Array.from(mixed, (v) => v * gain), speech };
}
