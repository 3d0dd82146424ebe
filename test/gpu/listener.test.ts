// The listener's WGSL forward/backward (conv1d, GELU and GEMM kernels) against its CPU engine, which
// test/unit/speech/listener-cpu.test.ts checks against the float64 references.
import { beforeAll, describe, expect, it } from 'vitest';
import type { KernelRunner } from '../../src/gpu/runner.ts';
import { rng } from '../../src/reference/compare.ts';
import { initListener, type ListenerConfig } from '../../src/speech/listener/config.ts';
import { listenerBackward, listenerForward, zeroGrads } from '../../src/speech/listener/cpu.ts';
import { ListenerGpu } from '../../src/speech/listener/gpu.ts';
import { expectClose, testGpu } from '../helpers/gpu.ts';

const CONFIG: ListenerConfig = {
  nMels: 20,
  convs: [
    { channels: 24, kernel: 12, stride: 4, pad: 4 },
    { channels: 24, kernel: 5, stride: 1, pad: 2 },
  ],
  outDim: 16,
  vocab: 11,
};

let runner: KernelRunner;
beforeAll(async () => {
  ({ runner } = await testGpu());
});

describe('listener on WebGPU', () => {
  it('matches the CPU engine: logits and gradients accumulated over two utterances', async () => {
    const random = rng(11);
    const params = initListener(CONFIG, 2);
    for (const v of params.values()) for (let i = 0; i < v.length; i++) if (v[i] === 0) v[i] = (random() - 0.5) * 0.2;
    const gpu = await ListenerGpu.create(runner, CONFIG, params);
    const cpuGrads = zeroGrads(params);
    for (const T of [57, 130]) {
      const mel = Float32Array.from({ length: T * CONFIG.nMels }, () => random() * 2 - 1);
      const a = listenerForward(CONFIG, params, mel, T);
      const { logits, Tprime } = await gpu.forward(mel, T);
      expect(Tprime).toBe(a.Tprime);
      expectClose(logits, a.logits, 1e-5, `logits T=${T}`);
      const dLogits = Float32Array.from({ length: Tprime * CONFIG.vocab }, () => random() - 0.5);
      listenerBackward(CONFIG, params, a, dLogits, cpuGrads);
      await gpu.backward(dLogits);
    }
    const gpuGrads = await gpu.readGrads();
    for (const [name, g] of cpuGrads) expectClose(gpuGrads.get(name)!, g, 1e-4, name);
    gpu.zeroGrads();
    expect((await gpu.readGrads()).get('conv0.weight')!.every((x) => x === 0)).toBe(true);
    gpu.dispose();
  });
});
