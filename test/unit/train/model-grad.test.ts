import { describe, it, expect } from 'vitest';
import { expectGradient } from './fd.ts';
import { randomTrainModel, tinyConfig } from './tiny-model.ts';
import { createLora, LORA_TARGETS } from '../../../src/train/lora.ts';
import { forwardBackward, sequenceLogprobs, type TrainSequence } from '../../../src/train/cpu/model.ts';

const batch: TrainSequence[] = [
  { tokens: [3, 17, 5, 28, 1, 9], trainable: [1, 0, 1, 1, 1], dLogprob: [-1, -1, 0.7, -0.4, -1.3] },
  { tokens: [12, 4, 4, 20] },
];

describe('whole-model float64 gradients vs finite differences', () => {
  for (const arch of ['qwen2', 'qwen3'] as const) {
    it(`${arch}: LoRA A/B on all 7 projections (masked, per-token dLogprob, entropy bonus)`, () => {
      const model = randomTrainModel(tinyConfig(arch), 3);
      const adapter = createLora(model.config, { r: 3, alpha: 6, targets: [...LORA_TARGETS] }, { init: 'random', seed: 5, randomScale: 0.3 });
      const opts = { mode: 'lora' as const, entropyCoef: 0.05 };
      const res = forwardBackward(model, adapter, batch, opts);
      const f = () => forwardBackward(model, adapter, batch, { ...opts, mode: 'none' }).loss;
      expect(res.grads.lora.size).toBe(14);
      for (const path of ['model.layers.0.self_attn.q_proj', 'model.layers.0.self_attn.k_proj', 'model.layers.1.self_attn.v_proj', 'model.layers.1.self_attn.o_proj', 'model.layers.0.mlp.gate_proj', 'model.layers.1.mlp.up_proj', 'model.layers.0.mlp.down_proj']) {
        const m = adapter.modules.get(path)!;
        const g = res.grads.lora.get(path)!;
        expectGradient(`${path}.lora_A`, f, m.A, g.dA, { maxChecks: 12, tol: 1e-5 });
        expectGradient(`${path}.lora_B`, f, m.B, g.dB, { maxChecks: 12, tol: 1e-5 });
      }
    });

    it(`${arch}: full-weight mode (every matrix, bias, norm and the embedding)`, () => {
      const model = randomTrainModel(tinyConfig(arch), 4);
      const res = forwardBackward(model, null, batch, { mode: 'full', entropyCoef: 0.1 });
      const f = () => forwardBackward(model, null, batch, { mode: 'none', entropyCoef: 0.1 }).loss;
      expect([...res.grads.weights.keys()].sort()).toEqual([...model.params.keys()].sort());
      for (const [name, p] of model.params) expectGradient(name, f, p, res.grads.weights.get(name)!, { maxChecks: 6, tol: 1e-5 });
    });
  }

  it('recomputation gives identical gradients and reports the memory it saves', () => {
    const model = randomTrainModel(tinyConfig('qwen3', { num_hidden_layers: 3 }), 6);
    const adapter = createLora(model.config, { r: 2, alpha: 4, targets: ['q_proj', 'v_proj', 'down_proj'] }, { init: 'random', seed: 7 });
    const a = forwardBackward(model, adapter, batch);
    const b = forwardBackward(model, adapter, batch, { recompute: true });
    expect(b.loss).toBe(a.loss);
    for (const [path, g] of a.grads.lora) expect(Array.from(b.grads.lora.get(path)!.dA)).toEqual(Array.from(g.dA));
    expect(b.memory.savedBytes).toBeGreaterThan(0);
    expect(b.memory.activationBytes).toBeLessThan(a.memory.activationBytes);
    expect(a.memory.savedBytes).toBe(0);
  });

  it('NLL loss equals −Σ logprob; a disabled adapter gives the base model (reference policy)', () => {
    const model = randomTrainModel(tinyConfig('qwen2'), 8);
    const adapter = createLora(model.config, { r: 2, alpha: 2, targets: ['q_proj', 'up_proj'] }, { init: 'random', seed: 9 });
    const seqs = [{ tokens: [1, 2, 3, 4] }];
    const on = forwardBackward(model, adapter, seqs);
    expect(on.loss).toBeCloseTo(-on.logprobs[0]!.reduce((s, x) => s + x, 0), 12);
    adapter.enabled = false;
    const ref = sequenceLogprobs(model, adapter, seqs).logprobs[0]!;
    const base = sequenceLogprobs(model, null, seqs).logprobs[0]!;
    expect(Array.from(ref)).toEqual(Array.from(base));
    expect(Array.from(ref)).not.toEqual(Array.from(on.logprobs[0]!));
    for (const e of on.entropies[0]!) expect(e).toBeGreaterThan(0);
  });

  it('rejects bad batches with clear errors', () => {
    const model = randomTrainModel(tinyConfig('qwen2'), 8);
    expect(() => forwardBackward(model, null, [{ tokens: [1] }], { mode: 'none' })).toThrow(/at least 2/);
    expect(() => forwardBackward(model, null, [{ tokens: [1, 99] }], { mode: 'none' })).toThrow(/token id 99/);
    expect(() => forwardBackward(model, null, [{ tokens: [1, 2, 3], trainable: [1] }], { mode: 'none' })).toThrow(/mask has 1 entries, expected 2/);
    expect(() => forwardBackward(model, null, [{ tokens: [1, 2] }])).toThrow(/enabled adapter/);
  });
});
