import { describe, expect, it } from 'vitest';
import { encodeWavPcm16, parseWavPcm16 } from '../../../src/speech/wav.ts';

describe('PCM16 WAV', () => {
  it('round-trips samples through encode and parse (quantised to 16 bits, clipped)', () => {
    const pcm = Float32Array.from([0, 0.5, -0.5, 1, -1, 1.5, 0.123456]);
    const wav = encodeWavPcm16(pcm, 16_000);
    expect(new TextDecoder().decode(wav.subarray(0, 4))).toBe('RIFF');
    const back = parseWavPcm16(wav);
    expect(back.sampleRate).toBe(16_000);
    expect(Array.from(back.samples)).toEqual([0, 16384, -16383, 32767, -32767, 32767, 4045]);
  });

  it('rejects what it cannot read', () => {
    expect(() => parseWavPcm16(new Uint8Array(10))).toThrow(/RIFF/);
    const wav = encodeWavPcm16(new Float32Array(4), 8000);
    new DataView(wav.buffer).setUint16(22, 2, true); // stereo
    expect(() => parseWavPcm16(wav)).toThrow(/2 channels/);
  });
});
