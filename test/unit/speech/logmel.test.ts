// Golden tests for the Whisper log-mel port. References here are independent float64 code written
// from librosa's published formulas (filters.mel / mel_frequencies) and the textbook DFT, plus
// analytic values (documented librosa examples, Hann-windowed sine power).
import { describe, expect, it } from 'vitest';
import { compare, randomArray } from '../../../src/reference/compare.ts';
import { audioFrameMath, audioTokenCount, encoderFrameCount } from '../../../src/speech/frames.ts';
import { LogMelExtractor, melFrameCount } from '../../../src/speech/logmel.ts';
import { hzToMelSlaney, melFilterbank, melToHzSlaney } from '../../../src/speech/mel.ts';

/** librosa.filters.mel, transcribed step by step (linspace in mel, ramps = mel_f[:, None] − fftfreqs, fdiff). */
function librosaMel(sr: number, nFft: number, nMels: number): number[][] {
  const hzToMel = (f: number) => (f >= 1000 ? 15 + Math.log(f / 1000) / (Math.log(6.4) / 27) : (3 * f) / 200);
  const melToHz = (m: number) => (m >= 15 ? 1000 * Math.exp((Math.log(6.4) / 27) * (m - 15)) : (200 * m) / 3);
  const fftfreqs = Array.from({ length: 1 + Math.floor(nFft / 2) }, (_, i) => (i * (sr / 2)) / Math.floor(nFft / 2));
  const maxMel = hzToMel(sr / 2);
  const melF = Array.from({ length: nMels + 2 }, (_, i) => melToHz((i * maxMel) / (nMels + 1)));
  const fdiff = melF.slice(1).map((v, i) => v - melF[i]!);
  const ramps = melF.map((m) => fftfreqs.map((f) => m - f));
  return Array.from({ length: nMels }, (_, i) => {
    const enorm = 2 / (melF[i + 2]! - melF[i]!);
    return fftfreqs.map((_, k) => {
      const lower = -ramps[i]![k]! / fdiff[i]!;
      const upper = ramps[i + 2]![k]! / fdiff[i + 1]!;
      return Math.max(0, Math.min(lower, upper)) * enorm;
    });
  });
}

/** Naive float64 DFT power of reflect-padded, periodic-Hann-windowed frames (torch.stft center=True). */
function naivePower(x: ArrayLike<number>, nFft: number, hop: number): number[][] {
  const pad = nFft / 2;
  const padded: number[] = [];
  for (let i = pad; i >= 1; i--) padded.push(x[i]!);
  for (let i = 0; i < x.length; i++) padded.push(x[i]!);
  for (let i = x.length - 2; i >= x.length - 1 - pad; i--) padded.push(x[i]!);
  const frames = 1 + Math.floor((padded.length - nFft) / hop) - 1; // torch's count, minus Whisper's dropped last frame
  const out: number[][] = [];
  for (let t = 0; t < frames; t++) {
    const row: number[] = [];
    for (let k = 0; k <= nFft / 2; k++) {
      let re = 0;
      let im = 0;
      for (let n = 0; n < nFft; n++) {
        const w = Math.sin((Math.PI * n) / nFft) ** 2; // periodic Hann = sin²(πn/N)
        const v = padded[t * hop + n]! * w;
        re += v * Math.cos((2 * Math.PI * k * n) / nFft);
        im += v * Math.sin((2 * Math.PI * k * n) / nFft);
      }
      row.push(re * re + im * im);
    }
    out.push(row);
  }
  return out;
}

describe('Slaney mel scale and filterbank', () => {
  it('matches librosa documented values: hz_to_mel(60) = 0.9, mel_to_hz(3) = 200, 1 kHz ↔ 15, 6.4 kHz ↔ 42', () => {
    expect(hzToMelSlaney(60)).toBeCloseTo(0.9, 12);
    expect(melToHzSlaney(3)).toBeCloseTo(200, 10);
    expect(hzToMelSlaney(1000)).toBeCloseTo(15, 12);
    expect(hzToMelSlaney(6400)).toBeCloseTo(42, 10);
    for (const f of [0, 37, 999, 1001, 4321, 8000]) expect(melToHzSlaney(hzToMelSlaney(f))).toBeCloseTo(f, 8);
  });

  it('equals librosa.filters.mel(sr=16000, n_fft=400, n_mels=80) transcribed independently', () => {
    const fb = melFilterbank(16_000, 400, 80);
    const ref = librosaMel(16_000, 400, 80).flat();
    const c = compare(fb.weights, ref, 1e-12);
    expect(c.ok, `rel ${c.relError}`).toBe(true);
    expect(fb.weights.length).toBe(80 * 201);
  });

  it('Slaney normalisation gives wide filters unit area in Hz (Σ w·Δf ≈ 1)', () => {
    const fb = melFilterbank(16_000, 400, 80);
    for (const m of [40, 60, 79]) {
      let area = 0;
      for (let k = 0; k < fb.nBins; k++) area += fb.weights[m * fb.nBins + k]! * 40;
      expect(Math.abs(area - 1)).toBeLessThan(0.1); // the triangle sampled on a 40 Hz grid
    }
  });
});

describe('Whisper log-mel extractor', () => {
  const extractor = new LogMelExtractor();

  it('power spectrogram equals a naive float64 DFT of reflect-padded Hann frames (odd length)', () => {
    const x = randomArray(2_345, 11, 0.5);
    const { power, frames } = extractor.powerSpectrogram(x);
    const ref = naivePower(x, 400, 160);
    expect(frames).toBe(ref.length);
    expect(frames).toBe(melFrameCount(2_345));
    const c = compare(power, ref.flat(), 1e-10);
    expect(c.ok, `rel ${c.relError}`).toBe(true);
  });

  it('silent frames (zero padding) skip the DFT and still equal the naive DFT; padded silence is -1.5 everywhere', () => {
    for (const n of [150, 2_345]) {
      const x = new Float32Array(n + 9_000); // audio, then 9000 zeros: the last frames read only zeros
      x.set(randomArray(n, n, 0.5));
      const { power } = extractor.powerSpectrogram(x);
      const c = compare(power, naivePower(x, 400, 160).flat(), 1e-10);
      expect(c.ok, `${n} samples: rel ${c.relError}`).toBe(true);
      expect(power.subarray(power.length - 201).every((p) => p === 0)).toBe(true);
    }
    // silence padded to 30 s: (log10(1e-10) + 4) / 4 in every bin
    expect(extractor.extract(new Float32Array(0), { padToSamples: 480_000 }).data.every((v) => v === -1.5)).toBe(true);
  });

  it('a bin-centred sine of amplitude A has power (A·N/4)² in its bin', () => {
    const A = 0.5;
    const x = Float32Array.from({ length: 8_000 }, (_, i) => A * Math.sin((2 * Math.PI * 1000 * i) / 16_000));
    const { power } = extractor.powerSpectrogram(x);
    const bin = 1000 / 40;
    expect(power[20 * 201 + bin]! / (A * 100) ** 2).toBeCloseTo(1, 5);
  });

  it('features: 80 × floor(N/160), log10 clamp to max − 8, (x + 4)/4, peak mel bin at the tone', () => {
    const x = Float32Array.from({ length: 16_000 }, (_, i) => 0.3 * Math.sin((2 * Math.PI * 1000 * i) / 16_000));
    const mel = extractor.extract(x);
    expect(mel.nMels).toBe(80);
    expect(mel.frames).toBe(100);
    const power = extractor.powerSpectrogram(x).power;
    const fb = extractor.filters;
    let maxLog = -Infinity;
    const logs = new Float64Array(80 * 100);
    for (let m = 0; m < 80; m++)
      for (let t = 0; t < 100; t++) {
        let acc = 0;
        for (let k = 0; k < 201; k++) acc += fb.weights[m * 201 + k]! * power[t * 201 + k]!;
        logs[m * 100 + t] = Math.log10(Math.max(acc, 1e-10));
        maxLog = Math.max(maxLog, logs[m * 100 + t]!);
      }
    const expected = logs.map((v) => (Math.max(v, maxLog - 8) + 4) / 4);
    expect(compare(mel.data, expected, 1e-6).ok).toBe(true);
    const min = Math.min(...mel.data);
    const max = Math.max(...mel.data);
    expect(max - min).toBeLessThanOrEqual(2 + 1e-6);
    // the strongest mel bin in a middle frame is the filter centred nearest 1 kHz
    const column = Array.from({ length: 80 }, (_, m) => mel.data[m * 100 + 50]!);
    const peak = column.indexOf(Math.max(...column));
    const centres = Array.from({ length: 80 }, (_, m) => melToHzSlaney(((m + 1) * hzToMelSlaney(8000)) / 81));
    const nearest = centres.reduce((best, c, m) => (Math.abs(c - 1000) < Math.abs(centres[best]! - 1000) ? m : best), 0);
    expect(Math.abs(peak - nearest)).toBeLessThanOrEqual(1);
  });

  it('pads to 30 s like Whisper (3000 frames) and rejects bad audio', () => {
    const x = randomArray(16_000, 3, 0.1);
    expect(extractor.extract(x, { padToSamples: 480_000 }).frames).toBe(3000);
    expect(() => extractor.extract(x, { padToSamples: 100 })).toThrow(/exceed/);
    const bad = x.slice();
    bad[7] = NaN;
    expect(() => extractor.extract(bad)).toThrow(/sample 7/);
    expect(() => extractor.extract(new Float32Array(100))).toThrow(/reflect/);
  });
});

describe('audio frame maths', () => {
  it('30 s → 3000 mel frames → 1500 encoder frames (Whisper) → 375 tokens at k = 4 (12.5 /s)', () => {
    const m = audioFrameMath(480_000);
    expect(m).toMatchObject({ melFrames: 3000, encoderFrames: 1500, audioTokens: 375, splicedPositions: 377, durationS: 30 });
  });

  it('odd lengths: partial stacks round up; custom stacks and conv stacks', () => {
    expect(melFrameCount(16_159)).toBe(100);
    expect(encoderFrameCount(101)).toBe(51); // conv2 stride 2, padding 1: floor((101 + 2 − 3)/2) + 1
    expect(audioTokenCount(51, 4)).toBe(13);
    expect(audioTokenCount(51, 8)).toBe(7);
    expect(audioFrameMath(16_000, { stack: 1, convs: [] }).audioTokens).toBe(100);
    expect(() => audioTokenCount(10, 0)).toThrow(/stack size/);
  });
});
