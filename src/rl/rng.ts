// Seedable, serializable PRNG for the trainer: every random choice of a run (task order, math
// problems, sampling seeds) comes from one of these, so saving its state in a checkpoint makes
// `--resume` draw exactly the batches an uninterrupted run would have drawn.
//
// Algorithm: xoshiro128** (Blackman & Vigna, public-domain reference), seeded through splitmix32
// so nearby integer seeds give unrelated streams. Its whole state is four uint32 words.

export interface RngState {
  algorithm: 'xoshiro128**';
  s: [number, number, number, number];
}

/** splitmix32 step: scrambles a 32-bit counter into a well-mixed word (for seeding only). */
function splitmix32(x: number): [next: number, out: number] {
  const next = (x + 0x9e3779b9) >>> 0;
  let z = next;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return [next, (z ^ (z >>> 16)) >>> 0];
}

/** 32-bit FNV-1a of a string: turns fork labels into seed material, fingerprints task lists. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

const rotl = (x: number, k: number) => ((x << k) | (x >>> (32 - k))) >>> 0;

export class Rng {
  private s: Uint32Array;

  private constructor(words: ArrayLike<number>) {
    this.s = Uint32Array.from(words);
    if (this.s.every((w) => w === 0)) throw new Error('Rng: the all-zero state is invalid for xoshiro128**');
  }

  /** A generator from any integer seed (safe integers; negative and large values are fine). */
  static fromSeed(seed: number): Rng {
    if (!Number.isSafeInteger(seed)) throw new Error(`Rng.fromSeed: seed must be a safe integer, got ${seed}`);
    // Feed both 32-bit halves of the seed so seeds differing only above bit 32 differ.
    let x = (seed >>> 0) ^ fnv1a(String(Math.floor(seed / 2 ** 32)));
    const words: number[] = [];
    for (let i = 0; i < 4; i++) {
      const [next, out] = splitmix32(x);
      x = next;
      words.push(out);
    }
    return new Rng(words);
  }

  static fromState(state: RngState): Rng {
    if (!state || state.algorithm !== 'xoshiro128**') {
      throw new Error(`Rng.fromState: unsupported algorithm ${JSON.stringify(state?.algorithm)}`);
    }
    if (!Array.isArray(state.s) || state.s.length !== 4 || !state.s.every((w) => Number.isInteger(w) && w >= 0 && w < 2 ** 32)) {
      throw new Error('Rng.fromState: state.s must be four uint32 words');
    }
    return new Rng(state.s);
  }

  /** Plain-JSON snapshot; `Rng.fromState(r.state())` continues with the identical sequence. */
  state(): RngState {
    const [a, b, c, d] = this.s;
    return { algorithm: 'xoshiro128**', s: [a!, b!, c!, d!] };
  }

  clone(): Rng {
    return new Rng(this.s);
  }

  /** Uniform uint32. */
  nextU32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1]!, 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1]! << 9) >>> 0;
    s[2] ^= s[0]!;
    s[3] ^= s[1]!;
    s[1] ^= s[2]!;
    s[0] ^= s[3]!;
    s[2] ^= t;
    s[3] = rotl(s[3]!, 11);
    return result;
  }

  /** Uniform float in [0, 1) with 53 random bits. */
  float(): number {
    const hi = this.nextU32() >>> 5; // 27 bits
    const lo = this.nextU32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform integer in [lo, hi] (inclusive), unbiased (rejection sampling). */
  int(lo: number, hi: number): number {
    if (!Number.isSafeInteger(lo) || !Number.isSafeInteger(hi) || hi < lo) {
      throw new Error(`Rng.int: need integers lo <= hi, got [${lo}, ${hi}]`);
    }
    const span = hi - lo + 1;
    if (span > 2 ** 32) throw new Error(`Rng.int: range [${lo}, ${hi}] wider than 2^32`);
    if (span === 2 ** 32) return lo + this.nextU32();
    const limit = 2 ** 32 - (2 ** 32 % span);
    for (;;) {
      const x = this.nextU32();
      if (x < limit) return lo + (x % span);
    }
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('Rng.pick: empty list');
    return items[this.int(0, items.length - 1)]!;
  }

  /** Index drawn with probability proportional to weights[i] (non-negative, not all zero). */
  weightedIndex(weights: readonly number[]): number {
    let total = 0;
    for (const w of weights) {
      if (!(w >= 0) || !Number.isFinite(w)) throw new Error(`Rng.weightedIndex: bad weight ${w}`);
      total += w;
    }
    if (total <= 0) throw new Error('Rng.weightedIndex: weights sum to zero');
    let x = this.float() * total;
    for (let i = 0; i < weights.length; i++) {
      x -= weights[i]!;
      if (x < 0 && weights[i]! > 0) return i;
    }
    for (let i = weights.length - 1; i >= 0; i--) if (weights[i]! > 0) return i; // rounding at the top end
    return weights.length - 1;
  }

  /** Fisher–Yates shuffle in place; returns the same array. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      [items[i], items[j]] = [items[j]!, items[i]!];
    }
    return items;
  }

  /**
   * An independent child generator for a named purpose (e.g. 'math', 'sampling'): consumes no
   * draws from this one, so adding a new consumer does not shift existing streams.
   */
  fork(label: string): Rng {
    let x = (this.s[0]! ^ fnv1a(label)) >>> 0;
    const words: number[] = [];
    for (let i = 0; i < 4; i++) {
      const [next, out] = splitmix32(x ^ this.s[(i + 1) % 4]!);
      x = next;
      words.push(out);
    }
    return new Rng(words);
  }
}
