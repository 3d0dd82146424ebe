// "Hearing" a simulated user's text turn: text → seeded espeak-ng speech (tts.ts) → a frozen encoder
// (the project's listener, or any FrameEncoder) → encoder frames T × dim, cached per (audio, encoder).
// Environment-neutral (no Node or DOM imports): Node persists through hearing-store-node.ts, the
// browser can back HearingStore with IndexedDB. A cache hit costs no rendering and no encoding.
import { canonicalJson, sha256Hex, SizedLru } from './cache.ts';
import { DEFAULT_STACK } from './frames.ts';
import type { PresetName } from './presets.ts';
import type { SpeechSynthesizer } from './tts.ts';
import type { SpeechTurnId, VoiceParams } from './voice.ts';
import type { SpokenTurn } from '../rollout/trajectory.ts';

/** Bump when the way frames are derived from audio changes outside the encoder (invalidates stores). */
export const HEARING_VERSION = 1;

/** A frozen speech encoder: 16 kHz mono PCM → frames (T × dim, row-major, time-major). */
export interface FrameEncoder {
  /** Names the exact weights and features (e.g. a hash of the model bytes): part of every cache key. */
  id: string;
  dim: number;
  framesPerSecond: number;
  encode(pcm16k: Float32Array): Promise<{ frames: Float32Array; T: number }>;
}

/** What the cache keeps per (audio, encoder): the frames and the audio length they came from. */
export interface HeardFrames {
  frames: Float32Array;
  T: number;
  dim: number;
  samples: number; // 16 kHz samples of the rendered audio
}

/** Persistent second level (Node: `.cache/hearing/`; browser: IndexedDB). Reads may return anything
 * damaged: UserTurnHearing validates every entry and re-computes on a bad one. */
export interface HearingStore {
  get(key: string): Promise<HeardFrames | undefined>;
  put(key: string, value: HeardFrames): Promise<void>;
}

export interface HearRequest extends SpeechTurnId {
  text: string;
  preset?: PresetName; // default: the hearing's preset
}

export interface HeardTurn {
  /** Cache key: SHA-256 of (HEARING_VERSION, audioKey, encoderId). */
  key: string;
  audioKey: string; // the TTS render's content hash
  encoderId: string;
  transcript: string; // the request's text
  spokenText: string; // what espeak was given (ids spelled out)
  voice: VoiceParams;
  preset: PresetName;
  samples: number;
  durationS: number;
  frames: Float32Array; // T × dim, row-major, time-major; shared with the cache: treat as read-only
  T: number;
  dim: number;
  stack: number;
  audioTokens: number; // ⌈T / stack⌉
  cached: boolean; // frames came from memory or the store (no render, no encode)
  /** The seeds the voice came from (task, turn, rollout): with the text and preset they replay the exact audio. */
  request: { taskId: string; turn: number; rollout: number };
}

export interface UserTurnHearingOptions {
  preset?: PresetName; // default 'clean'
  stack?: number; // encoder frames per audio token, default DEFAULT_STACK (4)
  /** In-memory LRU bound in floats (4 bytes each); default 4 Mi (≈ 16 MB, ≈ 45 min of 64-wide frames at 25 /s). */
  maxFloats?: number;
  store?: HearingStore;
  /** Store failures never fail a hear (the frames are still returned); default: console.warn. */
  onStoreError?: (error: unknown, key: string, op: 'get' | 'put') => void;
}

const SAMPLE_RATE = 16_000;

/** The trajectory's record of a heard turn that fills the slot at `bos` (`audioTokens` pads) of the token record. */
export function spokenTurnRecord(h: HeardTurn, turn: number, bos: number, audioTokens: number): SpokenTurn {
  return {
    turn, key: h.key, bos, audioTokens, encoderFrames: h.T, durationS: h.durationS, preset: h.preset, spokenText: h.spokenText,
    taskId: h.request.taskId, rollout: h.request.rollout, audioKey: h.audioKey,
  };
}

/** Heard frames in memory, bounded by the total number of frame floats. */
export class HeardFramesLru extends SizedLru<HeardFrames> {
  constructor(readonly maxFloats = 4 * 1024 * 1024) {
    if (!(maxFloats > 0)) throw new Error(`hearing: cache capacity must be a positive number of floats, got ${maxFloats}`);
    super(maxFloats, (v) => v.frames.length);
  }
}

/** Why an entry cannot be used (null when it can): shape, width, finiteness. */
export function heardFramesProblem(v: unknown, dim: number): string | null {
  if (!v || typeof v !== 'object') return 'not an object';
  const h = v as Partial<HeardFrames>;
  if (!(h.frames instanceof Float32Array)) return 'frames is not a Float32Array';
  if (!Number.isInteger(h.T) || h.T! < 0) return `T ${h.T} is not a non-negative integer`;
  if (h.dim !== dim) return `width ${h.dim}, the encoder's is ${dim}`;
  if (!Number.isInteger(h.samples) || h.samples! < 0) return `samples ${h.samples} is not a non-negative integer`;
  if (h.frames.length !== h.T! * dim) return `${h.frames.length} floats, expected ${h.T} × ${dim}`;
  for (let i = 0; i < h.frames.length; i++) if (!Number.isFinite(h.frames[i]!)) return `frame value ${i} is not finite`;
  return null;
}

export class UserTurnHearing {
  readonly memory: HeardFramesLru;
  readonly stack: number;
  readonly preset: PresetName;
  private readonly inFlight = new Map<string, Promise<HeardFrames>>();

  constructor(
    readonly synthesizer: SpeechSynthesizer,
    readonly encoder: FrameEncoder,
    private readonly options: UserTurnHearingOptions = {},
  ) {
    const stack = options.stack ?? DEFAULT_STACK;
    if (!Number.isInteger(stack) || stack < 1) throw new Error(`hearing: stack must be a positive integer, got ${stack}`);
    if (!Number.isInteger(encoder.dim) || encoder.dim < 1) throw new Error(`hearing: encoder "${encoder.id}" has an invalid width ${encoder.dim}`);
    this.stack = stack;
    this.preset = options.preset ?? 'clean';
    this.memory = new HeardFramesLru(options.maxFloats);
  }

  /** The cache key of a request's frames, without rendering (describe() only hashes). */
  async keyOf(request: HearRequest): Promise<{ key: string; audioKey: string }> {
    const d = await this.synthesizer.describe(this.speechRequest(request));
    return { key: await this.combinedKey(d.key), audioKey: d.key };
  }

  async hear(request: HearRequest): Promise<HeardTurn> {
    if (typeof request.text !== 'string' || request.text.trim() === '') throw new Error('hearing: the user turn text is empty');
    const speech = this.speechRequest(request);
    const d = await this.synthesizer.describe(speech);
    const key = await this.combinedKey(d.key);
    let heard = this.memory.get(key);
    let cached = true;
    if (!heard) {
      heard = await this.fromStore(key);
      if (heard) this.memory.put(key, heard);
    }
    if (!heard) {
      let pending = this.inFlight.get(key);
      if (!pending) {
        pending = this.compute(key, speech).finally(() => this.inFlight.delete(key));
        this.inFlight.set(key, pending);
        cached = false;
      }
      heard = await pending;
    }
    const { frames, T, dim, samples } = heard;
    return {
      key,
      audioKey: d.key,
      encoderId: this.encoder.id,
      transcript: request.text,
      request: { taskId: String(request.taskId), turn: request.turn, rollout: request.rollout },
      spokenText: d.spokenText,
      voice: d.voice,
      preset: d.preset,
      samples,
      durationS: samples / SAMPLE_RATE,
      frames,
      T,
      dim,
      stack: this.stack,
      audioTokens: Math.ceil(T / this.stack),
      cached,
    };
  }

  private speechRequest(r: HearRequest) {
    return { text: r.text, taskId: r.taskId, turn: r.turn, rollout: r.rollout, preset: r.preset ?? this.preset };
  }

  private combinedKey(audioKey: string): Promise<string> {
    return sha256Hex(canonicalJson({ v: HEARING_VERSION, audio: audioKey, encoder: this.encoder.id }));
  }

  private async compute(key: string, speech: ReturnType<UserTurnHearing['speechRequest']>): Promise<HeardFrames> {
    const audio = await this.synthesizer.render(speech);
    const out = await this.encoder.encode(audio.pcm);
    const heard: HeardFrames = { frames: out.frames, T: out.T, dim: this.encoder.dim, samples: audio.pcm.length };
    const problem = heardFramesProblem(heard, this.encoder.dim);
    if (problem) throw new Error(`hearing: encoder "${this.encoder.id}" returned unusable frames: ${problem}`);
    this.memory.put(key, heard);
    try {
      await this.options.store?.put(key, heard);
    } catch (e) {
      this.reportStoreError(e, key, 'put');
    }
    return heard;
  }

  private async fromStore(key: string): Promise<HeardFrames | undefined> {
    const store = this.options.store;
    if (!store) return undefined;
    try {
      const v = await store.get(key);
      if (v === undefined) return undefined;
      const problem = heardFramesProblem(v, this.encoder.dim);
      if (problem) throw new Error(`stored entry is unusable (${problem})`);
      return v;
    } catch (e) {
      this.reportStoreError(e, key, 'get'); // treated as a miss: the frames are computed again
      return undefined;
    }
  }

  private reportStoreError(e: unknown, key: string, op: 'get' | 'put'): void {
    if (this.options.onStoreError) this.options.onStoreError(e, key, op);
    else console.warn(`hearing: store ${op} for ${key.slice(0, 12)}… failed: ${e instanceof Error ? e.message : String(e)}`);
  }
}
