// Comparing a kernel's output with its float64 CPU reference.

export interface Comparison {
  relError: number; // ‖a − b‖₂ / ‖b‖₂ (‖a − b‖₂ when b is all zeros)
  maxAbsError: number;
  maxAbsIndex: number;
  nonFinite: number; // entries of `actual` that are NaN/±Inf where the reference is finite
  length: number;
  ok: boolean;
}

export type Numeric = ArrayLike<number>;

/** NaN never passes: any non-finite output (where the reference is finite) fails regardless of tolerance. */
export function compare(actual: Numeric, expected: Numeric, tolerance: number): Comparison {
  if (actual.length !== expected.length) {
    throw new Error(`compare: length mismatch (actual ${actual.length}, expected ${expected.length})`);
  }
  let diff2 = 0;
  let ref2 = 0;
  let maxAbs = 0;
  let maxIdx = -1;
  let nonFinite = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const b = expected[i]!;
    if (!Number.isFinite(a) && Number.isFinite(b)) {
      nonFinite++;
      continue;
    }
    const d = Math.abs(a - b);
    diff2 += d * d;
    ref2 += b * b;
    if (d > maxAbs || maxIdx < 0) {
      maxAbs = d;
      maxIdx = i;
    }
  }
  const relError = ref2 > 0 ? Math.sqrt(diff2 / ref2) : Math.sqrt(diff2);
  return {
    relError,
    maxAbsError: maxAbs,
    maxAbsIndex: maxIdx,
    nonFinite,
    length: actual.length,
    ok: nonFinite === 0 && Number.isFinite(relError) && relError <= tolerance,
  };
}

export function describeComparison(c: Comparison): string {
  return `rel ${c.relError.toExponential(3)}, max abs ${c.maxAbsError.toExponential(3)} at [${c.maxAbsIndex}], non-finite ${c.nonFinite}/${c.length}`;
}

/** Deterministic PRNG (mulberry32) for test inputs: random, never zeros, reproducible per seed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Uniform values in [-scale, scale), with exact zeros nudged away so a missed write cannot hide. */
export function randomArray(n: number, seed: number, scale = 1): Float32Array {
  const r = rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const v = (r() * 2 - 1) * scale;
    out[i] = v === 0 ? scale * 1e-3 : v;
  }
  return out;
}
