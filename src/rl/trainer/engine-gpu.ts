// The WebGPU training engine: src/train/gpu's GpuTrainer (LoRA mode) for the training forward,
// backward and AdamW (guard and clipping on the device). After every applied update the adapter is
// copied back to the CPU (rollouts merge it; checkpoints save it).
// Checkpoints carry the device's AdamW moments and step count under the CPU optimizer's names
// (`<module>.lora_A` / `.lora_B`), so a WebGPU run resumes exactly (and checkpoints move between engines).
// PPO: the final hidden states come from the device (GpuTrainer's `hidden` / dHidden), the value
// head (hidden size + 1 values) updates on the CPU with the trainer's AdamW after each applied
// device update. Clipping is joint, as on the CPU: the adapters' gradient norm is read back, the
// clip scale of the joint norm computed, and the device's max norm set so that it applies that
// scale (to f32 rounding). Its moments ride in the same checkpoint.
// Speech: spliced input rows (inputRows) train here and return ∂L/∂rows (inputGrads).
// Teacher targets (distillation) add KL(q ‖ p) to the loss and its gradient, as on the CPU.
// Limits: one entropy coefficient per backward call, so a per-sequence entropy bonus (entropyCoef ≠ 0
// with sequence-mean aggregation) is refused.
import type { KernelRunner } from '../../gpu/runner.ts';
import type { ModelWeights } from '../../model/weights.ts';
import type { AdamWHyper } from '../../reference/adamw.ts';
import type { TrainSequence } from '../../train/cpu/model.ts';
import { GpuTrainer, type GpuOptimizerState } from '../../train/gpu/trainer.ts';
import type { LoraAdapter } from '../../train/lora.ts';
import { clipScale, globalGradNorm } from '../../reference/adamw.ts';
import type { AdamWSnapshot, AdamWStepReport, CheckpointableAdamW } from './adamw-state.ts';
import { VALUE_BIAS, VALUE_WEIGHT } from './value-head.ts';
import type { TrainEngine } from './engine.ts';

const VALUE_KEYS = [VALUE_WEIGHT, VALUE_BIAS];

/** A GpuTrainEngine on a WebGPU device of its own (Dawn in Node, navigator.gpu in a worker); the
 * rollouts' inference engine holds another. */
export async function createGpuTrainEngine(weights: ModelWeights, adapter: LoraAdapter, optimizer?: CheckpointableAdamW): Promise<GpuTrainEngine> {
  const [{ acquireGpu }, { KernelRunner }] = await Promise.all([import('../../gpu/device.ts'), import('../../gpu/runner.ts')]);
  return GpuTrainEngine.create(new KernelRunner(await acquireGpu()), weights, adapter, optimizer);
}

export class GpuTrainEngine implements TrainEngine {
  readonly kind = 'webgpu' as const;

  private valueGrads: Map<string, Float64Array> | null = null;

  /** `optimizer`: the trainer's CPU AdamW; needed for PPO (it holds the value head). */
  private constructor(readonly trainer: GpuTrainer, private readonly optimizer: CheckpointableAdamW | null) {}

  static async create(runner: KernelRunner, weights: ModelWeights, adapter: LoraAdapter, optimizer?: CheckpointableAdamW): Promise<GpuTrainEngine> {
    return new GpuTrainEngine(await GpuTrainer.create(runner, weights, adapter), optimizer ?? null);
  }

  private get hasValueHead(): boolean {
    return this.optimizer?.params.has(VALUE_WEIGHT) ?? false;
  }

  async logprobs(batch: TrainSequence[], adapter: boolean, opts: { hidden?: boolean } = {}) {
    return this.trainer.logprobs(batch, { adapter, hidden: opts.hidden ?? false });
  }

  async forwardBackward(batch: TrainSequence[], entropyCoefs: readonly number[], extraGrads?: ReadonlyMap<string, Float64Array>) {
    const extra = [...(extraGrads?.keys() ?? [])];
    const unknown = extra.find((k) => !VALUE_KEYS.includes(k) || !this.hasValueHead);
    if (unknown) throw new Error(`WebGPU trainer: gradient for "${unknown}", which this engine does not train (create it with the trainer's optimizer for PPO)`);
    this.valueGrads = extra.length ? new Map([...extraGrads!].map(([k, g]) => [k, Float64Array.from(g)])) : null;
    const beta = entropyCoefs[0] ?? 0;
    if (entropyCoefs.some((b) => b !== beta)) {
      throw new Error('WebGPU trainer: the entropy bonus differs per sequence (entropyCoef ≠ 0 with sequence-mean aggregation); use loss.aggregation token-mean or constant, or entropyCoef 0');
    }
    const r = await this.trainer.forwardBackward(batch, { entropyCoef: beta });
    return { loss: r.loss, logprobs: r.logprobs, ...(r.inputGrads ? { inputGrads: r.inputGrads } : {}) };
  }

  async step(hyper: AdamWHyper, maxGradNorm: number | null, loss: number): Promise<AdamWStepReport> {
    if (!Number.isFinite(loss)) return { applied: false, gradNorm: Number.NaN, clipScale: 0, skipped: 'non-finite loss' };
    const vg = this.valueGrads;
    const vNorm = vg ? globalGradNorm(vg.values()) : 0;
    if (!Number.isFinite(vNorm)) return { applied: false, gradNorm: vNorm, clipScale: 0, skipped: 'non-finite gradient' };
    let deviceMaxNorm = maxGradNorm;
    let scale = 1;
    if (vg && maxGradNorm !== null) {
      // Joint clipping: the device divides its max norm by its own ‖g‖ + 1e-6, so hand it scale·(‖g‖ + 1e-6).
      const loraNorm = globalGradNorm([...(await this.trainer.readGrads()).values()].flatMap((g) => [g.dA, g.dB]));
      scale = clipScale(Math.hypot(loraNorm, vNorm), maxGradNorm);
      deviceMaxNorm = scale < 1 ? scale * (loraNorm + 1e-6) : null;
    }
    const r = await this.trainer.step({ ...hyper, ...(deviceMaxNorm !== null ? { maxGradNorm: deviceMaxNorm } : {}) });
    const gradNorm = Math.hypot(r.gradNorm, vNorm);
    if (!r.applied) return { applied: false, gradNorm, clipScale: 0, skipped: Number.isFinite(r.loss) ? 'non-finite gradient' : 'non-finite loss' };
    await this.trainer.syncAdapter();
    if (vg) {
      this.optimizer!.hyper = hyper;
      this.optimizer!.maxGradNorm = null;
      this.optimizer!.step(new Map([...vg].map(([k, g]) => [k, g.map((x) => x * scale)])), loss);
    }
    return { applied: true, gradNorm, clipScale: vg ? scale : r.clipScale };
  }

  /** The device moments split per LoRA tensor, under the CPU optimizer's names (exact: f32 → f64). */
  async optimizerSnapshot(): Promise<AdamWSnapshot> {
    const s = await this.trainer.optimizerState();
    const m = new Map<string, Float64Array>();
    const v = new Map<string, Float64Array>();
    for (const { name, offset, size } of this.layout()) {
      m.set(name, Float64Array.from(s.m.subarray(offset, offset + size)));
      v.set(name, Float64Array.from(s.v.subarray(offset, offset + size)));
    }
    if (this.hasValueHead) {
      const cpu = this.optimizer!.snapshot();
      for (const k of VALUE_KEYS) {
        m.set(k, Float64Array.from(cpu.m.get(k)!));
        v.set(k, Float64Array.from(cpu.v.get(k)!));
      }
    }
    return { step: s.step, m, v };
  }

  async restoreOptimizer(s: AdamWSnapshot): Promise<void> {
    const n = this.trainer.paramCount;
    const state: GpuOptimizerState = { step: s.step, skippedSteps: 0, m: new Float32Array(n), v: new Float32Array(n) };
    for (const { name, offset, size } of this.layout()) {
      const m = s.m.get(name);
      const v = s.v.get(name);
      if (!m || !v || m.length !== size || v.length !== size) throw new Error(`WebGPU trainer: the checkpoint has no AdamW moments of the right size for "${name}"`);
      state.m.set(m, offset);
      state.v.set(v, offset);
    }
    await this.trainer.restoreOptimizerState(state);
    if (this.hasValueHead) this.optimizer!.restore(s); // the value head's moments (and the same step count)
  }

  /** Where each LoRA tensor sits in the device's flat parameter/moment buffers. */
  private layout(): { name: string; offset: number; size: number }[] {
    const lora = this.trainer.lora!;
    return lora.slots.flatMap((s) => [
      { name: `${s.path}.lora_A`, offset: s.aOff, size: lora.r * s.inF },
      { name: `${s.path}.lora_B`, offset: s.bOff, size: s.outF * lora.r },
    ]);
  }

  /** After a restore replaced the adapter's tensors on the CPU: upload them to the device. */
  async adapterChanged(): Promise<void> {
    this.trainer.uploadAdapter();
  }

  dispose(): void {}
}
