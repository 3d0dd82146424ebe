// The project's own small speech encoder (a Whisper-style convolutional stem): log-mel [nMels × T]
// → Conv1d(k3, s1, p1) → GELU → Conv1d(k3, s2, p1) → GELU → Linear → frames [T' × E], T' = ⌊(T − 1)/2⌋ + 1.
// GELU is the tanh form (gelu_pytorch_tanh) so the CPU reference, WGSL and ONNX agree exactly.
// Float64 forward here; onnx/encoder-export.ts writes the same graph to ONNX.
import { rng } from '../reference/compare.ts';
import { encoderFrameCount, WHISPER_ENCODER_CONVS } from './frames.ts';

export interface ConvEncoderConfig {
  nMels: number;
  channels: number; // C
  outDim: number; // E, what the projector reads
}

export interface ConvEncoderWeights {
  conv1W: Float64Array; // C × nMels × 3 (PyTorch Conv1d layout)
  conv1B: Float64Array; // C
  conv2W: Float64Array; // C × C × 3
  conv2B: Float64Array; // C
  projW: Float64Array; // E × C (out × in)
  projB: Float64Array; // E
}

export function geluTanh(x: number): number {
  return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
}

export function convEncoderShapes(c: ConvEncoderConfig): Record<keyof ConvEncoderWeights, number> {
  return {
    conv1W: c.channels * c.nMels * 3,
    conv1B: c.channels,
    conv2W: c.channels * c.channels * 3,
    conv2B: c.channels,
    projW: c.outDim * c.channels,
    projB: c.outDim,
  };
}

export function checkConvEncoder(c: ConvEncoderConfig, w: ConvEncoderWeights): void {
  for (const key of ['nMels', 'channels', 'outDim'] as const) {
    if (!Number.isInteger(c[key]) || c[key] < 1) throw new Error(`encoder: ${key} must be a positive integer, got ${c[key]}`);
  }
  const shapes = convEncoderShapes(c);
  for (const [name, size] of Object.entries(shapes) as [keyof ConvEncoderWeights, number][]) {
    if (w[name]?.length !== size) throw new Error(`encoder: ${name} has ${w[name]?.length} values, expected ${size}`);
  }
}

export function initConvEncoder(c: ConvEncoderConfig, seed: number): ConvEncoderWeights {
  const random = rng(seed);
  const s = convEncoderShapes(c);
  const uniform = (n: number, fanIn: number) => Float64Array.from({ length: n }, () => ((random() * 2 - 1) * Math.sqrt(3)) / Math.sqrt(fanIn));
  return {
    conv1W: uniform(s.conv1W, c.nMels * 3),
    conv1B: uniform(s.conv1B, c.nMels * 3),
    conv2W: uniform(s.conv2W, c.channels * 3),
    conv2B: uniform(s.conv2B, c.channels * 3),
    projW: uniform(s.projW, c.channels),
    projB: uniform(s.projB, c.channels),
  };
}

/** x: Cin × T (channels-first), W: Cout × Cin × 3, padding 1 → Cout × T_out. */
function conv1dK3(x: ArrayLike<number>, Cin: number, T: number, W: Float64Array, b: Float64Array, Cout: number, stride: number): { y: Float64Array; Tout: number } {
  const Tout = Math.floor((T + 2 - 3) / stride) + 1;
  const y = new Float64Array(Cout * Tout);
  for (let o = 0; o < Cout; o++) {
    for (let t = 0; t < Tout; t++) {
      let acc = b[o]!;
      for (let i = 0; i < Cin; i++) {
        for (let k = 0; k < 3; k++) {
          const src = t * stride + k - 1;
          if (src >= 0 && src < T) acc += W[(o * Cin + i) * 3 + k]! * x[i * T + src]!;
        }
      }
      y[o * Tout + t] = acc;
    }
  }
  return { y, Tout };
}

/** mel: nMels × T (LogMel.data layout) → T' × E. */
export function convEncoderForward(c: ConvEncoderConfig, w: ConvEncoderWeights, mel: ArrayLike<number>, T: number): { frames: Float64Array; T: number } {
  checkConvEncoder(c, w);
  if (mel.length !== c.nMels * T) throw new Error(`encoder: mel has ${mel.length} values, expected ${c.nMels}×${T}`);
  const h1 = conv1dK3(mel, c.nMels, T, w.conv1W, w.conv1B, c.channels, 1);
  const a1 = h1.y.map(geluTanh);
  const h2 = conv1dK3(a1, c.channels, h1.Tout, w.conv2W, w.conv2B, c.channels, 2);
  const a2 = h2.y.map(geluTanh);
  const Tout = h2.Tout;
  if (Tout !== encoderFrameCount(T, WHISPER_ENCODER_CONVS)) throw new Error('encoder: frame count disagrees with frames.ts');
  const frames = new Float64Array(Tout * c.outDim);
  for (let t = 0; t < Tout; t++) {
    for (let e = 0; e < c.outDim; e++) {
      let acc = w.projB[e]!;
      for (let ch = 0; ch < c.channels; ch++) acc += w.projW[e * c.channels + ch]! * a2[ch * Tout + t]!;
      frames[t * c.outDim + e] = acc;
    }
  }
  return { frames, T: Tout };
}
