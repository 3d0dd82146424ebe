// Test-only spectral helpers: direct float64 DFT sums (no FFT library), so measurements are independent
// of anything under test.

/** Amplitude of the component at `freqHz` in x (single-bin DFT, Hann-free; use whole periods). */
export function toneAmplitude(x: ArrayLike<number>, freqHz: number, sampleRate: number, start = 0, length = x.length - start): number {
  let re = 0;
  let im = 0;
  for (let i = 0; i < length; i++) {
    const ph = (2 * Math.PI * freqHz * i) / sampleRate;
    re += x[start + i]! * Math.cos(ph);
    im -= x[start + i]! * Math.sin(ph);
  }
  return (2 * Math.hypot(re, im)) / length;
}

/** Power spectrum of consecutive Hann-windowed frames of `frame` samples (direct DFT), summed over frames; bin k ↔ k·fs/frame. */
export function framePowerSpectrum(x: ArrayLike<number>, frame: number): Float64Array {
  const bins = frame / 2 + 1;
  const power = new Float64Array(bins);
  const cos = new Float64Array(frame * bins);
  const sin = new Float64Array(frame * bins);
  for (let k = 0; k < bins; k++) {
    for (let n = 0; n < frame; n++) {
      cos[k * frame + n] = Math.cos((2 * Math.PI * k * n) / frame);
      sin[k * frame + n] = Math.sin((2 * Math.PI * k * n) / frame);
    }
  }
  const hann = Float64Array.from({ length: frame }, (_, n) => 0.5 - 0.5 * Math.cos((2 * Math.PI * n) / frame));
  for (let start = 0; start + frame <= x.length; start += frame) {
    for (let k = 0; k < bins; k++) {
      let re = 0;
      let im = 0;
      for (let n = 0; n < frame; n++) {
        re += x[start + n]! * hann[n]! * cos[k * frame + n]!;
        im += x[start + n]! * hann[n]! * sin[k * frame + n]!;
      }
      power[k] += re * re + im * im;
    }
  }
  return power;
}

export function db(ratio: number): number {
  return 10 * Math.log10(ratio);
}
