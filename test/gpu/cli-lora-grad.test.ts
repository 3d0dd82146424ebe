// `tarl lora-grad --device webgpu` must print the same contract as --device cpu, with f32 accuracy.
import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.ts';
import { createLora, LORA_TARGETS } from '../../src/train/lora.ts';
import { savePeftDir } from '../../src/train/peft.ts';
import { randomTrainModel, tinyConfig, writeModelDir } from '../unit/train/tiny-model.ts';
import { compare, describeComparison } from '../../src/reference/compare.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tarl-lora-grad-gpu-'));
  const model = randomTrainModel(tinyConfig('qwen2'), 51);
  await writeModelDir(join(dir, 'model'), model);
  await savePeftDir(join(dir, 'adapter'), createLora(model.config, { r: 2, alpha: 3, targets: [...LORA_TARGETS] }, { init: 'random', seed: 9, randomScale: 0.2 }));
});

describe('tarl lora-grad --device webgpu', () => {
  it('matches --device cpu: same tensor names and shapes, loss and gradients within f32 tolerance', () => {
    const args = ['lora-grad', '--model', join(dir, 'model'), '--adapter', join(dir, 'adapter'), '--tokens', '5,17,3,9,28,0,2'];
    const cpu = runCli([...args, '--device', 'cpu']);
    const gpu = runCli([...args, '--device', 'webgpu']);
    expect(cpu.status, cpu.stderr).toBe(0);
    expect(gpu.status, gpu.stderr).toBe(0);
    expect(gpu.stdout.trim().split('\n')).toHaveLength(1);
    const a = JSON.parse(cpu.stdout) as { loss: number; grads: Record<string, number[][]> };
    const b = JSON.parse(gpu.stdout) as { loss: number; grads: Record<string, number[][]> };
    expect(Object.keys(b.grads).sort()).toEqual(Object.keys(a.grads).sort());
    expect(Math.abs(b.loss - a.loss) / a.loss).toBeLessThan(1e-5);
    for (const name of Object.keys(a.grads)) {
      expect(b.grads[name]!.map((r) => r.length)).toEqual(a.grads[name]!.map((r) => r.length));
      const c = compare(b.grads[name]!.flat(), a.grads[name]!.flat(), 1e-4);
      expect(c.ok, `${name}: ${describeComparison(c)}`).toBe(true);
    }
  });
});
