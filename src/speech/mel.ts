// Slaney-scale mel filterbank as librosa.filters.mel(sr, n_fft, n_mels, htk=False, norm='slaney')
// computes it (the filterbank Whisper ships in mel_filters.npz): triangles between consecutive points
// spaced evenly on the Slaney mel scale, each scaled to unit area (2 / (f[i+2] − f[i])).

const F_SP = 200 / 3; // Hz per mel below 1 kHz
const MIN_LOG_HZ = 1000;
const MIN_LOG_MEL = MIN_LOG_HZ / F_SP; // 15
const LOG_STEP = Math.log(6.4) / 27;

export function hzToMelSlaney(hz: number): number {
  return hz < MIN_LOG_HZ ? hz / F_SP : MIN_LOG_MEL + Math.log(hz / MIN_LOG_HZ) / LOG_STEP;
}

export function melToHzSlaney(mel: number): number {
  return mel < MIN_LOG_MEL ? mel * F_SP : MIN_LOG_HZ * Math.exp(LOG_STEP * (mel - MIN_LOG_MEL));
}

export interface MelFilterbank {
  nMels: number;
  nBins: number; // n_fft / 2 + 1
  weights: Float64Array; // nMels × nBins, row-major
  /** First and one-past-last non-zero bin of each filter (for the sparse product). */
  start: Int32Array;
  end: Int32Array;
}

export function melFilterbank(sampleRate: number, nFft: number, nMels: number, fMin = 0, fMax = sampleRate / 2): MelFilterbank {
  if (!Number.isInteger(nFft) || nFft < 2) throw new Error(`mel: n_fft must be an integer ≥ 2, got ${nFft}`);
  if (!Number.isInteger(nMels) || nMels < 1) throw new Error(`mel: n_mels must be a positive integer, got ${nMels}`);
  if (!(fMin >= 0 && fMin < fMax && fMax <= sampleRate / 2)) throw new Error(`mel: need 0 ≤ fmin < fmax ≤ sr/2, got ${fMin}, ${fMax}`);
  const nBins = Math.floor(nFft / 2) + 1;
  const fftFreqs = Float64Array.from({ length: nBins }, (_, k) => (k * sampleRate) / nFft);
  const melMin = hzToMelSlaney(fMin);
  const melMax = hzToMelSlaney(fMax);
  const points = Float64Array.from({ length: nMels + 2 }, (_, i) => melToHzSlaney(melMin + ((melMax - melMin) * i) / (nMels + 1)));
  const weights = new Float64Array(nMels * nBins);
  const start = new Int32Array(nMels).fill(nBins);
  const end = new Int32Array(nMels);
  for (let m = 0; m < nMels; m++) {
    const lo = points[m]!;
    const mid = points[m + 1]!;
    const hi = points[m + 2]!;
    const norm = 2 / (hi - lo);
    for (let k = 0; k < nBins; k++) {
      const f = fftFreqs[k]!;
      const w = Math.max(0, Math.min((f - lo) / (mid - lo), (hi - f) / (hi - mid))) * norm;
      if (w > 0) {
        weights[m * nBins + k] = w;
        start[m] = Math.min(start[m]!, k);
        end[m] = k + 1;
      }
    }
    if (end[m] === 0) start[m] = 0; // an empty filter (too narrow for the bin spacing), as librosa allows
  }
  return { nMels, nBins, weights, start, end };
}
