// Whisper log-mel features (openai/whisper audio.py log_mel_spectrogram): periodic Hann window,
// n_fft 400, hop 160, centred STFT with reflect padding, power spectrum with the last frame dropped,
// 80 Slaney mel bins, log10 with a 1e-10 floor, dynamic range clamped to 8 (max − 8), then (x + 4) / 4.
// A port (not a library): transformers.js's extractor would bring onnxruntime-node and sharp with it.
import { melFilterbank, type MelFilterbank } from './mel.ts';

export interface LogMelConfig {
  sampleRate: number;
  nFft: number;
  hop: number;
  nMels: number;
}

export const WHISPER_LOG_MEL: LogMelConfig = { sampleRate: 16_000, nFft: 400, hop: 160, nMels: 80 };

export interface LogMel {
  data: Float32Array; // nMels × frames, row-major (the layout Whisper's encoder takes: [n_mels, n_frames])
  nMels: number;
  frames: number;
}

/** Number of feature frames Whisper keeps for `numSamples` of audio: floor(N / hop). */
export function melFrameCount(numSamples: number, hop = WHISPER_LOG_MEL.hop): number {
  if (!Number.isInteger(numSamples) || numSamples < 0) throw new Error(`log-mel: sample count must be a non-negative integer, got ${numSamples}`);
  return Math.floor(numSamples / hop);
}

export class LogMelExtractor {
  readonly filters: MelFilterbank;
  private readonly window: Float64Array;
  private readonly cos: Float64Array; // nBins × nFft DFT tables
  private readonly sin: Float64Array;

  constructor(readonly config: LogMelConfig = WHISPER_LOG_MEL) {
    const { nFft, sampleRate, nMels } = config;
    this.filters = melFilterbank(sampleRate, nFft, nMels);
    this.window = Float64Array.from({ length: nFft }, (_, n) => 0.5 - 0.5 * Math.cos((2 * Math.PI * n) / nFft)); // torch.hann_window (periodic)
    const nBins = this.filters.nBins;
    this.cos = new Float64Array(nBins * nFft);
    this.sin = new Float64Array(nBins * nFft);
    for (let k = 0; k < nBins; k++) {
      for (let n = 0; n < nFft; n++) {
        const phase = (2 * Math.PI * ((k * n) % nFft)) / nFft; // reduce k·n first: exact angles for large k·n
        this.cos[k * nFft + n] = Math.cos(phase);
        this.sin[k * nFft + n] = Math.sin(phase);
      }
    }
  }

  /** |STFT|² of the centred, reflect-padded signal: frames × nBins, the last frame dropped as Whisper does. */
  powerSpectrogram(audio: ArrayLike<number>): { power: Float64Array; frames: number } {
    const { nFft, hop } = this.config;
    const pad = nFft / 2;
    if (audio.length <= pad) throw new Error(`log-mel: need more than ${pad} samples for reflect padding, got ${audio.length}`);
    const n = audio.length;
    const at = (i: number) => audio[i < 0 ? -i : i >= n ? 2 * (n - 1) - i : i]!; // reflect (no edge repeat), like torch
    const frames = melFrameCount(n, hop);
    const nBins = this.filters.nBins;
    const power = new Float64Array(frames * nBins);
    const frame = new Float64Array(nFft);
    for (let t = 0; t < frames; t++) {
      let silent = true;
      for (let i = 0; i < nFft; i++) {
        frame[i] = at(t * hop - pad + i) * this.window[i]!;
        if (frame[i] !== 0) silent = false;
      }
      // An all-zero frame has power exactly 0 (its row stays as allocated): zero padding to 30 s for the
      // released Whisper encoders then costs no DFTs (a 2 s turn: ~200 of 3000 frames computed).
      if (silent) continue;
      for (let k = 0; k < nBins; k++) {
        let re = 0;
        let im = 0;
        const o = k * nFft;
        for (let i = 0; i < nFft; i++) {
          re += frame[i]! * this.cos[o + i]!;
          im -= frame[i]! * this.sin[o + i]!;
        }
        power[t * nBins + k] = re * re + im * im;
      }
    }
    return { power, frames };
  }

  /** Whisper features; `padToSamples` zero-pads first (480000 = 30 s for the released Whisper encoders). */
  extract(audio: Float32Array, options: { padToSamples?: number } = {}): LogMel {
    let input = audio;
    if (options.padToSamples !== undefined) {
      if (audio.length > options.padToSamples) throw new Error(`log-mel: ${audio.length} samples exceed padToSamples ${options.padToSamples}`);
      input = new Float32Array(options.padToSamples);
      input.set(audio);
    }
    for (let i = 0; i < input.length; i++) if (!Number.isFinite(input[i]!)) throw new Error(`log-mel: sample ${i} is not finite`);
    const { power, frames } = this.powerSpectrogram(input);
    const { nMels, nBins, weights, start, end } = this.filters;
    const logSpec = new Float64Array(nMels * frames);
    let max = -Infinity;
    for (let m = 0; m < nMels; m++) {
      for (let t = 0; t < frames; t++) {
        let acc = 0;
        for (let k = start[m]!; k < end[m]!; k++) acc += weights[m * nBins + k]! * power[t * nBins + k]!;
        const v = Math.log10(Math.max(acc, 1e-10));
        logSpec[m * frames + t] = v;
        if (v > max) max = v;
      }
    }
    const data = new Float32Array(nMels * frames);
    for (let i = 0; i < data.length; i++) data[i] = (Math.max(logSpec[i]!, max - 8) + 4) / 4;
    return { data, nMels, frames };
  }
}
