// Voice, rate and pitch for a simulated user's spoken turn, drawn from a seed derived from
// (task, turn, rollout) so that the same turn of the same rollout always sounds the same.
import { rng } from '../reference/compare.ts';

export interface VoiceParams {
  language: string; // espeak-ng voice, e.g. 'en-us'
  variant: string; // espeak-ng variant ('m1'…'f5'), '' for the voice's default
  rateWpm: number; // words per minute (espeak -s)
  pitch: number; // 0–99 (espeak -p)
  wordGap: number; // extra pause between words in units of 10 ms (espeak -g)
}

export interface SpeechTurnId {
  taskId: string | number;
  turn: number;
  rollout: number;
}

export interface VoicePool {
  languages: readonly string[];
  variants: readonly string[];
  rateWpm: readonly [number, number];
  pitch: readonly [number, number];
  wordGap: readonly [number, number];
}

/** English voices the stripped espeak-ng wasm build really renders (its klatt variants are compiled out). */
export const DEFAULT_VOICE_POOL: VoicePool = {
  languages: ['en-us', 'en'],
  variants: ['', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7', 'f1', 'f2', 'f3', 'f4', 'f5'],
  rateWpm: [140, 190],
  pitch: [35, 65],
  wordGap: [0, 2],
};

/** 32-bit FNV-1a of a string: a stable, dependency-free seed for the PRNG (not a security hash). */
export function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export function turnSeed(id: SpeechTurnId): number {
  if (!Number.isInteger(id.turn) || id.turn < 0) throw new Error(`speech: turn must be a non-negative integer, got ${id.turn}`);
  if (!Number.isInteger(id.rollout) || id.rollout < 0) throw new Error(`speech: rollout must be a non-negative integer, got ${id.rollout}`);
  return fnv1a32(`tarl-speech|${id.taskId}|${id.turn}|${id.rollout}`);
}

function intIn(random: () => number, [lo, hi]: readonly [number, number]): number {
  return lo + Math.floor(random() * (hi - lo + 1));
}

export function seededVoice(id: SpeechTurnId, pool: VoicePool = DEFAULT_VOICE_POOL): VoiceParams {
  if (pool.languages.length === 0 || pool.variants.length === 0) throw new Error('speech: voice pool has no languages or no variants');
  const random = rng(turnSeed(id));
  return {
    language: pool.languages[Math.floor(random() * pool.languages.length)]!,
    variant: pool.variants[Math.floor(random() * pool.variants.length)]!,
    rateWpm: intIn(random, pool.rateWpm),
    pitch: intIn(random, pool.pitch),
    wordGap: intIn(random, pool.wordGap),
  };
}
