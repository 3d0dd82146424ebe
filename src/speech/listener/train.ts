// CTC training of the listener on rendered feature sets, on either engine (WGSL or CPU), and the
// listening test: greedy CTC transcripts of held-out renders, exact match per identifier kind.
// The optimizer (AdamW with global-norm clipping, src/reference/adamw.ts) runs on the CPU: the model
// is small and its gradients are read back once per step.
import { adamwUpdate, clipScale, globalGradNorm, type AdamWHyper } from '../../reference/adamw.ts';
import { rng } from '../../reference/compare.ts';
import { decodeLabel, encodeLabel, shuffled } from '../listening/corpus.ts';
import { ctcGreedyDecode, ctcLoss } from '../listening/ctc.ts';
import type { FeatureEntry, FeatureSet } from '../listening/features.ts';
import type { ListenerConfig, ListenerParams } from './config.ts';
import { listenerBackward, listenerForward, zeroGrads, type ListenerActivations } from './cpu.ts';

export interface ListenerEngine {
  readonly kind: 'cpu' | 'webgpu';
  forward(mel: Float32Array, T: number): Promise<{ logits: Float32Array; Tprime: number }>;
  /** Accumulates gradients of the last forward. */
  backward(dLogits: Float32Array): Promise<void>;
  readGrads(): Promise<ListenerParams>;
  zeroGrads(): void;
  setParams(p: ListenerParams): void;
  dispose?(): void;
}

export class ListenerCpu implements ListenerEngine {
  readonly kind = 'cpu' as const;
  private last: ListenerActivations | null = null;
  private grads: ListenerParams;
  private params: ListenerParams;

  constructor(private readonly config: ListenerConfig, params: ListenerParams) {
    this.params = params;
    this.grads = zeroGrads(params);
  }

  async forward(mel: Float32Array, T: number) {
    this.last = listenerForward(this.config, this.params, mel, T);
    return { logits: this.last.logits, Tprime: this.last.Tprime };
  }
  async backward(dLogits: Float32Array) {
    if (!this.last) throw new Error('listener: backward before forward');
    listenerBackward(this.config, this.params, this.last, dLogits, this.grads);
  }
  async readGrads() {
    return this.grads;
  }
  zeroGrads() {
    this.grads = zeroGrads(this.params);
  }
  setParams(p: ListenerParams) {
    this.params = p;
  }
}

const melOf = (set: FeatureSet, e: FeatureEntry) => set.data.subarray(e.offset * set.nMels, (e.offset + e.frames) * set.nMels);

/** SpecAugment-style masking (one frequency band, a few time spans), seeded: voices vary less than real callers. */
function augment(mel: Float32Array, T: number, nMels: number, random: () => number): Float32Array {
  const out = mel.slice();
  const f = Math.floor(random() * 9);
  const f0 = Math.floor(random() * (nMels - f));
  for (let t = 0; t < T; t++) for (let m = f0; m < f0 + f; m++) out[t * nMels + m] = 0;
  for (let k = Math.floor(T / 300); k >= 0; k--) {
    const w = Math.floor(random() * 8);
    const t0 = Math.floor(random() * Math.max(1, T - w));
    for (let t = t0; t < t0 + w; t++) for (let m = 0; m < nMels; m++) out[t * nMels + m] = 0;
  }
  return out;
}

export interface ListenerTrainOptions {
  steps: number;
  batch: number;
  adamw: AdamWHyper;
  warmup: number;
  maxGradNorm: number;
  seed: number;
  augment: boolean;
  onStep?: (s: { step: number; loss: number; gradNorm: number; lr: number; frames: number }) => void;
  /** Called every `evalEvery` steps (and at the end) with the step; its result is not used. */
  onEval?: (step: number) => Promise<void>;
  evalEvery?: number;
}

/** Trains `params` in place; returns the per-step mean loss (per label symbol). */
export async function trainListener(config: ListenerConfig, params: ListenerParams, engine: ListenerEngine, data: FeatureSet, o: ListenerTrainOptions): Promise<number[]> {
  const random = rng(o.seed);
  const order: number[] = [];
  const m = new Map([...params].map(([k, v]) => [k, new Float32Array(v.length)]));
  const v = new Map([...params].map(([k, x]) => [k, new Float32Array(x.length)]));
  const losses: number[] = [];
  for (let step = 1; step <= o.steps; step++) {
    engine.zeroGrads();
    let loss = 0;
    let frames = 0;
    let counted = 0;
    for (let b = 0; b < o.batch; b++) {
      if (!order.length) order.push(...shuffled(data.entries.map((_, i) => i), random));
      const e = data.entries[order.pop()!]!;
      const mel = o.augment ? augment(melOf(data, e), e.frames, data.nMels, random) : melOf(data, e);
      const { logits, Tprime } = await engine.forward(mel, e.frames);
      const label = encodeLabel(e.label);
      const r = ctcLoss(logits, Tprime, config.vocab, label);
      if (!Number.isFinite(r.loss)) continue; // the label does not fit the frames: nothing to learn
      const scale = 1 / (o.batch * label.length);
      const d = new Float32Array(r.grad.length);
      for (let i = 0; i < d.length; i++) d[i] = r.grad[i]! * scale;
      await engine.backward(d);
      loss += r.loss / label.length;
      frames += e.frames;
      counted++;
    }
    const grads = await engine.readGrads();
    const norm = globalGradNorm(grads.values());
    const lr = o.adamw.lr * Math.min(1, step / Math.max(1, o.warmup)) * (0.1 + 0.9 * 0.5 * (1 + Math.cos((Math.PI * step) / o.steps)));
    if (Number.isFinite(norm) && counted) {
      const scale = clipScale(norm, o.maxGradNorm);
      for (const [name, p] of params) adamwUpdate(p, grads.get(name)!, m.get(name)!, v.get(name)!, step, { ...o.adamw, lr, weightDecay: name.endsWith('.bias') ? 0 : o.adamw.weightDecay }, scale);
      engine.setParams(params);
    }
    losses.push(counted ? loss / counted : Number.NaN);
    o.onStep?.({ step, loss: losses.at(-1)!, gradNorm: norm, lr, frames });
    if (o.onEval && o.evalEvery && step % o.evalEvery === 0 && step < o.steps) await o.onEval(step);
  }
  return losses;
}

export interface ListeningResult {
  total: number;
  exact: number;
  byKind: Record<string, { n: number; exact: number; rate: number }>;
  /** Character error rate (edit distance / label length) over all items. */
  cer: number;
  examples: { label: string; heard: string; kind?: string; preset: string }[];
}

function editDistance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0]!;
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = d[j]!;
      d[j] = Math.min(d[j]! + 1, d[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return d[b.length]!;
}

/** Greedy CTC transcripts of every held-out render, scored by exact match (the figure). */
export async function listeningTest(transcribe: (mel: Float32Array, T: number) => Promise<number[]>, data: FeatureSet): Promise<ListeningResult> {
  const byKind: ListeningResult['byKind'] = {};
  const examples: ListeningResult['examples'] = [];
  let exact = 0;
  let edits = 0;
  let chars = 0;
  for (const e of data.entries) {
    const heard = decodeLabel(await transcribe(melOf(data, e), e.frames));
    const ok = heard === e.label;
    const k = (byKind[e.kind ?? 'other'] ??= { n: 0, exact: 0, rate: 0 });
    k.n++;
    if (ok) k.exact++, exact++;
    edits += editDistance(heard, e.label);
    chars += e.label.length;
    examples.push({ label: e.label, heard, ...(e.kind ? { kind: e.kind } : {}), preset: e.preset });
  }
  for (const k of Object.values(byKind)) k.rate = k.exact / k.n;
  return { total: data.entries.length, exact, byKind, cer: chars ? edits / chars : 0, examples };
}

/** A transcriber over an engine: forward, then best-path decoding. */
export const engineTranscriber = (engine: ListenerEngine, vocab: number) => async (mel: Float32Array, T: number) => {
  const { logits, Tprime } = await engine.forward(mel, T);
  return ctcGreedyDecode(logits, Tprime, vocab);
};
