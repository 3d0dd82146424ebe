// Float64 copies of a model's weights for the CPU trainer, keyed by HF tensor names, and the way back
// to ModelWeights (so a fully fine-tuned small model can be saved as an HF folder).
import type { ModelConfig } from '../../model/config.ts';
import type { SafeTensor } from '../../model/safetensors.ts';
import { createModelWeights, expectedTensorShapes, type ModelWeights } from '../../model/weights.ts';

export interface TrainModel {
  config: ModelConfig;
  /** HF name → float64 values (row-major, HF shapes). */
  params: Map<string, Float64Array>;
}

export function trainModelFromWeights(w: ModelWeights): TrainModel {
  const params = new Map<string, Float64Array>();
  for (const name of expectedTensorShapes(w.config).keys()) params.set(name, Float64Array.from(w.tensor(name)));
  return { config: w.config, params };
}

export function param(m: TrainModel, name: string): Float64Array {
  const p = m.params.get(name);
  if (!p) throw new Error(`trainer: the model has no tensor "${name}"`);
  return p;
}

/** float32 ModelWeights holding the current parameters. */
export function trainModelToWeights(m: TrainModel, source = 'trained'): ModelWeights {
  const tensors = new Map<string, SafeTensor>();
  for (const [name, shape] of expectedTensorShapes(m.config)) {
    tensors.set(name, { dtype: 'F32', shape, data: new Uint8Array(Float32Array.from(param(m, name)).buffer) });
  }
  return createModelWeights(m.config, tensors, source);
}
