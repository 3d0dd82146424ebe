import { describe, expect, it } from 'vitest';
import { createResampler } from '../../../src/speech/resample.ts';
import { toneAmplitude } from './dft.ts';

describe('libsamplerate resampler', () => {
  it('22050 → 16000 Hz keeps a 1 kHz tone at 1 kHz with its amplitude and the duration', async () => {
    const r = await createResampler(22_050, 16_000);
    const x = Float32Array.from({ length: 22_050 }, (_, i) => 0.5 * Math.sin((2 * Math.PI * 1000 * i) / 22_050));
    const y = r.resample(x);
    r.destroy();
    expect(Math.abs(y.length - 16_000)).toBeLessThanOrEqual(2);
    expect(toneAmplitude(y, 1000, 16_000, 4000, 8000)).toBeCloseTo(0.5, 2);
    expect(toneAmplitude(y, 1500, 16_000, 4000, 8000)).toBeLessThan(1e-3);
  });

  it('removes content above the new Nyquist (9 kHz tone at 22.05 kHz → 16 kHz)', async () => {
    const r = await createResampler(22_050, 16_000);
    const x = Float32Array.from({ length: 22_050 }, (_, i) => 0.5 * Math.sin((2 * Math.PI * 9000 * i) / 22_050));
    const y = r.resample(x);
    r.destroy();
    const rms = Math.sqrt(y.slice(2000, 14000).reduce((s, v) => s + v * v, 0) / 12000);
    expect(rms).toBeLessThan(1e-3);
  });

  it('rejects bad rates', async () => {
    await expect(createResampler(0, 16_000)).rejects.toThrow(/fromRate/);
  });
});
