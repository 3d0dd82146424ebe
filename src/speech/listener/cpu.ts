// The listener's forward and backward on the CPU in float32 typed arrays: im2col + row-major GEMMs
// with contiguous inner loops, which V8 runs several times faster than the direct-loop float64
// references (src/reference/conv1d.ts, gelu.ts) that the tests check this against. The WGSL engine
// (gpu.ts) computes the same thing with the conv1d/gelu/matmul kernels.
import { conv1dOutLength } from '../../reference/conv1d.ts';
import { geluTanhGrad } from '../../reference/gelu.ts';
import { geluTanh } from '../encoder-reference.ts';
import type { ListenerConfig, ListenerParams } from './config.ts';

/** cols[to, ci·K + k] = x[to·stride + k − pad, ci] (0 outside). */
export function im2col(x: Float32Array, T: number, Cin: number, K: number, stride: number, pad: number): { cols: Float32Array; Tout: number } {
  const Tout = conv1dOutLength(T, K, stride, pad);
  const cols = new Float32Array(Tout * Cin * K);
  for (let to = 0; to < Tout; to++) {
    const row = to * Cin * K;
    for (let k = 0; k < K; k++) {
      const t = to * stride + k - pad;
      if (t < 0 || t >= T) continue;
      for (let ci = 0; ci < Cin; ci++) cols[row + ci * K + k] = x[t * Cin + ci]!;
    }
  }
  return { cols, Tout };
}

/** Adjoint of im2col: dx[t, ci] = Σ dcols[to, ci·K + k] over to·stride + k − pad = t. */
export function col2im(dcols: Float32Array, Tout: number, T: number, Cin: number, K: number, stride: number, pad: number): Float32Array {
  const dx = new Float32Array(T * Cin);
  for (let to = 0; to < Tout; to++) {
    const row = to * Cin * K;
    for (let k = 0; k < K; k++) {
      const t = to * stride + k - pad;
      if (t < 0 || t >= T) continue;
      for (let ci = 0; ci < Cin; ci++) dx[t * Cin + ci]! += dcols[row + ci * K + k]!;
    }
  }
  return dx;
}

/** Y (M × N) = X (M × K) · Wᵀ (W: N × K) + b. */
function linearForward(x: Float32Array, w: Float32Array, b: Float32Array, M: number, N: number, K: number): Float32Array {
  const y = new Float32Array(M * N);
  for (let m = 0; m < M; m++) {
    const xo = m * K;
    for (let n = 0; n < N; n++) {
      const wo = n * K;
      let acc = b[n]!;
      for (let k = 0; k < K; k++) acc += x[xo + k]! * w[wo + k]!;
      y[m * N + n] = acc;
    }
  }
  return y;
}

/** dW (N × K) += dYᵀ · X, db += column sums of dY; returns dX = dY · W when wanted. */
function linearBackward(x: Float32Array, w: Float32Array, dy: Float32Array, dw: Float32Array, db: Float32Array, M: number, N: number, K: number, wantDx: boolean): Float32Array | null {
  const dx = wantDx ? new Float32Array(M * K) : null;
  for (let m = 0; m < M; m++) {
    const xo = m * K;
    for (let n = 0; n < N; n++) {
      const g = dy[m * N + n]!;
      if (g === 0) continue;
      db[n]! += g;
      const wo = n * K;
      for (let k = 0; k < K; k++) dw[wo + k]! += g * x[xo + k]!;
      if (dx) for (let k = 0; k < K; k++) dx[xo + k]! += g * w[wo + k]!;
    }
  }
  return dx;
}

export interface ListenerActivations {
  T: number;
  /** Per conv layer: its input length, im2col matrix, pre-activation and output length. */
  layers: { Tin: number; cols: Float32Array; z: Float32Array; Tout: number }[];
  hidden: Float32Array; // last GELU output (T' × C)
  frames: Float32Array; // T' × E
  logits: Float32Array; // T' × V
  Tprime: number;
}

const param = (p: ListenerParams, name: string) => {
  const v = p.get(name);
  if (!v) throw new Error(`listener: no parameter "${name}"`);
  return v;
};

/** mel: T × nMels, time-major. */
export function listenerForward(c: ListenerConfig, p: ListenerParams, mel: Float32Array, T: number): ListenerActivations {
  if (mel.length !== T * c.nMels) throw new Error(`listener: mel has ${mel.length} values, expected ${T} × ${c.nMels}`);
  let h = mel;
  let t = T;
  let cin = c.nMels;
  const layers: ListenerActivations['layers'] = [];
  c.convs.forEach((l, i) => {
    const { cols, Tout } = im2col(h, t, cin, l.kernel, l.stride, l.pad);
    if (Tout < 1) throw new Error(`listener: ${T} mel frames are too few for conv${i}`);
    const z = linearForward(cols, param(p, `conv${i}.weight`), param(p, `conv${i}.bias`), Tout, l.channels, cin * l.kernel);
    layers.push({ Tin: t, cols, z, Tout });
    h = Float32Array.from(z, geluTanh);
    t = Tout;
    cin = l.channels;
  });
  const frames = linearForward(h, param(p, 'proj.weight'), param(p, 'proj.bias'), t, c.outDim, cin);
  const logits = linearForward(frames, param(p, 'ctc.weight'), param(p, 'ctc.bias'), t, c.vocab, c.outDim);
  return { T, layers, hidden: h, frames, logits, Tprime: t };
}

/** Accumulates every parameter's gradient for d loss / d logits (T' × V) into `grads`. */
export function listenerBackward(c: ListenerConfig, p: ListenerParams, a: ListenerActivations, dLogits: ArrayLike<number>, grads: ListenerParams): void {
  const g = (name: string) => param(grads, name);
  const C = c.convs.at(-1)!.channels;
  const dl = Float32Array.from(dLogits);
  const dFrames = linearBackward(a.frames, param(p, 'ctc.weight'), dl, g('ctc.weight'), g('ctc.bias'), a.Tprime, c.vocab, c.outDim, true)!;
  let dh = linearBackward(a.hidden, param(p, 'proj.weight'), dFrames, g('proj.weight'), g('proj.bias'), a.Tprime, c.outDim, C, true)!;
  for (let i = c.convs.length - 1; i >= 0; i--) {
    const l = c.convs[i]!;
    const { Tin, cols, z, Tout } = a.layers[i]!;
    const cin = i === 0 ? c.nMels : c.convs[i - 1]!.channels;
    const dz = new Float32Array(z.length);
    for (let j = 0; j < z.length; j++) dz[j] = dh[j]! * geluTanhGrad(z[j]!);
    const dcols = linearBackward(cols, param(p, `conv${i}.weight`), dz, g(`conv${i}.weight`), g(`conv${i}.bias`), Tout, l.channels, cin * l.kernel, i > 0);
    if (i > 0) dh = col2im(dcols!, Tout, Tin, cin, l.kernel, l.stride, l.pad);
  }
}

export function zeroGrads(p: ListenerParams): ListenerParams {
  return new Map([...p].map(([k, v]) => [k, new Float32Array(v.length)]));
}
