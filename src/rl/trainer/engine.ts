// Where the training forward/backward and the optimizer run. The CPU engine is the float64 trainer
// of src/train/cpu with the checkpointable AdamW; the WebGPU engine (engine-gpu.ts) wraps
// src/train/gpu's GpuTrainer. Both keep `adapter` (float64, on the CPU) current after each update:
// rollouts merge it into the generation weights and checkpoints save it.
import type { AdamWHyper } from '../../reference/adamw.ts';
import { forwardBackward, sequenceLogprobs, type TrainSequence } from '../../train/cpu/model.ts';
import type { TrainModel } from '../../train/cpu/params.ts';
import type { LoraAdapter } from '../../train/lora.ts';
import { loraGradMap } from '../../train/optimizer.ts';
import type { AdamWSnapshot, AdamWStepReport, CheckpointableAdamW } from './adamw-state.ts';

export interface TrainEngine {
  readonly kind: 'cpu' | 'webgpu';
  /**
   * Per-token log-probs and entropies with the adapter (the policy) or without it (the reference) —
   * meaningful at `trainable` positions only (the CPU engine leaves the others NaN: RL never reads them);
   * with `hidden`, also the final hidden states after the final RMSNorm (T × D per sequence, for PPO's value head).
   */
  logprobs(batch: TrainSequence[], adapter: boolean, opts?: { hidden?: boolean }): Promise<{ logprobs: Float64Array[]; entropies: Float64Array[]; hidden?: Float64Array[] }>;
  /**
   * Gradient of Σ_seq L_seq (fresh: earlier gradients are dropped); one entropy coefficient per
   * sequence. Sequences may carry dHidden (a head on the final hidden state); `extraGrads` are
   * gradients of parameters outside the model (the value head) that the next step() applies too.
   */
  forwardBackward(batch: TrainSequence[], entropyCoefs: readonly number[], extraGrads?: ReadonlyMap<string, Float64Array>): Promise<FbResult>;
  /** AdamW on the last gradient unless loss or gradient is not finite. */
  step(hyper: AdamWHyper, maxGradNorm: number | null, loss: number): Promise<AdamWStepReport>;
  optimizerSnapshot(): Promise<AdamWSnapshot>;
  restoreOptimizer(s: AdamWSnapshot): Promise<void>;
  /** After the adapter's tensors were replaced on the CPU (restore): push them to the engine. */
  adapterChanged(): Promise<void>;
  dispose(): void;
}

export interface FbResult {
  loss: number;
  logprobs: Float64Array[];
  /** Per sequence with inputRows (null otherwise): ∂L/∂rows (the speech projector's input). */
  inputGrads?: (Float64Array | null)[];
}

export class CpuTrainEngine implements TrainEngine {
  readonly kind = 'cpu' as const;
  private grads = new Map<string, Float64Array>();

  constructor(
    private readonly model: TrainModel,
    private readonly adapter: LoraAdapter,
    private readonly optimizer: CheckpointableAdamW,
  ) {}

  async logprobs(batch: TrainSequence[], adapter: boolean, opts: { hidden?: boolean } = {}) {
    // The LM head only where RL reads it: the policy's tokens.
    const o = { returnHidden: opts.hidden ?? false, neededLogitsOnly: true };
    if (adapter) return sequenceLogprobs(this.model, this.adapter, batch, o);
    this.adapter.enabled = false;
    try {
      return sequenceLogprobs(this.model, null, batch, o);
    } finally {
      this.adapter.enabled = true;
    }
  }

  async forwardBackward(batch: TrainSequence[], entropyCoefs: readonly number[], extraGrads?: ReadonlyMap<string, Float64Array>) {
    this.grads = new Map();
    for (const [k, g] of extraGrads ?? []) this.grads.set(k, Float64Array.from(g));
    let loss = 0;
    const logprobs: Float64Array[] = [];
    const inputGrads = batch.map(() => null as Float64Array | null);
    // One call per sequence: the entropy coefficient (its aggregation weight) differs per sequence.
    batch.forEach((seq, i) => {
      const r = forwardBackward(this.model, this.adapter, [seq], { mode: 'lora', entropyCoef: entropyCoefs[i] ?? 0, neededLogitsOnly: true });
      loss += r.loss;
      logprobs.push(r.logprobs[0]!);
      inputGrads[i] = r.inputGrads?.[0] ?? null;
      for (const [k, g] of loraGradMap(r.grads)) {
        const acc = this.grads.get(k);
        if (!acc) this.grads.set(k, Float64Array.from(g));
        else for (let j = 0; j < g.length; j++) acc[j] += g[j]!;
      }
    });
    return { loss, logprobs, ...(batch.some((s) => s.inputRows) ? { inputGrads } : {}) };
  }

  async step(hyper: AdamWHyper, maxGradNorm: number | null, loss: number): Promise<AdamWStepReport> {
    this.optimizer.hyper = hyper;
    this.optimizer.maxGradNorm = maxGradNorm;
    return this.optimizer.step(this.grads, loss);
  }

  async optimizerSnapshot() {
    return this.optimizer.snapshot();
  }

  async restoreOptimizer(s: AdamWSnapshot) {
    this.optimizer.restore(s);
  }

  async adapterChanged() {}

  dispose() {}
}
