// The simulated user's text turn → 16 kHz mono Float32 speech: espeak-ng (seeded voice) → libsamplerate
// to 16 kHz → channel preset → content-hash cache. Environment-neutral: pass the Node or browser engine.
import { canonicalJson, sha256Hex, AudioLru, type AudioStore } from './cache.ts';
import type { EspeakEngine } from './espeak.ts';
import { applyChannel, presetByName, type PresetName } from './presets.ts';
import { createResampler, type Resampler } from './resample.ts';
import { speakableText } from './speakable.ts';
import { seededVoice, turnSeed, DEFAULT_VOICE_POOL, type SpeechTurnId, type VoiceParams, type VoicePool } from './voice.ts';

export const SPEECH_SAMPLE_RATE = 16_000;
/** Bump when anything that changes rendered samples changes (invalidates cached audio). */
export const RENDERER_VERSION = 'espeak-ng-1.52-dev/libsamplerate-medium/2'; // 2: fixed clock (reproducible renders)

export interface SpeechRequest extends SpeechTurnId {
  text: string;
  preset?: PresetName;
  voice?: VoiceParams; // overrides the seeded voice
  spellIdentifiers?: boolean; // read ids/emails as a caller would (speakable.ts); default true
}

export interface SpeechRender {
  pcm: Float32Array; // 16 kHz mono, in [-1, 1]
  sampleRate: typeof SPEECH_SAMPLE_RATE;
  durationS: number;
  voice: VoiceParams;
  preset: PresetName;
  spokenText: string; // what espeak was given (ids spelled out); the transcript stays request.text
  key: string; // content hash; also the cache key
  cached: boolean;
}

export interface SpeechSynthesizerOptions {
  store?: AudioStore; // persistent second level (IndexedDB in the studio)
  memory?: AudioLru;
  voicePool?: VoicePool;
}

export class SpeechSynthesizer {
  private resampler: Promise<Resampler> | undefined;
  private resamplerRate = 0;
  readonly memory: AudioLru;

  constructor(
    private readonly engine: EspeakEngine,
    private readonly options: SpeechSynthesizerOptions = {},
  ) {
    this.memory = options.memory ?? new AudioLru();
  }

  /** The voice and cache key a request resolves to, without rendering. */
  async describe(request: SpeechRequest): Promise<{ voice: VoiceParams; preset: PresetName; noiseSeed: number; spokenText: string; key: string }> {
    const preset = presetByName(request.preset ?? 'clean');
    const voice = request.voice ?? seededVoice(request, this.options.voicePool ?? DEFAULT_VOICE_POOL);
    const noiseSeed = turnSeed(request) ^ 0x5eed;
    if (typeof request.text !== 'string' || request.text.trim() === '') throw new Error('speech: text to speak is empty');
    const spokenText = request.spellIdentifiers === false ? request.text : speakableText(request.text);
    const key = await sha256Hex(canonicalJson({ v: RENDERER_VERSION, text: spokenText, voice, preset, noiseSeed }));
    return { voice, preset: preset.name, noiseSeed, spokenText, key };
  }

  async render(request: SpeechRequest): Promise<SpeechRender> {
    const { voice, preset, noiseSeed, spokenText, key } = await this.describe(request);
    const done = (pcm: Float32Array, cached: boolean): SpeechRender => ({
      pcm,
      sampleRate: SPEECH_SAMPLE_RATE,
      durationS: pcm.length / SPEECH_SAMPLE_RATE,
      voice,
      preset,
      spokenText,
      key,
      cached,
    });
    const inMemory = await this.memory.get(key);
    if (inMemory) return done(inMemory, true);
    const stored = await this.options.store?.get(key);
    if (stored) {
      await this.memory.put(key, stored);
      return done(stored, true);
    }
    const native = await this.engine.synthesize(spokenText, voice);
    const float = Float32Array.from(native.samples, (s) => s / 32768);
    const at16k = (await this.resamplerFor(native.sampleRate)).resample(float);
    const { audio } = applyChannel(at16k, presetByName(preset), SPEECH_SAMPLE_RATE, noiseSeed);
    await this.memory.put(key, audio);
    await this.options.store?.put(key, audio);
    return done(audio, false);
  }

  private resamplerFor(rate: number): Promise<Resampler> {
    if (!this.resampler || this.resamplerRate !== rate) {
      void this.resampler?.then((r) => r.destroy());
      this.resamplerRate = rate;
      this.resampler = createResampler(rate, SPEECH_SAMPLE_RATE);
    }
    return this.resampler;
  }

  dispose(): void {
    void this.resampler?.then((r) => r.destroy());
    this.resampler = undefined;
  }
}
