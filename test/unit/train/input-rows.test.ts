// Spliced input embeddings (speech turns): the CPU inference backend and the CPU trainer replace
// token embeddings at given positions, the trainer returns ∂L/∂rows, and a teacher's soft targets add
// KL(q ‖ p) to the loss — all checked against the plain forward and finite differences.
import { describe, expect, it } from 'vitest';
import { CpuBackend } from '../../../src/model/cpu/backend.ts';
import { CpuTransformer } from '../../../src/model/cpu/forward.ts';
import { logSoftmax } from '../../../src/model/sampling.ts';
import { forwardBackward, sequenceLogprobs, type TrainSequence } from '../../../src/train/cpu/model.ts';
import { trainModelToWeights } from '../../../src/train/cpu/params.ts';
import { createLora, LORA_TARGETS } from '../../../src/train/lora.ts';
import { expectGradient, rand64 } from './fd.ts';
import { randomTrainModel, tinyConfig } from './tiny-model.ts';

const model = randomTrainModel(tinyConfig('qwen3'), 11);
const D = model.config.hiddenSize;
const V = model.config.vocabSize;
const tokens = [3, 17, 5, 28, 1, 9, 14];
const positions = [2, 3];

function embeddingRowsOf(ids: number[], table: ArrayLike<number>): Float64Array {
  const out = new Float64Array(ids.length * D);
  ids.forEach((id, i) => {
    for (let d = 0; d < D; d++) out[i * D + d] = table[id * D + d]!;
  });
  return out;
}

describe('inference with spliced rows', () => {
  const weights = trainModelToWeights(model, 'tiny-qwen3');
  const cpu = new CpuTransformer(weights);

  it('rows equal to the token embeddings change nothing; other rows change only later positions', () => {
    const plain = cpu.forward(tokens, null, 'all');
    const same = cpu.forward(tokens, null, 'all', { positions, rows: embeddingRowsOf([5, 28], weights.tensor('model.embed_tokens.weight')) });
    same.forEach((row, t) => expect(Array.from(row)).toEqual(Array.from(plain[t]!)));
    const other = cpu.forward(tokens, null, 'all', { positions, rows: rand64(2 * D, 3, 0.5) });
    for (let t = 0; t < 2; t++) expect(Array.from(other[t]!)).toEqual(Array.from(plain[t]!));
    for (let t = 2; t < tokens.length; t++) expect(Math.max(...other[t]!.map((v, i) => Math.abs(v - plain[t]![i]!)))).toBeGreaterThan(1e-6);
  });

  it('generate splices into its prompt only, and agrees with logits()', async () => {
    const backend = new CpuBackend(weights);
    const rows = { positions, rows: rand64(2 * D, 4, 0.5) };
    const [spliced, plain] = await backend.generate([tokens, tokens], { maxNewTokens: 4, greedy: true, stopTokenIds: [], promptEmbeddings: [rows, null] });
    const [again] = await backend.generate([tokens], { maxNewTokens: 4, greedy: true, stopTokenIds: [] });
    expect(plain!.tokens).toEqual(again!.tokens);
    // Greedy continuation re-derived from full-sequence logits with the same rows.
    const seq = [...tokens];
    for (let i = 0; i < 4; i++) {
      const logits = await backend.logits(seq, rows);
      const last = logits[logits.length - 1]!;
      seq.push(last.indexOf(Math.max(...last)));
    }
    expect(spliced!.tokens).toEqual(seq.slice(tokens.length));
  });

  it('bad rows get clear errors', async () => {
    const backend = new CpuBackend(weights);
    await expect(backend.logits(tokens, { positions: [7], rows: new Float64Array(D) })).rejects.toThrow(/position 7, outside the 7 positions/);
    await expect(backend.logits(tokens, { positions: [1], rows: new Float64Array(D - 1) })).rejects.toThrow(/need 16 values \(hidden size 16\)|need \d+ values/);
    await expect(backend.generate([tokens], { maxNewTokens: 1, promptEmbeddings: [] })).rejects.toThrow(/1 prompts but 0 promptEmbeddings/);
  });
});

describe('training with spliced rows and soft targets', () => {
  const adapter = createLora(model.config, { r: 2, alpha: 4, targets: [...LORA_TARGETS] }, { init: 'random', seed: 5, randomScale: 0.3 });

  it('∂L/∂rows matches finite differences, in input-only and LoRA modes', () => {
    const rows = rand64(positions.length * D, 8, 0.5);
    const seq = (): TrainSequence => ({ tokens, dLogprob: [-1, 0.5, -0.3, -1, 0.8, -0.2], inputRows: { positions, rows } });
    const f = () => forwardBackward(model, adapter, [seq()], { mode: 'none' }).loss;
    const input = forwardBackward(model, adapter, [seq()], { mode: 'input' });
    expect(input.grads.lora.size).toBe(0);
    expectGradient('rows', f, rows, input.inputGrads![0]!, { maxChecks: 16, tol: 1e-5 });
    const lora = forwardBackward(model, adapter, [seq(), { tokens: [4, 4, 20] }], { mode: 'lora' });
    expect(lora.inputGrads![1]).toBeNull();
    lora.inputGrads![0]!.forEach((g, i) => expect(g).toBeCloseTo(input.inputGrads![0]![i]!, 12));
  });

  it('teacher KL is 0 against the model itself, positive otherwise, and its gradient is right', () => {
    const at = [3, 4, 5];
    const own = sequenceLogprobs(model, adapter, [{ tokens }], { distributionsAt: [at] }).distributions![0]!;
    own.forEach((d) => expect(Math.abs(d.reduce((s, x) => s + Math.exp(x), 0) - 1)).toBeLessThan(1e-12));
    const self = forwardBackward(model, adapter, [{ tokens, trainable: new Array(6).fill(0), teacher: { positions: at, logprobs: own } }], { mode: 'input' });
    expect(Math.abs(self.teacherKl!)).toBeLessThan(1e-12);

    const rows = rand64(positions.length * D, 9, 0.5);
    const teacher = at.map((_, j) => logSoftmax(rand64(V, 20 + j, 2)));
    const seq = (): TrainSequence => ({ tokens, trainable: new Array(6).fill(0), inputRows: { positions, rows }, teacher: { positions: at, logprobs: teacher } });
    const r = forwardBackward(model, adapter, [seq()], { mode: 'input' });
    expect(r.teacherKl).toBeGreaterThan(0);
    expect(r.loss).toBeCloseTo(r.teacherKl!, 12);
    expectGradient('rows (KL)', () => forwardBackward(model, adapter, [seq()], { mode: 'none' }).loss, rows, r.inputGrads![0]!, { maxChecks: 16, tol: 1e-5 });
  });

  it('neededLogitsOnly computes the same loss, KL, distributions and gradients, and NaN where nothing needs the head', () => {
    const rows = rand64(positions.length * D, 10, 0.5);
    const at = [3, 5];
    const teacher = at.map((_, j) => logSoftmax(rand64(V, 30 + j, 2)));
    const seq: TrainSequence = { tokens, trainable: [0, 0, 1, 0, 0, 0], inputRows: { positions, rows }, teacher: { positions: at, logprobs: teacher } };
    const full = forwardBackward(model, adapter, [seq], { mode: 'lora', distributionsAt: [[4]] });
    const part = forwardBackward(model, adapter, [seq], { mode: 'lora', distributionsAt: [[4]], neededLogitsOnly: true });
    expect(part.loss).toBeCloseTo(full.loss, 12);
    expect(part.teacherKl).toBeCloseTo(full.teacherKl!, 12);
    expect(Array.from(part.distributions![0]![0]!)).toEqual(Array.from(full.distributions![0]![0]!));
    part.inputGrads![0]!.forEach((g, i) => expect(g).toBeCloseTo(full.inputGrads![0]![i]!, 12));
    for (const [k, g] of part.grads.lora) g.dA.forEach((x, i) => expect(x).toBeCloseTo(full.grads.lora.get(k)!.dA[i]!, 12));
    expect(Array.from(part.logprobs[0]!).map((x, t) => (Number.isNaN(x) ? t : -1)).filter((t) => t >= 0)).toEqual([0, 1]);
    for (const t of [2, 3, 4, 5]) expect(part.logprobs[0]![t]).toBeCloseTo(full.logprobs[0]![t]!, 12);
  });

  it('bad teacher targets get clear errors', () => {
    expect(() => forwardBackward(model, adapter, [{ tokens, teacher: { positions: [6], logprobs: [new Float64Array(V)] } }])).toThrow(/teacher position 6 is outside the 6/);
    expect(() => forwardBackward(model, adapter, [{ tokens, teacher: { positions: [1], logprobs: [new Float64Array(3)] } }])).toThrow(/expected the vocabulary size/);
  });
});
