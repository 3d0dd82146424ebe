import { describe, it, expect } from 'vitest';
import { CpuAdamW, loraGradMap, loraParams } from '../../../src/train/optimizer.ts';
import { adamwUpdate } from '../../../src/reference/adamw.ts';
import { createLora, LORA_TARGETS } from '../../../src/train/lora.ts';
import { forwardBackward, type TrainSequence } from '../../../src/train/cpu/model.ts';
import { randomTrainModel, tinyConfig } from './tiny-model.ts';
import { rng } from '../../../src/reference/compare.ts';

describe('AdamW (CPU reference)', () => {
  it('first steps match hand-computed AdamW with bias correction and decoupled weight decay', () => {
    const p = new Float64Array([0.5, -2]);
    const opt = new CpuAdamW(new Map([['w', p]]), { lr: 0.1, beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.5 });
    const r1 = opt.step(new Map([['w', [0.2, -3]]]), 1);
    expect(r1).toMatchObject({ applied: true, step: 1, clipScale: 1 });
    // Step 1: m̂ = g, v̂ = g², update = lr·g/|g| = ±lr; decay multiplies by (1 − lr·wd).
    expect(p[0]).toBeCloseTo(0.5 * 0.95 - 0.1, 6);
    expect(p[1]).toBeCloseTo(-2 * 0.95 + 0.1, 6);
    // Step 2 by the textbook formulas.
    const g2 = [0.4, 1];
    const before = Array.from(p);
    opt.step(new Map([['w', g2]]), 1);
    for (let i = 0; i < 2; i++) {
      const g1 = [0.2, -3][i]!;
      const m = 0.9 * 0.1 * g1 + 0.1 * g2[i]!;
      const v = 0.99 * 0.01 * g1 * g1 + 0.01 * g2[i]! * g2[i]!;
      const expected = before[i]! * 0.95 - (0.1 * (m / (1 - 0.81))) / (Math.sqrt(v / (1 - 0.9801)) + 1e-8);
      expect(p[i]).toBeCloseTo(expected, 10);
    }
  });

  it('clips the global gradient norm across tensors', () => {
    const a = new Float64Array([0, 0]);
    const b = new Float64Array([0]);
    const opt = new CpuAdamW(new Map([['a', a], ['b', b]]), { maxGradNorm: 1, weightDecay: 0 });
    const r = opt.step(new Map([['a', [3, 0]], ['b', [4]]]), 0);
    expect(r.gradNorm).toBeCloseTo(5, 12);
    expect(r.clipScale).toBeCloseTo(0.2, 6);
    const ref = { p: new Float64Array([0, 0, 0]), m: new Float64Array(3), v: new Float64Array(3) };
    adamwUpdate(ref.p, [3, 0, 4], ref.m, ref.v, 1, opt.opts, r.clipScale);
    expect([a[0], a[1], b[0]]).toEqual(Array.from(ref.p));
  });

  it('NaN guard: a non-finite loss or gradient skips the step and leaves weights and moments untouched', () => {
    const w = new Float64Array([1, 2, 3]);
    const opt = new CpuAdamW(new Map([['w', w]]), { lr: 0.01 });
    opt.step(new Map([['w', [0.1, 0.2, 0.3]]]), 1);
    const after1 = Array.from(w);
    const bad1 = opt.step(new Map([['w', [0.1, NaN, 0.3]]]), 1);
    const bad2 = opt.step(new Map([['w', [0.1, 0.2, 0.3]]]), Infinity);
    const bad3 = opt.step(new Map([['w', [0.1, -Infinity, 0.3]]]), 2);
    expect(bad1).toMatchObject({ applied: false, skipped: 'non-finite gradient', step: 1 });
    expect(bad2).toMatchObject({ applied: false, skipped: 'non-finite loss', step: 1 });
    expect(bad3.applied).toBe(false);
    expect(Array.from(w)).toEqual(after1);
    expect(opt.skippedSteps).toBe(3);
    // The next good step continues exactly as if the bad ones never happened.
    const twin = new Float64Array([1, 2, 3]);
    const opt2 = new CpuAdamW(new Map([['w', twin]]), { lr: 0.01 });
    opt2.step(new Map([['w', [0.1, 0.2, 0.3]]]), 1);
    opt.step(new Map([['w', [0.5, 0.5, 0.5]]]), 1);
    opt2.step(new Map([['w', [0.5, 0.5, 0.5]]]), 1);
    expect(Array.from(w)).toEqual(Array.from(twin));
  });
});

describe('learning', () => {
  it('a few dozen AdamW steps on LoRA drive a supervised loss down (monotone on average)', () => {
    const model = randomTrainModel(tinyConfig('qwen3'), 11);
    const adapter = createLora(model.config, { r: 4, alpha: 8, targets: [...LORA_TARGETS] }, { seed: 2 });
    const r = rng(99);
    const seq = (n: number) => Array.from({ length: n }, () => Math.floor(r() * model.config.vocabSize));
    const batch: TrainSequence[] = [{ tokens: seq(12) }, { tokens: seq(9) }];
    const opt = new CpuAdamW(loraParams(adapter), { lr: 2e-2, weightDecay: 0, maxGradNorm: 1 });
    const losses: number[] = [];
    for (let i = 0; i < 30; i++) {
      const res = forwardBackward(model, adapter, batch);
      losses.push(res.loss);
      expect(opt.step(loraGradMap(res.grads), res.loss).applied).toBe(true);
    }
    const mean = (a: number[]) => a.reduce((s, x) => s + x, 0) / a.length;
    const windows = [0, 1, 2].map((w) => mean(losses.slice(w * 10, w * 10 + 10)));
    expect(windows[1]!).toBeLessThan(windows[0]!);
    expect(windows[2]!).toBeLessThan(windows[1]!);
    expect(losses.at(-1)!).toBeLessThan(0.7 * losses[0]!);
  });

  it('full-weight mode learns too', () => {
    const model = randomTrainModel(tinyConfig('qwen2'), 12);
    const batch: TrainSequence[] = [{ tokens: [1, 5, 9, 13, 17, 21, 25, 2] }];
    const opt = new CpuAdamW(model.params, { lr: 1e-2, weightDecay: 0 });
    const losses: number[] = [];
    for (let i = 0; i < 20; i++) {
      const res = forwardBackward(model, null, batch, { mode: 'full' });
      losses.push(res.loss);
      opt.step(res.grads.weights, res.loss);
    }
    expect(losses.at(-1)!).toBeLessThan(0.5 * losses[0]!);
  });
});
