// Speech episodes in training: a TrainEngine around another one (the CPU engine) that fills every
// sequence's audio slots with the CURRENT projector's rows (frozen encoder frames, looked up by their
// hearing key), passes ∂L/∂rows back into the projector, and steps the projector with its own AdamW
// at lr × projectorLrMultiplier after the adapter's step. Text sequences pass through untouched.
import type { AdamWHyper } from '../../reference/adamw.ts';
import { AudioProjector, type HeardSlot, type ProjectedRows } from '../../speech/projector.ts';
import type { TrainSequence } from '../../train/cpu/model.ts';
import { CpuAdamW, type AdamWSnapshot } from '../../train/optimizer.ts';
import type { AdamWStepReport } from './adamw-state.ts';
import type { FbResult, TrainEngine } from './engine.ts';
import type { RlSequence } from './sequences.ts';

/** Encoder frames of a heard turn (T × encoderDim), by its hearing key. */
export type FramesLookup = (key: string) => Promise<{ frames: Float32Array; T: number }>;

/**
 * The trainer's speech part from a hearing and the projector: frames are looked up by key in the
 * hearing's memory (the step's rollouts heard them, so they are still cached).
 */
export function speechTraining(
  s: { hearing: { memory: { get(key: string): { frames: Float32Array; T: number } | undefined } }; projector: AudioProjector },
  projectorLrMultiplier: number,
  frozen = false,
): SpeechTraining {
  const frames: FramesLookup = async (key) => {
    const f = s.hearing.memory.get(key);
    if (!f) throw new Error(`speech: the frames of heard turn ${key} left the hearing's cache before training (raise its maxFloats)`);
    return f;
  };
  return { projector: s.projector, frames, projectorLrMultiplier, frozen };
}

export interface SpeechTraining {
  projector: AudioProjector;
  frames: FramesLookup;
  /** The projector's learning rate is the run's lr × this (the multimodal warm-up's knob). */
  projectorLrMultiplier: number;
  /** Keep the projector fixed (e.g. text-only RL after alignment): its gradient is not computed. */
  frozen?: boolean;
}

export class SpeechTrainEngine implements TrainEngine {
  readonly kind: 'cpu' | 'webgpu';
  readonly optimizer: CpuAdamW;
  private grads = new Map<string, Float64Array>();

  constructor(
    private readonly inner: TrainEngine,
    private readonly speech: SpeechTraining,
  ) {
    this.kind = inner.kind;
    if (!(speech.projectorLrMultiplier > 0)) throw new Error(`speech: projectorLrMultiplier must be > 0, got ${speech.projectorLrMultiplier}`);
    // Clipping happens here per step (the adapter's optimizer clips its own gradient separately).
    this.optimizer = new CpuAdamW(speech.projector.params(), { weightDecay: 0 });
  }

  private async withRows(batch: readonly TrainSequence[]): Promise<{ seqs: TrainSequence[]; projected: (ProjectedRows | null)[] }> {
    const projected: (ProjectedRows | null)[] = [];
    const seqs: TrainSequence[] = [];
    for (const s of batch as readonly RlSequence[]) {
      if (!s.audio?.length) {
        projected.push(null);
        seqs.push(s);
        continue;
      }
      const slots: HeardSlot[] = [];
      for (const a of s.audio) {
        const f = await this.speech.frames(a.key);
        slots.push({ bos: a.bos, count: a.count, frames: f.frames, T: f.T });
      }
      const p = this.speech.projector.rows(slots);
      projected.push(p);
      const { audio: _audio, ...rest } = s;
      seqs.push({ ...rest, inputRows: p.rows });
    }
    return { seqs, projected };
  }

  async logprobs(batch: TrainSequence[], adapter: boolean, opts?: { hidden?: boolean }) {
    return this.inner.logprobs((await this.withRows(batch)).seqs, adapter, opts);
  }

  async forwardBackward(batch: TrainSequence[], entropyCoefs: readonly number[], extraGrads?: ReadonlyMap<string, Float64Array>): Promise<FbResult> {
    const { seqs, projected } = await this.withRows(batch);
    const r = await this.inner.forwardBackward(seqs, entropyCoefs, extraGrads);
    this.grads = new Map();
    if (!this.speech.frozen) {
      projected.forEach((p, i) => {
        if (!p) return;
        const d = r.inputGrads?.[i];
        if (!d) throw new Error(`speech: the ${this.inner.kind} training engine returned no input gradient for speech sequence ${i}`);
        this.speech.projector.backward(p, d, this.grads);
      });
    }
    return r;
  }

  async step(hyper: AdamWHyper, maxGradNorm: number | null, loss: number): Promise<AdamWStepReport> {
    const report = await this.inner.step(hyper, maxGradNorm, loss);
    if (!report.applied || this.grads.size === 0) return report;
    this.optimizer.opts.lr = hyper.lr * this.speech.projectorLrMultiplier;
    this.optimizer.opts.beta1 = hyper.beta1;
    this.optimizer.opts.beta2 = hyper.beta2;
    this.optimizer.opts.eps = hyper.eps;
    this.optimizer.opts.maxGradNorm = maxGradNorm ?? undefined;
    this.optimizer.step(this.grads, loss);
    return report;
  }

  optimizerSnapshot(): Promise<AdamWSnapshot> {
    return this.inner.optimizerSnapshot();
  }

  restoreOptimizer(s: AdamWSnapshot): Promise<void> {
    return this.inner.restoreOptimizer(s);
  }

  adapterChanged(): Promise<void> {
    return this.inner.adapterChanged();
  }

  dispose(): void {
    this.inner.dispose();
  }
}
