// Full-weight supervised fine-tuning of the default model with the project's own engine: the WGSL
// trainer through Dawn (`webgpu`: GpuTrainer.createFull) or the float64 CPU trainer (`cpu`), AdamW
// with linear warm-up then cosine decay, mean token NLL over the trainable (assistant) positions.
import type { ModelWeights } from '../weights.ts';
import type { TrainSequence } from '../../train/cpu/model.ts';
import { forwardBackward } from '../../train/cpu/model.ts';
import { trainModelFromWeights, trainModelToWeights } from '../../train/cpu/params.ts';
import { CpuAdamW } from '../../train/optimizer.ts';
import type { KernelRunner } from '../../gpu/runner.ts';
import type { Demo } from './demos.ts';

export interface SftOptions {
  steps: number;
  /** Sequences per step. */
  batchSize: number;
  lr: number;
  warmupSteps: number;
  weightDecay: number;
  maxGradNorm: number;
  device: 'cpu' | 'webgpu';
  seed: number;
  /** webgpu: run on this runner (default: a device of its own from acquireGpu, released at the end). */
  runner?: KernelRunner;
  /** Called after every step (progress on stderr, the loss curve). */
  onStep?: (p: SftStep) => void;
}

export interface SftStep {
  step: number;
  loss: number;
  lr: number;
  tokens: number;
  seconds: number;
}

export interface SftResult {
  weights: ModelWeights;
  curve: SftStep[];
  seconds: number;
  trainedTokens: number;
}

/** Linear warm-up to `lr`, then cosine decay to 10% of it at the last step. */
export function learningRate(step: number, o: Pick<SftOptions, 'steps' | 'lr' | 'warmupSteps'>): number {
  if (step < o.warmupSteps) return (o.lr * (step + 1)) / o.warmupSteps;
  const span = Math.max(1, o.steps - o.warmupSteps);
  const p = Math.min(1, (step - o.warmupSteps) / span);
  return o.lr * (0.1 + 0.45 * (1 + Math.cos(Math.PI * p)));
}

/**
 * Cuts each demonstration into windows of at most `window` tokens that end on an assistant
 * completion (the positions before the window are dropped). Only for machines that cannot afford
 * the full context: RoPE attention is relative, but the model then never sees the whole system
 * prompt while training, which it does at run time — the README says so when it is used.
 */
export function windowDemos(demos: Demo[], window: number): Demo[] {
  const out: Demo[] = [];
  for (const d of demos) {
    if (d.tokens.length <= window) {
      out.push(d);
      continue;
    }
    // Completion spans over next-token positions.
    let t = 0;
    while (t < d.trainable.length) {
      if (!d.trainable[t]) {
        t++;
        continue;
      }
      let e = t;
      while (e < d.trainable.length && d.trainable[e]) e++;
      // positions [t, e) predict tokens t+1..e; the window holds tokens [start, e].
      const start = Math.max(0, e + 1 - window);
      const tokens = d.tokens.slice(start, e + 1);
      const trainable = d.trainable.slice(start, e);
      for (let i = 0; i < Math.max(0, t - start); i++) trainable[i] = 0;
      out.push({ source: `${d.source}@${start}`, tokens, trainable });
      t = e;
    }
  }
  return out;
}

function shuffled<T>(xs: T[], seed: number): T[] {
  const a = [...xs];
  let s = seed >>> 0 || 1;
  for (let i = a.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const j = s % (i + 1);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

/** Mean NLL: every trainable position weighs −1/(trainable positions in the batch). */
function meanNllBatch(batch: Demo[]): { seqs: TrainSequence[]; count: number } {
  const count = batch.reduce((s, d) => s + d.trainable.reduce((a, b) => a + b, 0), 0);
  if (count === 0) throw new Error('SFT: a batch has no trainable tokens');
  const seqs = batch.map((d) => ({ tokens: d.tokens, trainable: d.trainable, dLogprob: new Float64Array(d.trainable.length).fill(-1 / count) }));
  return { seqs, count };
}

export async function runSft(init: ModelWeights, demos: Demo[], o: SftOptions): Promise<SftResult> {
  if (!demos.length) throw new Error('SFT: no demonstrations');
  if (!Number.isInteger(o.steps) || o.steps < 1) throw new Error(`SFT: steps must be a positive integer (got ${o.steps})`);
  const started = Date.now();
  let order: Demo[] = [];
  let epoch = 0;
  const nextBatch = (): Demo[] => {
    const b: Demo[] = [];
    while (b.length < o.batchSize) {
      if (!order.length) order = shuffled(demos, o.seed + epoch++);
      b.push(order.pop()!);
    }
    return b;
  };
  const curve: SftStep[] = [];
  let trainedTokens = 0;
  const record = (step: number, loss: number, lr: number, tokens: number) => {
    trainedTokens += tokens;
    const p = { step, loss, lr, tokens, seconds: (Date.now() - started) / 1000 };
    curve.push(p);
    o.onStep?.(p);
  };
  const hyper = { weightDecay: o.weightDecay, maxGradNorm: o.maxGradNorm };
  if (o.device === 'cpu') {
    const model = trainModelFromWeights(init);
    const opt = new CpuAdamW(model.params, { ...hyper, lr: o.lr });
    for (let step = 0; step < o.steps; step++) {
      const { seqs, count } = meanNllBatch(nextBatch());
      const r = forwardBackward(model, null, seqs, { mode: 'full' });
      opt.opts.lr = learningRate(step, o);
      opt.step(r.grads.weights, r.loss);
      record(step, r.loss, opt.opts.lr, count);
    }
    return { weights: trainModelToWeights(model, 'sft'), curve, seconds: (Date.now() - started) / 1000, trainedTokens };
  }
  const { acquireGpu } = await import('../../gpu/device.ts');
  const { KernelRunner } = await import('../../gpu/runner.ts');
  const { GpuTrainer } = await import('../../train/gpu/trainer.ts');
  const { createModelWeights, expectedTensorShapes } = await import('../weights.ts');
  const ctx = o.runner ? null : await acquireGpu();
  try {
    const trainer = await GpuTrainer.createFull(o.runner ?? new KernelRunner(ctx!), init);
    for (let step = 0; step < o.steps; step++) {
      const { seqs, count } = meanNllBatch(nextBatch());
      const r = await trainer.forwardBackward(seqs);
      const lr = learningRate(step, o);
      await trainer.step({ ...hyper, lr });
      record(step, r.loss, lr, count);
    }
    const params = await trainer.readWeights();
    const tensors = new Map([...expectedTensorShapes(init.config)].map(([name, shape]) => {
      const v = params.get(name);
      if (!v) throw new Error(`SFT: the GPU trainer returned no tensor "${name}"`);
      return [name, { dtype: 'F32' as const, shape, data: new Uint8Array(v.buffer, v.byteOffset, v.byteLength) }];
    }));
    return { weights: createModelWeights(init.config, tensors, 'sft'), curve, seconds: (Date.now() - started) / 1000, trainedTokens };
  } finally {
    ctx?.destroy();
  }
}
