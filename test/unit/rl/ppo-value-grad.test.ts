// PPO's value head on the final hidden state, checked by finite differences in float64 on a tiny
// model: dHidden flows through the final RMSNorm and every layer into the LoRA tensors, and the
// trainer's clipped value-loss term (optimize.ts valueTerm) gives the exact gradients of
// valueCoef · valueLoss for the adapters and the head's own weight and bias.
import { describe, expect, it } from 'vitest';
import { forwardBackward, sequenceLogprobs, type TrainSequence } from '../../../src/train/cpu/model.ts';
import { createLora, LORA_TARGETS } from '../../../src/train/lora.ts';
import { valueTerm, type ValueTraining } from '../../../src/rl/trainer/optimize.ts';
import type { ValueTargets } from '../../../src/rl/trainer/ppo.ts';
import type { TrainItem } from '../../../src/rl/trainer/sequences.ts';
import { ValueHead, VALUE_BIAS, VALUE_WEIGHT } from '../../../src/rl/trainer/value-head.ts';
import { dot, expectGradient, rand64 } from '../train/fd.ts';
import { randomTrainModel, tinyConfig } from '../train/tiny-model.ts';

const seqs = [
  { tokens: [3, 17, 5, 28, 1, 9], mask: [0, 1, 1, 0, 1] },
  { tokens: [12, 4, 4, 20], mask: [1, 1, 1] },
];

describe('value head gradient through the model (float64 finite differences)', () => {
  it('returnHidden is the final RMSNorm output; dHidden reaches LoRA and the final norm', () => {
    const model = randomTrainModel(tinyConfig('qwen3'), 11);
    const D = model.config.hiddenSize;
    const adapter = createLora(model.config, { r: 2, alpha: 4, targets: [...LORA_TARGETS] }, { init: 'random', seed: 3, randomScale: 0.3 });
    // L = Σ dLogprob·logprob + Σ C·h with a fixed random C (rows for T − 1 positions on one, all T on the other).
    const C = [rand64((seqs[0]!.tokens.length - 1) * D, 21), rand64(seqs[1]!.tokens.length * D, 22)];
    const batch: TrainSequence[] = seqs.map((s, i) => ({ tokens: s.tokens, trainable: s.mask, dLogprob: s.mask.map((m) => -0.3 * m), dHidden: C[i]! }));
    const f = () => {
      const r = forwardBackward(model, adapter, batch, { mode: 'none', returnHidden: true });
      return r.loss + r.hidden!.reduce((s, h, i) => s + dot(C[i]!, h.subarray(0, C[i]!.length)), 0);
    };
    const res = forwardBackward(model, adapter, batch, { mode: 'lora', returnHidden: true });
    expect(res.hidden!.map((h) => h.length)).toEqual(seqs.map((s) => s.tokens.length * D));
    // Forward-only and training forward agree on h.
    expect(Array.from(sequenceLogprobs(model, adapter, batch, { returnHidden: true }).hidden![0]!)).toEqual(Array.from(res.hidden![0]!));
    for (const path of ['model.layers.0.self_attn.q_proj', 'model.layers.1.self_attn.o_proj', 'model.layers.1.mlp.down_proj']) {
      const m = adapter.modules.get(path)!;
      const g = res.grads.lora.get(path)!;
      expectGradient(`${path}.lora_A`, f, m.A, g.dA, { maxChecks: 10, tol: 1e-5 });
      expectGradient(`${path}.lora_B`, f, m.B, g.dB, { maxChecks: 10, tol: 1e-5 });
    }
    // Full-weight mode: the final norm's weight gets the dHidden contribution too.
    const full = forwardBackward(model, null, batch, { mode: 'full' });
    const fBase = () => {
      const r = forwardBackward(model, null, batch, { mode: 'none', returnHidden: true });
      return r.loss + r.hidden!.reduce((s, h, i) => s + dot(C[i]!, h.subarray(0, C[i]!.length)), 0);
    };
    expectGradient('model.norm.weight', fBase, model.params.get('model.norm.weight')!, full.grads.weights.get('model.norm.weight')!, { tol: 1e-5 });
  });

  it('rejects a dHidden of the wrong size, naming the sequence', () => {
    const model = randomTrainModel(tinyConfig('qwen2'), 2);
    expect(() => forwardBackward(model, null, [{ tokens: [1, 2, 3], dHidden: new Float64Array(5) }], { mode: 'full' })).toThrow(/sequence 0 dHidden has 5 entries, expected 32 or 48/);
  });

  for (const clip of [null, 0.2]) {
    it(`valueCoef · clipped value loss (clip ${clip}): adapters, value weight and bias`, () => {
      const model = randomTrainModel(tinyConfig('qwen2'), 5);
      const D = model.config.hiddenSize;
      const adapter = createLora(model.config, { r: 2, alpha: 4, targets: ['q_proj', 'v_proj', 'up_proj', 'down_proj'] }, { init: 'random', seed: 8, randomScale: 0.3 });
      const head = new ValueHead(D);
      head.weight.set(rand64(D, 31, 0.5));
      head.bias[0] = 0.1;
      const items: TrainItem[] = seqs.map((s, index) => ({
        index, group: 0, tokens: s.tokens, mask: Float64Array.from(s.mask),
        samplingLogp: new Float64Array(s.mask.length), advantages: new Float64Array(s.mask.length),
      }));
      const batch = () => items.map((it) => ({ tokens: it.tokens, trainable: it.mask }));
      const hidden0 = sequenceLogprobs(model, adapter, batch(), { returnHidden: true }).hidden!;
      // Sampling-time values offset from the current ones: inside the clip window on some positions,
      // far outside on others (with returns that make the clipped branch win there).
      const targets: ValueTargets[] = items.map((it, j) => {
        const v = head.values(hidden0[j]!, it.mask.length);
        const offsets = it.mask.map((_, t) => ((t + j) % 3 === 0 ? 0.6 : 0.05));
        return {
          mask: it.mask,
          oldValues: v.map((x, t) => x + offsets[t]!),
          returns: v.map((x, t) => (offsets[t] === 0.6 ? x - 2 : x + 0.7 - 0.3 * t)),
        };
      });
      const vt: ValueTraining = { head, coef: 0.5, clip, targets };
      const f = () => 0.5 * valueTerm(vt, [0, 1], items, sequenceLogprobs(model, adapter, batch(), { returnHidden: true }).hidden!).loss;
      const term = valueTerm(vt, [0, 1], items, hidden0);
      if (clip !== null) expect(term.clipFraction).toBeGreaterThan(0);
      const fb = forwardBackward(model, adapter, items.map((it, j) => ({ tokens: it.tokens, trainable: it.mask, dLogprob: new Float64Array(it.mask.length), dHidden: term.dHidden[j]! })), { mode: 'lora' });
      for (const [path, m] of adapter.modules) {
        const g = fb.grads.lora.get(path)!;
        expectGradient(`${path}.lora_A`, f, m.A, g.dA, { maxChecks: 8, tol: 1e-5 });
        expectGradient(`${path}.lora_B`, f, m.B, g.dB, { maxChecks: 8, tol: 1e-5 });
      }
      expectGradient(VALUE_WEIGHT, f, head.weight, term.grads.get(VALUE_WEIGHT)!, { tol: 1e-6 });
      expectGradient(VALUE_BIAS, f, head.bias, term.grads.get(VALUE_BIAS)!, { tol: 1e-6 });
    });
  }
});
