// The CLI contracts a checker outside the repo depends on: `lora-grad` and `logits --adapter`.
import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLora, LORA_TARGETS, type LoraAdapter } from '../../../src/train/lora.ts';
import { savePeftDir, peftTensorName } from '../../../src/train/peft.ts';
import { forwardBackward } from '../../../src/train/cpu/model.ts';
import { randomTrainModel, tinyConfig, writeModelDir } from './tiny-model.ts';
import type { TrainModel } from '../../../src/train/cpu/params.ts';
import { loadPeftDir } from '../../../src/train/peft.ts';

import { runCli } from '../../helpers/cli.ts';

function tarl(args: string[]): { stdout: string; stderr: string; status: number | null } {
  return runCli(args);
}

let dir: string;
let model: TrainModel;
let adapter: LoraAdapter;
const tokens = [5, 17, 3, 9, 28, 0];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tarl-lora-grad-'));
  model = randomTrainModel(tinyConfig('qwen3'), 31);
  // Round the base weights to f32 so the CLI (which reads the f32 file) sees exactly this model.
  for (const [k, v] of model.params) model.params.set(k, Float64Array.from(Float32Array.from(v)));
  await writeModelDir(join(dir, 'model'), model);
  await savePeftDir(join(dir, 'adapter'), createLora(model.config, { r: 2, alpha: 5, targets: [...LORA_TARGETS] }, { init: 'random', seed: 8, randomScale: 0.2 }));
  adapter = await loadPeftDir(join(dir, 'adapter'), model.config);
}, 60_000);

describe('tarl lora-grad (cpu)', () => {
  it('prints one JSON line: the NLL and every A/B gradient under its PEFT name with its shape', async () => {
    const { stdout, status, stderr } = tarl(['lora-grad', '--model', join(dir, 'model'), '--adapter', join(dir, 'adapter'), '--tokens', tokens.join(','), '--device', 'cpu']);
    expect(status, stderr).toBe(0);
    expect(stdout.trim().split('\n')).toHaveLength(1);
    const out = JSON.parse(stdout) as { loss: number; grads: Record<string, number[][]> };
    const ref = forwardBackward(model, adapter, [{ tokens }]);
    expect(out.loss).toBeCloseTo(-ref.logprobs[0]!.reduce((s, x) => s + x, 0), 9);
    expect(Object.keys(out.grads)).toHaveLength(2 * 2 * 7);
    for (const [path, m] of adapter.modules) {
      const gA = out.grads[peftTensorName(path, 'A')]!;
      const gB = out.grads[peftTensorName(path, 'B')]!;
      expect([gA.length, gA[0]!.length]).toEqual([2, m.inF]);
      expect([gB.length, gB[0]!.length]).toEqual([m.outF, 2]);
      const want = ref.grads.lora.get(path)!;
      expect(gA.flat().map((x, i) => x - want.dA[i]!).every((d) => Math.abs(d) < 1e-12)).toBe(true);
      expect(gB.flat().map((x, i) => x - want.dB[i]!).every((d) => Math.abs(d) < 1e-12)).toBe(true);
    }
  }, 60_000);

  it('names the problem on bad input', () => {
    const err = tarl(['lora-grad', '--model', join(dir, 'model'), '--adapter', join(dir, 'nope'), '--tokens', '1,2']);
    expect(err.status).toBe(1);
    expect(err.stdout).toBe('');
    expect(err.stderr).toMatch(/adapter directory ".*nope": cannot read adapter_config\.json/);
    const err2 = tarl(['lora-grad', '--model', join(dir, 'model'), '--adapter', join(dir, 'adapter'), '--tokens', '1']);
    expect(err2.status).toBe(1);
    expect(err2.stderr).toMatch(/need at least 2 tokens/);
  }, 60_000);
});

describe('tarl logits --adapter (cpu)', () => {
  it('applies the PEFT adapter: log-softmax of the printed logits matches the unmerged float64 forward', async () => {
    const { stdout } = tarl(['logits', '--model', join(dir, 'model'), '--adapter', join(dir, 'adapter'), '--tokens', tokens.join(','), '--device', 'cpu']);
    const { logits } = JSON.parse(stdout) as { logits: number[][] };
    const ref = forwardBackward(model, adapter, [{ tokens }], { mode: 'none' }).logprobs[0]!;
    for (let t = 0; t < tokens.length - 1; t++) {
      const row = logits[t]!;
      const max = Math.max(...row);
      const lse = max + Math.log(row.reduce((s, z) => s + Math.exp(z - max), 0));
      expect(Math.abs(row[tokens[t + 1]!]! - lse - ref[t]!)).toBeLessThan(1e-4);
    }
  }, 60_000);
});
