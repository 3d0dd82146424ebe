// The trainable projector end to end: encoder frames → spliced rows of a token sequence → the CPU
// trainer's loss, and ∂L/∂(every projector tensor) through the trainer's ∂L/∂rows, against finite differences.
import { describe, expect, it } from 'vitest';
import { forwardBackward, type TrainSequence } from '../../../src/train/cpu/model.ts';
import { AudioProjector, PROJECTOR_PREFIX, slotPositions, type HeardSlot } from '../../../src/speech/projector.ts';
import { PROJECTOR_PARAMS } from '../../../src/speech/projector-reference.ts';
import { expectGradient, rand64 } from '../train/fd.ts';
import { randomTrainModel, tinyConfig } from '../train/tiny-model.ts';

const model = randomTrainModel(tinyConfig('qwen2'), 21);
const D = model.config.hiddenSize;
const E = 6;
const config = { encoderDim: E, stack: 3, hidden: 10, modelDim: D, eps: 1e-6 };

function heard(bos: number, T: number, seed: number): HeardSlot {
  return { bos, T, count: Math.ceil(T / config.stack), frames: Float32Array.from(rand64(T * E, seed)) };
}

describe('AudioProjector rows and gradients', () => {
  // tokens: text, [bos pad pad eos], text, [bos pad pad pad eos], text
  const slots = [heard(1, 5, 1), heard(6, 7, 2)];
  const tokens = [3, 20, 21, 21, 22, 7, 20, 21, 21, 21, 22, 12, 9];

  it('places begin, projected tokens and end at the slot positions', () => {
    const p = AudioProjector.create(config, 4);
    const { rows } = p.rows(slots);
    expect(rows.positions).toEqual([...slotPositions(slots[0]!), ...slotPositions(slots[1]!)]);
    expect(Array.from(rows.rows).slice(0, D)).toEqual(Array.from(p.weights.audioBegin));
    expect(Array.from(rows.rows).slice(3 * D, 4 * D)).toEqual(Array.from(p.weights.audioEnd));
    expect(() => p.rows([{ ...slots[0]!, count: 3 }])).toThrow(/5 encoder frames make 2 audio tokens \(stack 3\) but the prompt has 3 pad positions/);
  });

  it('∂L/∂projector matches finite differences through the whole model', () => {
    const p = AudioProjector.create(config, 5);
    const seq = (): TrainSequence => ({ tokens, dLogprob: rand64(tokens.length - 1, 9), inputRows: p.rows(slots).rows });
    const loss = () => forwardBackward(model, null, [seq()], { mode: 'none' }).loss;
    const pr = p.rows(slots);
    const r = forwardBackward(model, null, [{ ...seq(), inputRows: pr.rows }], { mode: 'input' });
    const grads = new Map<string, Float64Array>();
    p.backward(pr, r.inputGrads![0]!, grads);
    expect([...grads.keys()].sort()).toEqual(PROJECTOR_PARAMS.map((n) => PROJECTOR_PREFIX + n).sort());
    for (const [name, param] of p.params()) expectGradient(name, loss, param, grads.get(name)!, { maxChecks: 10, tol: 1e-5 });
  });

  it('round-trips through safetensors and rejects a file without its config', () => {
    const p = AudioProjector.create(config, 6);
    const q = AudioProjector.fromSafetensors(p.toSafetensors());
    expect(q.config).toEqual(config);
    for (const n of PROJECTOR_PARAMS) q.weights[n].forEach((v, i) => expect(v).toBeCloseTo(p.weights[n][i]!, 6));
    expect(() => AudioProjector.fromSafetensors(new Uint8Array(4))).toThrow(/too short/);
  });
});
