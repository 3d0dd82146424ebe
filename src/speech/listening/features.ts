// Renders listening utterances (espeak-ng → 16 kHz → preset → Whisper log-mel) into one time-major
// feature matrix (T × 80 rows, utterances back to back) with an index of labels, and keeps it on disk
// so that a second run trains at once. Rendering is the slow part (≈ 0.1 s per second of audio).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LogMelExtractor } from '../logmel.ts';
import type { PresetName } from '../presets.ts';
import type { SpeechSynthesizer } from '../tts.ts';
import type { SpeechTurnId } from '../voice.ts';

export interface UtteranceSpec {
  text: string;
  label: string;
  kind?: string;
  id: SpeechTurnId;
  preset: PresetName;
}

export interface FeatureEntry {
  text: string;
  label: string;
  kind?: string;
  preset: PresetName;
  /** First row of this utterance in `data`, and its number of mel frames. */
  offset: number;
  frames: number;
  durationS: number;
}

export interface FeatureSet {
  nMels: number;
  entries: FeatureEntry[];
  /** rows × nMels, time-major. */
  data: Float32Array;
}

/** Whisper's [nMels × frames] layout → time-major rows (frames × nMels), what the listener engines read. */
export function timeMajorMel(data: ArrayLike<number>, frames: number, nMels: number): Float32Array {
  const out = new Float32Array(frames * nMels);
  for (let c = 0; c < nMels; c++) for (let t = 0; t < frames; t++) out[t * nMels + c] = data[c * frames + t]!;
  return out;
}

/** Time-major rows → Whisper's [nMels × frames] layout, what the ONNX encoders take. */
export function melFirst(rows: ArrayLike<number>, frames: number, nMels: number): Float32Array {
  const out = new Float32Array(frames * nMels);
  for (let t = 0; t < frames; t++) for (let c = 0; c < nMels; c++) out[c * frames + t] = rows[t * nMels + c]!;
  return out;
}

export async function renderFeatureSet(tts: SpeechSynthesizer, specs: readonly UtteranceSpec[], onProgress?: (done: number, total: number) => void): Promise<FeatureSet> {
  const mel = new LogMelExtractor();
  const nMels = mel.config.nMels;
  const chunks: Float32Array[] = [];
  const entries: FeatureEntry[] = [];
  let rows = 0;
  for (const [i, s] of specs.entries()) {
    const r = await tts.render({ text: s.text, ...s.id, preset: s.preset });
    const m = mel.extract(r.pcm);
    chunks.push(timeMajorMel(m.data, m.frames, nMels));
    entries.push({ text: s.text, label: s.label, ...(s.kind ? { kind: s.kind } : {}), preset: s.preset, offset: rows, frames: m.frames, durationS: r.durationS });
    rows += m.frames;
    onProgress?.(i + 1, specs.length);
  }
  const data = new Float32Array(rows * nMels);
  let at = 0;
  for (const c of chunks) {
    data.set(c, at);
    at += c.length;
  }
  return { nMels, entries, data };
}

export function saveFeatureSet(dir: string, name: string, set: FeatureSet): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${name}.f32`), new Uint8Array(set.data.buffer, set.data.byteOffset, set.data.byteLength));
  writeFileSync(join(dir, `${name}.json`), JSON.stringify({ nMels: set.nMels, entries: set.entries }));
}

export function loadFeatureSet(dir: string, name: string): FeatureSet | null {
  const json = join(dir, `${name}.json`);
  const bin = join(dir, `${name}.f32`);
  if (!existsSync(json) || !existsSync(bin)) return null;
  const meta = JSON.parse(readFileSync(json, 'utf8')) as { nMels: number; entries: FeatureEntry[] };
  const bytes = readFileSync(bin);
  const data = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const rows = meta.entries.reduce((n, e) => n + e.frames, 0);
  if (data.length !== rows * meta.nMels) throw new Error(`listening features ${bin}: ${data.length} floats, the index says ${rows} × ${meta.nMels}`);
  return { nMels: meta.nMels, entries: meta.entries, data };
}
