// Real espeak-ng (wasm) renders: determinism, seeding, format, presets and the cache.
import { beforeAll, describe, expect, it } from 'vitest';
import { AudioLru, type AudioStore } from '../../../src/speech/cache.ts';
import { EspeakEngine } from '../../../src/speech/espeak.ts';
import { loadEspeakWasmNode } from '../../../src/speech/espeak-node.ts';
import { SpeechSynthesizer, type SpeechRequest } from '../../../src/speech/tts.ts';
import { seededVoice } from '../../../src/speech/voice.ts';
import { db, framePowerSpectrum } from './dft.ts';

const TEXT = 'Hi, I would like to return the water bottle from my last order, please.';
const request: SpeechRequest = { text: TEXT, taskId: 'retail-12', turn: 1, rollout: 0 };

class CountingEngine extends EspeakEngine {
  calls = 0;
  override async synthesize(...args: Parameters<EspeakEngine['synthesize']>) {
    this.calls++;
    return super.synthesize(...args);
  }
}

let engine: CountingEngine;
beforeAll(() => {
  engine = new CountingEngine(loadEspeakWasmNode);
});

const fresh = (store?: AudioStore) => new SpeechSynthesizer(engine, { store });

describe('speech synthesis (espeak-ng wasm in Node)', () => {
  it('is deterministic: the same (task, turn, rollout) gives identical samples from fresh renderers', async () => {
    const a = await fresh().render(request);
    const b = await fresh().render(request);
    expect(a.cached).toBe(false);
    expect(b.cached).toBe(false);
    expect(b.key).toBe(a.key);
    expect(b.voice).toEqual(a.voice);
    expect(b.pcm).toEqual(a.pcm);
  });

  it('different seeds give different voices and different audio', async () => {
    const voices = new Set(Array.from({ length: 20 }, (_, rollout) => JSON.stringify(seededVoice({ ...request, rollout }))));
    expect(voices.size).toBeGreaterThan(15);
    const a = await fresh().render(request);
    const b = await fresh().render({ ...request, rollout: 1 });
    expect(b.voice).not.toEqual(a.voice);
    expect(b.key).not.toBe(a.key);
    expect(b.pcm.length === a.pcm.length && b.pcm.every((v, i) => v === a.pcm[i])).toBe(false);
  });

  it('format: 16 kHz mono float, finite, within [-1, 1], not silent, duration plausible for the text', async () => {
    const r = await fresh().render(request);
    expect(r.sampleRate).toBe(16_000);
    expect(r.pcm).toBeInstanceOf(Float32Array);
    expect(r.pcm.every((v) => Number.isFinite(v) && Math.abs(v) <= 1)).toBe(true);
    const rms = Math.sqrt(r.pcm.reduce((s, v) => s + v * v, 0) / r.pcm.length);
    expect(rms).toBeGreaterThan(0.02);
    const words = TEXT.split(/\s+/).length;
    const expected = (words / r.voice.rateWpm) * 60;
    expect(r.durationS).toBeGreaterThan(expected * 0.6);
    expect(r.durationS).toBeLessThan(expected * 1.8 + 1);
    expect(r.durationS).toBeCloseTo(r.pcm.length / 16_000, 9);
    // Longer text → longer audio with the same voice.
    const long = await fresh().render({ ...request, text: `${TEXT} ${TEXT}` });
    expect(long.voice).toEqual(r.voice);
    expect(long.durationS).toBeGreaterThan(r.durationS * 1.6);
  });

  it('telephone preset: speech energy outside 300–3400 Hz is removed (DFT), clean keeps it', async () => {
    const clean = await fresh().render(request);
    const phone = await fresh().render({ ...request, preset: 'telephone' });
    expect(phone.key).not.toBe(clean.key);
    expect(phone.pcm.length).toBe(clean.pcm.length);
    const outOfBandShare = (x: Float32Array) => {
      const p = framePowerSpectrum(x, 320); // 50 Hz bins
      const total = p.reduce((a, b) => a + b, 0);
      const out = p.slice(0, 2).reduce((a, b) => a + b, 0) + p.slice(Math.round(5000 / 50)).reduce((a, b) => a + b, 0);
      return out / total;
    };
    const cleanShare = outOfBandShare(clean.pcm);
    const phoneShare = outOfBandShare(phone.pcm);
    expect(db(phoneShare / cleanShare)).toBeLessThan(-20);
  });

  it('caches by content hash in memory and in a persistent store', async () => {
    const saved = new Map<string, Float32Array>();
    const store: AudioStore = { get: async (k) => saved.get(k), put: async (k, v) => void saved.set(k, v) };
    const s = fresh(store);
    const first = await s.render(request);
    const callsAfterFirst = engine.calls;
    const second = await s.render(request);
    expect(second.cached).toBe(true);
    expect(second.pcm).toBe(first.pcm);
    expect(saved.get(first.key)).toBe(first.pcm);
    const other = fresh(store); // empty memory, same store: no espeak call
    const third = await other.render(request);
    expect(third.cached).toBe(true);
    expect(engine.calls).toBe(callsAfterFirst);
    expect(third.pcm).toEqual(first.pcm);
  });

  it('spells identifiers by default (cache key follows the spoken text); opt-out keeps the raw text', async () => {
    const text = 'My order is #W2378156.';
    const spelled = await fresh().describe({ ...request, text });
    const raw = await fresh().describe({ ...request, text, spellIdentifiers: false });
    expect(spelled.spokenText).toBe('My order is W two three seven eight one five six.');
    expect(raw.spokenText).toBe(text);
    expect(spelled.key).not.toBe(raw.key);
  });

  it('names what was wrong on bad input', async () => {
    await expect(fresh().render({ ...request, text: '  ' })).rejects.toThrow(/empty/);
    await expect(fresh().render({ ...request, preset: 'radio' as never })).rejects.toThrow(/unknown preset "radio"/);
    await expect(fresh().render({ ...request, turn: -1 })).rejects.toThrow(/turn/);
    await expect(
      fresh().render({ ...request, voice: { language: 'xx-nope', variant: '', rateWpm: 160, pitch: 50, wordGap: 0 } }),
    ).rejects.toThrow(/voice does not exist/);
  });
});

describe('AudioLru', () => {
  it('evicts least recently used entries beyond its sample budget', async () => {
    const lru = new AudioLru(10);
    await lru.put('a', new Float32Array(4));
    await lru.put('b', new Float32Array(4));
    await lru.get('a'); // a is now most recent
    await lru.put('c', new Float32Array(4));
    expect(await lru.get('b')).toBeUndefined();
    expect(await lru.get('a')).toBeDefined();
    expect(await lru.get('c')).toBeDefined();
    await lru.put('huge', new Float32Array(11));
    expect(await lru.get('huge')).toBeUndefined();
    expect(lru.size).toBe(2);
  });
});
