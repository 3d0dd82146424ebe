// The computation behind `tarl lora-grad`: loss L = −Σ_t log p(x_{t+1} | x_≤t) over every next-token
// position of one sequence, and ∂L/∂(every LoRA A and B), keyed by the adapter's tensor names as saved.
import type { ModelWeights } from '../model/weights.ts';
import { forwardBackward } from './cpu/model.ts';
import { trainModelFromWeights } from './cpu/params.ts';
import type { LoraAdapter } from './lora.ts';
import { peftTensorName } from './peft.ts';

export interface LoraGradOutput {
  loss: number;
  /** PEFT tensor name → gradient with the tensor's shape (lora_A: r × in, lora_B: out × r) */
  grads: Record<string, number[][]>;
}

function rows(a: ArrayLike<number>, nRows: number, nCols: number): number[][] {
  return Array.from({ length: nRows }, (_, i) => Array.from({ length: nCols }, (_, j) => a[i * nCols + j]!));
}

export function loraGradCpu(weights: ModelWeights, adapter: LoraAdapter, tokens: number[]): LoraGradOutput {
  const res = forwardBackward(trainModelFromWeights(weights), adapter, [{ tokens }], { mode: 'lora' });
  return { loss: res.loss, grads: formatLoraGrads(adapter, res.grads.lora) };
}

/** Gradients keyed by the adapter's tensor names as saved, shaped like the tensors. */
export function formatLoraGrads(adapter: LoraAdapter, lora: Map<string, { dA: ArrayLike<number>; dB: ArrayLike<number> }>): Record<string, number[][]> {
  const r = adapter.config.r;
  const grads: Record<string, number[][]> = {};
  for (const [path, m] of adapter.modules) {
    const g = lora.get(path);
    if (!g) throw new Error(`lora-grad: no gradient was produced for ${path}`);
    const names = adapter.savedNames?.get(path) ?? { A: peftTensorName(path, 'A'), B: peftTensorName(path, 'B') };
    grads[names.A] = rows(g.dA, r, m.inF);
    grads[names.B] = rows(g.dB, m.outF, r);
  }
  return grads;
}
