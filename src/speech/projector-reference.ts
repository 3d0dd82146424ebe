// Float64 CPU reference of the audio projector (Ultravox-style) and its backward:
// encoder frames (T × E) → stack k frames (⌈T/k⌉ × kE, last stack zero-padded) → RMSNorm(normIn)
// → gate/up Linear (F × kE each) → SwiGLU → down Linear (D × F) → RMSNorm(normOut) → audio tokens (N × D).
// The learned begin/end vectors live here too; the splice (splice-reference.ts) places them.
import { linearBackward } from '../reference/matmul_backward.ts';
import { rmsnormBackward, rmsnormForward } from '../reference/rmsnorm_backward.ts';
import { swigluBackward, swigluForward } from '../reference/swiglu_backward.ts';
import { rng } from '../reference/compare.ts';

export interface ProjectorConfig {
  encoderDim: number; // E
  stack: number; // k
  hidden: number; // F, SwiGLU width
  modelDim: number; // D, the policy's hidden size
  eps: number; // RMSNorm epsilon
}

export interface ProjectorWeights {
  normIn: Float64Array; // kE
  wGate: Float64Array; // F × kE
  wUp: Float64Array; // F × kE
  wDown: Float64Array; // D × F
  normOut: Float64Array; // D
  audioBegin: Float64Array; // D, placed at <|audio_bos|>
  audioEnd: Float64Array; // D, placed at <|audio_eos|>
}

export type ProjectorGrads = ProjectorWeights;

export const PROJECTOR_PARAMS = ['normIn', 'wGate', 'wUp', 'wDown', 'normOut', 'audioBegin', 'audioEnd'] as const;

export function projectorShapes(c: ProjectorConfig): Record<keyof ProjectorWeights, number> {
  const kE = c.stack * c.encoderDim;
  return {
    normIn: kE,
    wGate: c.hidden * kE,
    wUp: c.hidden * kE,
    wDown: c.modelDim * c.hidden,
    normOut: c.modelDim,
    audioBegin: c.modelDim,
    audioEnd: c.modelDim,
  };
}

function checkConfig(c: ProjectorConfig): void {
  for (const key of ['encoderDim', 'stack', 'hidden', 'modelDim'] as const) {
    if (!Number.isInteger(c[key]) || c[key] < 1) throw new Error(`projector: ${key} must be a positive integer, got ${c[key]}`);
  }
  if (!(c.eps > 0)) throw new Error(`projector: eps must be positive, got ${c.eps}`);
}

export function checkProjectorWeights(c: ProjectorConfig, w: ProjectorWeights): void {
  checkConfig(c);
  const shapes = projectorShapes(c);
  for (const name of PROJECTOR_PARAMS) {
    if (w[name]?.length !== shapes[name]) throw new Error(`projector: ${name} has ${w[name]?.length} values, expected ${shapes[name]}`);
  }
}

/** Norm gains 1, linears uniform ±1/√fan_in, begin/end vectors small random; reproducible per seed. */
export function initProjector(c: ProjectorConfig, seed: number): ProjectorWeights {
  checkConfig(c);
  const random = rng(seed);
  const uniform = (n: number, scale: number) => Float64Array.from({ length: n }, () => (random() * 2 - 1) * scale);
  const s = projectorShapes(c);
  const kE = c.stack * c.encoderDim;
  return {
    normIn: new Float64Array(s.normIn).fill(1),
    wGate: uniform(s.wGate, 1 / Math.sqrt(kE)),
    wUp: uniform(s.wUp, 1 / Math.sqrt(kE)),
    wDown: uniform(s.wDown, 1 / Math.sqrt(c.hidden)),
    normOut: new Float64Array(s.normOut).fill(1),
    audioBegin: uniform(s.audioBegin, 0.02),
    audioEnd: uniform(s.audioEnd, 0.02),
  };
}

export function zeroProjectorGrads(c: ProjectorConfig): ProjectorGrads {
  const s = projectorShapes(c);
  return Object.fromEntries(PROJECTOR_PARAMS.map((name) => [name, new Float64Array(s[name])])) as unknown as ProjectorGrads;
}

/** frames (T × E) → ⌈T/k⌉ × kE; token j holds frames jk … jk+k−1 side by side, zeros past T. */
export function stackFrames(frames: ArrayLike<number>, T: number, E: number, k: number): Float64Array {
  if (frames.length !== T * E) throw new Error(`stackFrames: frames have ${frames.length} values, expected ${T}×${E}`);
  if (!Number.isInteger(k) || k < 1) throw new Error(`stackFrames: stack size must be a positive integer, got ${k}`);
  const N = Math.ceil(T / k);
  const out = new Float64Array(N * k * E);
  for (let t = 0; t < T; t++) for (let e = 0; e < E; e++) out[t * E + e] = frames[t * E + e]!; // row-major: same flat order
  return out;
}

/** Backward of stackFrames: the inverse slice (padding positions get no gradient). */
export function unstackFramesGrad(dStacked: ArrayLike<number>, T: number, E: number): Float64Array {
  return Float64Array.from({ length: T * E }, (_, i) => dStacked[i]!);
}

export interface ProjectorCache {
  N: number;
  stacked: Float64Array;
  normed: Float64Array;
  gate: Float64Array;
  up: Float64Array;
  act: Float64Array;
  down: Float64Array;
}

function linear(x: Float64Array, W: Float64Array, T: number, inF: number, outF: number): Float64Array {
  const y = new Float64Array(T * outF);
  for (let t = 0; t < T; t++) {
    for (let o = 0; o < outF; o++) {
      let acc = 0;
      for (let i = 0; i < inF; i++) acc += x[t * inF + i]! * W[o * inF + i]!;
      y[t * outF + o] = acc;
    }
  }
  return y;
}

export function projectorForward(
  c: ProjectorConfig,
  w: ProjectorWeights,
  frames: ArrayLike<number>,
  T: number,
): { tokens: Float64Array; cache: ProjectorCache } {
  checkProjectorWeights(c, w);
  if (!Number.isInteger(T) || T < 1) throw new Error(`projector: need at least one encoder frame, got T = ${T}`);
  const kE = c.stack * c.encoderDim;
  const stacked = stackFrames(frames, T, c.encoderDim, c.stack);
  const N = stacked.length / kE;
  const normed = rmsnormForward(stacked, w.normIn, N, kE, c.eps);
  const gate = linear(normed, w.wGate, N, kE, c.hidden);
  const up = linear(normed, w.wUp, N, kE, c.hidden);
  const act = swigluForward(gate, up);
  const down = linear(act, w.wDown, N, c.hidden, c.modelDim);
  const tokens = rmsnormForward(down, w.normOut, N, c.modelDim, c.eps);
  return { tokens, cache: { N, stacked, normed, gate, up, act, down } };
}

/**
 * Accumulates dL/dweights into `grads` (begin/end are left to the splice) and returns dL/dframes (T × E),
 * which a frozen encoder ignores.
 */
export function projectorBackward(
  c: ProjectorConfig,
  w: ProjectorWeights,
  cache: ProjectorCache,
  dTokens: ArrayLike<number>,
  T: number,
  grads: ProjectorGrads,
): Float64Array {
  const { N } = cache;
  const kE = c.stack * c.encoderDim;
  if (dTokens.length !== N * c.modelDim) throw new Error(`projector: dTokens has ${dTokens.length} values, expected ${N}×${c.modelDim}`);
  const dDown = rmsnormBackward(cache.down, w.normOut, dTokens, N, c.modelDim, c.eps, grads.normOut).dx;
  const dAct = linearBackward(cache.act, w.wDown, dDown, N, c.hidden, c.modelDim, { dW: grads.wDown }).dx;
  const { dGate, dUp } = swigluBackward(cache.gate, cache.up, dAct);
  const dNormedGate = linearBackward(cache.normed, w.wGate, dGate, N, kE, c.hidden, { dW: grads.wGate }).dx;
  const dNormedUp = linearBackward(cache.normed, w.wUp, dUp, N, kE, c.hidden, { dW: grads.wUp }).dx;
  const dNormed = dNormedGate.map((v, i) => v + dNormedUp[i]!);
  const dStacked = rmsnormBackward(cache.stacked, w.normIn, dNormed, N, kE, c.eps, grads.normIn).dx;
  return unstackFramesGrad(dStacked, T, c.encoderDim);
}
