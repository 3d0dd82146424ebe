// PCM16 mono WAV: parsing what `espeak-ng -w` writes, and encoding renders for playback/download
// (the studio inspector plays spoken user turns from a WAV blob).

export interface EspeakPcm {
  samples: Int16Array;
  sampleRate: number; // espeak-ng renders at 22050 Hz
}

/** Parses a canonical PCM16 mono WAV (what `espeak-ng -w` writes). */
export function parseWavPcm16(bytes: Uint8Array): EspeakPcm {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (o: number) => String.fromCharCode(...bytes.subarray(o, o + 4));
  if (bytes.length < 12 || tag(0) !== 'RIFF' || tag(8) !== 'WAVE') throw new Error('parseWavPcm16: not a RIFF/WAVE file');
  let offset = 12;
  let sampleRate = 0;
  let channels = 0;
  let bits = 0;
  while (offset + 8 <= bytes.length) {
    const id = tag(offset);
    let size = view.getUint32(offset + 4, true);
    const body = offset + 8;
    if (id === 'fmt ') {
      const format = view.getUint16(body, true);
      channels = view.getUint16(body + 2, true);
      sampleRate = view.getUint32(body + 4, true);
      bits = view.getUint16(body + 14, true);
      if (format !== 1 || channels !== 1 || bits !== 16) {
        throw new Error(`parseWavPcm16: expected PCM16 mono, got format ${format}, ${channels} channels, ${bits} bits`);
      }
    } else if (id === 'data') {
      if (!sampleRate) throw new Error('parseWavPcm16: data chunk before fmt chunk');
      // espeak writes 0x7ffffffx as the data size when it streams; clamp to what is there.
      size = Math.min(size, bytes.length - body);
      const n = size >> 1;
      const samples = new Int16Array(n);
      for (let i = 0; i < n; i++) samples[i] = view.getInt16(body + 2 * i, true);
      return { samples, sampleRate };
    }
    offset = body + size + (size & 1);
  }
  throw new Error('parseWavPcm16: no data chunk');
}


/** Float samples in [-1, 1] → a canonical 44-byte-header PCM16 mono WAV (values clipped, rounded). */
export function encodeWavPcm16(pcm: Float32Array, sampleRate: number): Uint8Array {
  if (!Number.isInteger(sampleRate) || sampleRate < 1) throw new Error(`encodeWav: sample rate must be a positive integer, got ${sampleRate}`);
  const bytes = new Uint8Array(44 + pcm.length * 2);
  const view = new DataView(bytes.buffer);
  const ascii = (o: number, s: string) => [...s].forEach((c, i) => view.setUint8(o + i, c.charCodeAt(0)));
  ascii(0, 'RIFF');
  view.setUint32(4, 36 + pcm.length * 2, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true); // PCM
  view.setUint16(22, 1, true); // mono
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * 2, true);
  view.setUint16(32, 2, true);
  view.setUint16(34, 16, true);
  ascii(36, 'data');
  view.setUint32(40, pcm.length * 2, true);
  for (let i = 0; i < pcm.length; i++) {
    const v = Math.max(-1, Math.min(1, pcm[i]!));
    view.setInt16(44 + 2 * i, Math.round(v * 32767), true);
  }
  return bytes;
}
