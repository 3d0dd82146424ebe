import { describe, it } from 'vitest';
import { rand64, dot, expectGradient } from './fd.ts';
import { rmsnormForward, rmsnormBackward } from '../../../src/reference/rmsnorm_backward.ts';
import { ropeForward, ropeBackward } from '../../../src/reference/rope_backward.ts';
import { attentionForward, attentionBackward } from '../../../src/reference/attention_backward.ts';
import { swigluForward, swigluBackward } from '../../../src/reference/swiglu_backward.ts';
import { embeddingForward, embeddingBackward } from '../../../src/reference/embedding_backward.ts';
import { linearBackward, loraForward, loraBackward } from '../../../src/reference/matmul_backward.ts';
import { matmulABt } from '../../../src/reference/matmul.ts';
import { logprobEntropy, logprobEntropyBackward } from '../../../src/reference/logprob.ts';

describe('float64 op backward references vs finite differences', () => {
  it('rmsnorm (dx and dw)', () => {
    const [rows, D, eps] = [3, 7, 1e-6];
    const x = rand64(rows * D, 1);
    const w = rand64(D, 2);
    const dy = rand64(rows * D, 3);
    const f = () => dot(dy, rmsnormForward(x, w, rows, D, eps));
    const { dx, dw } = rmsnormBackward(x, w, dy, rows, D, eps);
    expectGradient('rmsnorm dx', f, x, dx);
    expectGradient('rmsnorm dw', f, w, dw);
  });

  it('rope', () => {
    const [T, heads, hd] = [5, 3, 6];
    const pos = [0, 1, 2, 7, 30];
    const x = rand64(T * heads * hd, 4);
    const dy = rand64(T * heads * hd, 5);
    const f = () => dot(dy, ropeForward(x, pos, heads, hd, 10000));
    expectGradient('rope dx', f, x, ropeBackward(dy, pos, heads, hd, 10000), { maxChecks: 200 });
  });

  it('causal GQA attention (dq, dk, dv)', () => {
    const s = { T: 5, H: 4, KV: 2, hd: 3 };
    const q = rand64(s.T * s.H * s.hd, 6);
    const k = rand64(s.T * s.KV * s.hd, 7);
    const v = rand64(s.T * s.KV * s.hd, 8);
    const dO = rand64(s.T * s.H * s.hd, 9);
    const f = () => dot(dO, attentionForward(q, k, v, s).out);
    const g = attentionBackward(q, k, v, dO, s);
    expectGradient('attention dq', f, q, g.dq, { maxChecks: 100 });
    expectGradient('attention dk', f, k, g.dk, { maxChecks: 100 });
    expectGradient('attention dv', f, v, g.dv, { maxChecks: 100 });
  });

  it('swiglu', () => {
    const gate = rand64(11, 10, 3);
    const up = rand64(11, 11);
    const dh = rand64(11, 12);
    const f = () => dot(dh, swigluForward(gate, up));
    const g = swigluBackward(gate, up, dh);
    expectGradient('swiglu dGate', f, gate, g.dGate);
    expectGradient('swiglu dUp', f, up, g.dUp);
  });

  it('embedding (repeated tokens accumulate)', () => {
    const [V, D] = [6, 4];
    const table = rand64(V * D, 13);
    const tokens = [1, 4, 1, 5];
    const dy = rand64(tokens.length * D, 14);
    const f = () => dot(dy, embeddingForward(table, tokens, V, D));
    const dT = embeddingBackward(tokens, dy, D, new Float64Array(V * D));
    expectGradient('embedding dTable', f, table, dT, { maxChecks: 100 });
  });

  it('linear with bias (dx, dW, db)', () => {
    const [T, inF, outF] = [4, 5, 3];
    const x = rand64(T * inF, 15);
    const W = rand64(outF * inF, 16);
    const b = rand64(outF, 17);
    const dy = rand64(T * outF, 18);
    const f = () => dot(dy, matmulABt(x, W, T, outF, inF, b));
    const g = linearBackward(x, W, dy, T, inF, outF, { dW: new Float64Array(outF * inF), dB: new Float64Array(outF) });
    expectGradient('linear dx', f, x, g.dx);
    expectGradient('linear dW', f, W, g.dW!);
    expectGradient('linear db', f, b, g.dB!);
  });

  it('LoRA branch (dx, dA, dB)', () => {
    const [T, inF, outF, r, s] = [4, 6, 5, 2, 1.5];
    const x = rand64(T * inF, 19);
    const A = rand64(r * inF, 20);
    const B = rand64(outF * r, 21);
    const dy = rand64(T * outF, 22);
    const f = () => dot(dy, loraForward(x, A, B, T, inF, outF, r, s).y);
    const { u } = loraForward(x, A, B, T, inF, outF, r, s);
    const grads = { dA: new Float64Array(r * inF), dB: new Float64Array(outF * r) };
    const dx = loraBackward(x, u, A, B, dy, T, inF, outF, r, s, grads);
    expectGradient('lora dx', f, x, dx);
    expectGradient('lora dA', f, A, grads.dA);
    expectGradient('lora dB', f, B, grads.dB);
  });

  it('log-prob and entropy of a logits row', () => {
    const V = 9;
    const z = rand64(2 * V, 23, 3);
    const [gl, ge] = [-0.7, 0.3];
    const f = () => {
      const a = logprobEntropy(z, V, V, 4);
      return gl * a.logprob + ge * a.entropy;
    };
    const dz = new Float64Array(2 * V);
    logprobEntropyBackward(z, V, V, 4, gl, ge, dz);
    // Only the second row is involved; its gradient must match and the first row must stay 0.
    expectGradient('logprob/entropy dz', f, z, dz, { maxChecks: 100 });
  });
});
