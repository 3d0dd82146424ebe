// The project's own speech encoder ("listener"): time-major Whisper log-mel (T × 80) → a stack of
// Conv1d + GELU layers (the first strides 4: 100 → 25 frames/s) → Linear → encoder frames (T' × E,
// what the projector reads) → Linear → CTC logits over CTC_ALPHABET (the training head, also used by
// the listening test). Weights: PyTorch layouts (Conv1d Cout × Cin × K, Linear out × in), float32.
import { rng } from '../../reference/compare.ts';
import { conv1dOutLength } from '../../reference/conv1d.ts';
import { CTC_VOCAB } from '../listening/corpus.ts';

export interface ConvLayer {
  channels: number;
  kernel: number;
  stride: number;
  pad: number;
}

export interface ListenerConfig {
  nMels: number;
  convs: ConvLayer[];
  /** E: the encoder frame size the projector reads. */
  outDim: number;
  /** CTC head outputs (blank + alphabet). */
  vocab: number;
}

/** 100 → 25 frames/s with 120 ms of context in the first layer; ≈ 0.44 s receptive field in all. */
export const LISTENER_SMALL: ListenerConfig = {
  nMels: 80,
  convs: [
    { channels: 96, kernel: 12, stride: 4, pad: 4 },
    { channels: 96, kernel: 5, stride: 1, pad: 2 },
    { channels: 96, kernel: 5, stride: 1, pad: 2 },
  ],
  outDim: 64,
  vocab: CTC_VOCAB,
};

export type ListenerParams = Map<string, Float32Array>;

export function listenerShapes(c: ListenerConfig): [string, number[]][] {
  const shapes: [string, number[]][] = [];
  let cin = c.nMels;
  c.convs.forEach((l, i) => {
    shapes.push([`conv${i}.weight`, [l.channels, cin, l.kernel]], [`conv${i}.bias`, [l.channels]]);
    cin = l.channels;
  });
  shapes.push(['proj.weight', [c.outDim, cin]], ['proj.bias', [c.outDim]], ['ctc.weight', [c.vocab, c.outDim]], ['ctc.bias', [c.vocab]]);
  return shapes;
}

export function checkListenerConfig(c: ListenerConfig): void {
  const pos = (v: number, what: string, min = 1) => {
    if (!Number.isInteger(v) || v < min) throw new Error(`listener config: ${what} must be an integer >= ${min}, got ${v}`);
  };
  pos(c.nMels, 'nMels');
  pos(c.outDim, 'outDim');
  pos(c.vocab, 'vocab', 2);
  if (!c.convs.length) throw new Error('listener config: at least one conv layer is needed');
  c.convs.forEach((l, i) => {
    pos(l.channels, `convs[${i}].channels`);
    pos(l.kernel, `convs[${i}].kernel`);
    pos(l.stride, `convs[${i}].stride`);
    pos(l.pad, `convs[${i}].pad`, 0);
  });
}

/** Encoder frames for T mel frames (0 when the input is shorter than the first kernel). */
export function listenerFrames(c: ListenerConfig, T: number): number {
  let t = T;
  for (const l of c.convs) {
    t = conv1dOutLength(t, l.kernel, l.stride, l.pad);
    if (t < 1) return 0;
  }
  return t;
}

/** Seeded init: Kaiming-uniform-like fan-in scaling (GELU layers), zero biases. */
export function initListener(c: ListenerConfig, seed: number): ListenerParams {
  checkListenerConfig(c);
  const random = rng(seed);
  const params: ListenerParams = new Map();
  for (const [name, shape] of listenerShapes(c)) {
    const n = shape.reduce((a, b) => a * b, 1);
    const p = new Float32Array(n);
    if (name.endsWith('.weight')) {
      const fanIn = n / shape[0]!;
      const bound = Math.sqrt(6 / fanIn) * (name.startsWith('conv') ? 1 : 0.5);
      for (let i = 0; i < n; i++) p[i] = (random() * 2 - 1) * bound;
    }
    params.set(name, p);
  }
  return params;
}

export function listenerParamCount(c: ListenerConfig): number {
  return listenerShapes(c).reduce((n, [, s]) => n + s.reduce((a, b) => a * b, 1), 0);
}
