// Hearing a user turn: espeak-ng (wasm) → the shipped listener ONNX (onnxruntime-web wasm) → frames,
// with the in-memory LRU and the Node file store. A few short utterances rendered in all (≈ 0.4 s each).
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EspeakEngine } from '../../../src/speech/espeak.ts';
import { loadEspeakWasmNode } from '../../../src/speech/espeak-node.ts';
import { decodeHeardFrames, encodeHeardFrames, NodeHearingStore } from '../../../src/speech/hearing-store-node.ts';
import { HeardFramesLru, UserTurnHearing, type FrameEncoder, type HeardFrames, type HearingStore, type HearRequest } from '../../../src/speech/hearing.ts';
import { LISTENER_SMALL, listenerFrames } from '../../../src/speech/listener/config.ts';
import { loadListenerEncoder, type ListenerEncoder } from '../../../src/speech/listener-encoder.ts';
import { loadListenerEncoderNode } from '../../../src/speech/listener-encoder-node.ts';
import { melFrameCount } from '../../../src/speech/logmel.ts';
import { SpeechSynthesizer } from '../../../src/speech/tts.ts';
import { turnSpeechStats } from '../../../src/speech/turn-speech.ts';

const A: HearRequest = { text: 'I want to return order #W2378156.', taskId: 'retail-7', turn: 0, rollout: 2 };
const B: HearRequest = { ...A, text: 'Can you cancel it, please?' };

let engine: EspeakEngine;
let listener: ListenerEncoder;
let tts: SpeechSynthesizer; // shared: its audio LRU makes repeated renders free
let dir: string;

class CountingEncoder implements FrameEncoder {
  calls = 0;
  constructor(private readonly inner: FrameEncoder) {}
  get id() { return this.inner.id; }
  get dim() { return this.inner.dim; }
  get framesPerSecond() { return this.inner.framesPerSecond; }
  encode(pcm: Float32Array) {
    this.calls++;
    return this.inner.encode(pcm);
  }
}

const same = (a: Float32Array, b: Float32Array) => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));

beforeAll(async () => {
  engine = new EspeakEngine(loadEspeakWasmNode);
  listener = await loadListenerEncoderNode();
  tts = new SpeechSynthesizer(engine);
  dir = await mkdtemp(join(tmpdir(), 'tarl-hearing-'));
});
afterAll(async () => {
  await listener?.release();
  await rm(dir, { recursive: true, force: true });
});

describe('UserTurnHearing with the shipped listener', () => {
  it('loads the listener: id carries the model hash, 64-wide frames at 25 /s', () => {
    expect(listener.id).toMatch(/^tarl-listener@[0-9a-f]{16}$/);
    expect(listener.modelSha256.startsWith(listener.id.split('@')[1]!)).toBe(true);
    expect(listener.dim).toBe(64);
    expect(listener.framesPerSecond).toBe(25);
  });

  it('is deterministic: fresh renderers and hearings give the same key and bit-identical frames', async () => {
    const a = await new UserTurnHearing(new SpeechSynthesizer(engine), listener).hear(A);
    const b = await new UserTurnHearing(tts, listener).hear(A);
    expect(a.cached).toBe(false);
    expect(b.cached).toBe(false);
    expect(b.key).toBe(a.key);
    expect(a.key).toMatch(/^[0-9a-f]{64}$/);
    expect(b.audioKey).toBe(a.audioKey);
    expect(a.encoderId).toBe(listener.id);
    expect(same(a.frames, b.frames)).toBe(true);
    expect(a.transcript).toBe(A.text);
    expect(a.spokenText).toContain('W two three seven eight one five six');
    expect(b.voice).toEqual(a.voice);
  });

  it('T follows the listener frame maths for the audio length; audioTokens = ⌈T / stack⌉', async () => {
    const r = await new UserTurnHearing(tts, listener, { stack: 3 }).hear(A);
    expect(r.samples).toBe(Math.round(r.durationS * 16_000));
    expect(r.T).toBe(listenerFrames(LISTENER_SMALL, melFrameCount(r.samples)));
    expect(r.T).toBe(turnSpeechStats(r.samples).listenerFrames);
    expect(r.T).toBe(listener.framesFor(r.samples));
    expect(Math.abs(r.T - r.durationS * 25)).toBeLessThanOrEqual(1);
    expect(r.dim).toBe(64);
    expect(r.frames.length).toBe(r.T * r.dim);
    expect(r.stack).toBe(3);
    expect(r.audioTokens).toBe(Math.ceil(r.T / 3));
    expect((await new UserTurnHearing(tts, listener).hear(A)).audioTokens).toBe(Math.ceil(r.T / 4)); // default stack 4
    expect(r.frames.every(Number.isFinite)).toBe(true);
    expect(new Set(r.frames).size).toBeGreaterThan(r.frames.length / 2); // real activations, not a constant
  });

  it('caches per audio: the encoder runs once; repeats and concurrent requests are served from memory', async () => {
    const enc = new CountingEncoder(listener);
    const h = new UserTurnHearing(tts, enc);
    const [first, twin] = await Promise.all([h.hear(A), h.hear(A)]);
    const again = await h.hear(A);
    expect(enc.calls).toBe(1);
    expect([first.cached, twin.cached, again.cached].filter((c) => !c)).toHaveLength(1);
    expect(again.cached).toBe(true);
    expect(again.key).toBe(first.key);
    expect(same(again.frames, first.frames)).toBe(true);
    expect(h.memory.size).toBe(1);
  });

  it('different text or preset → different key and different frames', async () => {
    const h = new UserTurnHearing(tts, listener);
    const a = await h.hear(A);
    const b = await h.hear(B);
    expect(b.key).not.toBe(a.key);
    expect(b.audioKey).not.toBe(a.audioKey);
    expect(same(a.frames, b.frames)).toBe(false);
    const { key: tel } = await h.keyOf({ ...A, preset: 'telephone' }); // hashes only, renders nothing
    expect(tel).not.toBe(a.key);
    expect((await h.keyOf(A)).key).toBe(a.key);
  });

  it('the Node store round-trips: a fresh hearing reads the frames back without encoding', async () => {
    const store = new NodeHearingStore(join(dir, 'round-trip'));
    const first = await new UserTurnHearing(tts, listener, { store }).hear(B);
    expect(await readdir(store.root)).toEqual([`${first.key}.frames`]);
    const enc = new CountingEncoder(listener);
    const second = await new UserTurnHearing(tts, enc, { store }).hear(B);
    expect(enc.calls).toBe(0);
    expect(second.cached).toBe(true);
    expect(second.key).toBe(first.key);
    expect(second.T).toBe(first.T);
    expect(second.durationS).toBe(first.durationS);
    expect(same(second.frames, first.frames)).toBe(true);
  });

  it('a damaged store file is reported, removed, re-computed and rewritten, never a crash', async () => {
    const root = join(dir, 'corrupt');
    const reasons: string[] = [];
    const store = new NodeHearingStore(root, { onCorrupt: (_f, why) => reasons.push(why) });
    const good = await new UserTurnHearing(tts, listener, { store }).hear(A);
    const file = store.fileOf(good.key);
    const bytes = new Uint8Array(await readFile(file));
    const flipped = bytes.slice();
    flipped[flipped.length - 3]! ^= 0x40;
    const damages: Uint8Array[] = [bytes.subarray(0, bytes.length - 10), flipped, new TextEncoder().encode('not a cache file at all'), new Uint8Array(0)];
    for (const damaged of damages) {
      await writeFile(file, damaged);
      const enc = new CountingEncoder(listener);
      const r = await new UserTurnHearing(tts, enc, { store, onStoreError: (e) => { throw e; } }).hear(A);
      expect(enc.calls).toBe(1);
      expect(r.cached).toBe(false);
      expect(same(r.frames, good.frames)).toBe(true);
      expect(decodeHeardFrames(good.key, new Uint8Array(await readFile(file)))).not.toBeTypeOf('string'); // rewritten whole
    }
    expect(reasons).toHaveLength(4);
    expect(reasons[1]).toMatch(/checksum/);
  });
});

describe('hearing store format and errors', () => {
  const entry: HeardFrames = { frames: Float32Array.from({ length: 3 * 5 }, (_, i) => Math.sin(i) * 3), T: 3, dim: 5, samples: 1234 };

  it('decode rejects a foreign key, bad magic, wrong version and non-finite values with a reason', () => {
    const bytes = encodeHeardFrames('k1', entry);
    const ok = decodeHeardFrames('k1', bytes);
    expect(ok).not.toBeTypeOf('string');
    expect(same((ok as HeardFrames).frames, entry.frames)).toBe(true);
    expect(decodeHeardFrames('k2', bytes)).toMatch(/holds key/);
    const magic = bytes.slice();
    magic[0] = 0x58;
    expect(decodeHeardFrames('k1', magic)).toMatch(/magic/);
    const version = bytes.slice();
    version[8] = 9;
    expect(decodeHeardFrames('k1', version)).toMatch(/version/);
    const nan = encodeHeardFrames('k1', { ...entry, frames: Float32Array.from(entry.frames, (v, i) => (i === 7 ? NaN : v)) });
    expect(decodeHeardFrames('k1', nan)).toMatch(/not finite/);
  });

  it('store failures do not fail a hear; bad stored entries are re-computed', async () => {
    const errors: string[] = [];
    const throwing: HearingStore = { get: () => Promise.reject(new Error('disk gone')), put: () => Promise.reject(new Error('disk full')) };
    const r = await new UserTurnHearing(tts, listener, { store: throwing, onStoreError: (e, _k, op) => errors.push(`${op}: ${(e as Error).message}`) }).hear(A);
    expect(r.T).toBeGreaterThan(0);
    expect(errors).toEqual(['get: disk gone', 'put: disk full']);
    const wrongWidth: HearingStore = { get: async () => ({ ...entry }), put: async () => {} };
    const enc = new CountingEncoder(listener);
    const w = await new UserTurnHearing(tts, enc, { store: wrongWidth, onStoreError: () => {} }).hear(A);
    expect(enc.calls).toBe(1);
    expect(w.dim).toBe(64);
  });

  it('the memory LRU is bounded by floats and evicts the least recently used', () => {
    const lru = new HeardFramesLru(40);
    const e = (n: number): HeardFrames => ({ frames: new Float32Array(n), T: n, dim: 1, samples: 0 });
    lru.put('a', e(15));
    lru.put('b', e(15));
    lru.get('a');
    lru.put('c', e(15)); // 45 > 40: b goes
    expect([lru.get('a'), lru.get('b'), lru.get('c')].map(Boolean)).toEqual([true, false, true]);
    lru.put('huge', e(41));
    expect(lru.get('huge')).toBeUndefined();
    expect(lru.size).toBe(2);
  });

  it('clear errors: empty text, bad stack, bad capacity, short audio, wrong model config', async () => {
    const h = new UserTurnHearing(tts, listener);
    await expect(h.hear({ ...A, text: '  ' })).rejects.toThrow(/text is empty/);
    for (const stack of [0, -1, 1.5, NaN]) expect(() => new UserTurnHearing(tts, listener, { stack })).toThrow(/stack must be a positive integer/);
    expect(() => new UserTurnHearing(tts, listener, { maxFloats: 0 })).toThrow(/capacity/);
    expect(await listener.encode(new Float32Array(300))).toEqual({ frames: new Float32Array(0), T: 0 });
    const bytes = new Uint8Array(await readFile('public/models/tarl-listener/encoder.onnx'));
    const wrong = { ...LISTENER_SMALL, convs: LISTENER_SMALL.convs.map((l, i) => (i === 0 ? { ...l, stride: 2 } : l)) };
    await expect(loadListenerEncoder(bytes, { config: wrong })).rejects.toThrow(/wrong config/);
    await expect(loadListenerEncoder(new Uint8Array(0))).rejects.toThrow(/empty/);
  });
});
