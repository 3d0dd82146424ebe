import { describe, expect, it } from 'vitest';
import { bandPass, butterworthSectionQs, TELEPHONE_BAND } from '../../../src/speech/filters.ts';
import { applyChannel, gaussianNoise, meanPower, PRESETS } from '../../../src/speech/presets.ts';
import { db, framePowerSpectrum, toneAmplitude } from './dft.ts';

const FS = 16_000;

function tone(freqs: number[], n: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => freqs.reduce((s, f) => s + 0.2 * Math.sin((2 * Math.PI * f * i) / FS), 0));
}

describe('telephone band-pass (Butterworth biquads)', () => {
  it('uses the Butterworth section Qs (0.5412, 1.3066 for 4th order)', () => {
    const qs = butterworthSectionQs(4);
    expect(qs[0]).toBeCloseTo(0.541196, 5);
    expect(qs[1]).toBeCloseTo(1.306563, 5);
  });

  it('passes 300–3400 Hz and attenuates outside, measured by a DFT of sine responses', () => {
    const n = FS; // 1 s; measure on the last 0.5 s (steady state), whole periods of every test tone
    const gainDb = (f: number) => {
      const y = bandPass(tone([f], n), TELEPHONE_BAND, FS);
      return db((toneAmplitude(y, f, FS, n / 2, n / 2) / 0.2) ** 2);
    };
    for (const f of [600, 1000, 2000]) expect(Math.abs(gainDb(f))).toBeLessThan(1);
    expect(Math.abs(gainDb(3000))).toBeLessThan(2); // 4th-order low-pass: −1.4 dB at 0.88·fc
    // -3 dB at each edge (Butterworth), within a tolerance for the bilinear transform
    expect(gainDb(300)).toBeGreaterThan(-3.6);
    expect(gainDb(300)).toBeLessThan(-2.4);
    expect(gainDb(3400)).toBeGreaterThan(-3.6);
    expect(gainDb(3400)).toBeLessThan(-2.4);
    expect(gainDb(100)).toBeLessThan(-35); // analog 4th-order: -38 dB two octaves below
    expect(gainDb(50)).toBeLessThan(-55);
    expect(gainDb(6000)).toBeLessThan(-20);
    expect(gainDb(7500)).toBeLessThan(-40);
  });

  it('removes out-of-band energy from broadband noise', () => {
    const noise = gaussianNoise(FS, 7);
    const y = bandPass(noise, TELEPHONE_BAND, FS);
    const p = framePowerSpectrum(y, 320); // 50 Hz bins
    const pIn = framePowerSpectrum(noise, 320);
    const band = (s: Float64Array, lo: number, hi: number) => s.slice(Math.round(lo / 50), Math.round(hi / 50) + 1).reduce((a, b) => a + b, 0);
    expect(db(band(p, 0, 100) / band(pIn, 0, 100))).toBeLessThan(-30);
    expect(db(band(p, 5000, 8000) / band(pIn, 5000, 8000))).toBeLessThan(-25);
    expect(Math.abs(db(band(p, 800, 2500) / band(pIn, 800, 2500)))).toBeLessThan(1);
  });

  it('rejects bad specs with a clear error', () => {
    expect(() => bandPass([1, 2], { lowHz: 3400, highHz: 300, order: 4 }, FS)).toThrow(/low edge/);
    expect(() => bandPass([1, 2], { lowHz: 300, highHz: 9000, order: 4 }, FS)).toThrow(/cutoff/);
    expect(() => butterworthSectionQs(3)).toThrow(/even/);
  });
});

describe('channel presets', () => {
  const speechLike = tone([220, 440, 1250, 2600, 5200], 2 * FS);

  it('telephone noise is at the set SNR within 0.5 dB (several SNRs, several seeds)', () => {
    for (const snrDb of [5, 15, 25]) {
      for (const seed of [1, 99]) {
        const out = applyChannel(speechLike, { ...PRESETS.telephone, snrDb }, FS, seed);
        const noise = out.audio.map((v, i) => v - out.speech[i]!);
        const measured = db(meanPower(out.speech) / meanPower(noise));
        expect(Math.abs(measured - snrDb)).toBeLessThan(0.5);
      }
    }
  });

  it('the noise is seeded: same seed → identical output, different seed → different', () => {
    const a = applyChannel(speechLike, PRESETS.telephone, FS, 3).audio;
    const b = applyChannel(speechLike, PRESETS.telephone, FS, 3).audio;
    const c = applyChannel(speechLike, PRESETS.telephone, FS, 4).audio;
    expect(a).toEqual(b);
    expect(a.some((v, i) => v !== c[i])).toBe(true);
  });

  it('clean leaves the samples unchanged; loud input is scaled below clipping', () => {
    expect(applyChannel(speechLike, PRESETS.clean, FS, 1).audio).toEqual(speechLike);
    const loud = speechLike.map((v) => v * 4);
    const out = applyChannel(loud, PRESETS.telephone, FS, 1).audio;
    expect(Math.max(...out.map(Math.abs))).toBeLessThanOrEqual(0.99 + 1e-6);
  });

  it('refuses silent speech when an SNR is requested', () => {
    expect(() => applyChannel(new Float32Array(100), PRESETS.telephone, FS, 1)).toThrow(/silent/);
  });
});
