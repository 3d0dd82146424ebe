// `npm run bench -- lora`: tokens/s of LoRA forward + backward + AdamW at Qwen2.5-0.5B's exact shape
// (random f16 weights generated in place), r = 16 on all 7 projections, batch 4 × 1024 by default;
// with and without per-layer recomputation. `--small` uses a reduced shape that SwiftShader can run.
// Args: --small --batch B --seq T --steps N --layers L (fewer layers, to smoke-test the full shape on a
// slow adapter) --dawn OPT...
import { parseArgs } from 'node:util';
import { acquireGpu } from '../../src/gpu/device.ts';
import { KernelRunner } from '../../src/gpu/runner.ts';
import { parseModelConfig, type ModelConfig } from '../../src/model/config.ts';
import { float32ToF16Bits, type SafeTensor } from '../../src/model/safetensors.ts';
import { createModelWeights, expectedTensorShapes } from '../../src/model/weights.ts';
import { gemm } from '../../src/kernels/matmul_backward.ts';
import { randomArray, rng } from '../../src/reference/compare.ts';
import { createLora, LORA_TARGETS, projectionShape } from '../../src/train/lora.ts';
import { GpuTrainer } from '../../src/train/gpu/trainer.ts';
import type { BenchResult } from './types.ts';

const QWEN25_05B = {
  model_type: 'qwen2', hidden_size: 896, intermediate_size: 4864, num_hidden_layers: 24, num_attention_heads: 14,
  num_key_value_heads: 2, vocab_size: 151936, rms_norm_eps: 1e-6, rope_theta: 1000000, tie_word_embeddings: true, torch_dtype: 'bfloat16',
};
const SMALL = { ...QWEN25_05B, hidden_size: 64, intermediate_size: 160, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2, vocab_size: 512 };

/** Random f16 weights without converting every element: tiles a pool of random halves. */
function randomF16Weights(c: ModelConfig) {
  const pool = Uint16Array.from(randomArray(1 << 16, 7, 0.05), (v) => float32ToF16Bits(v));
  const tensors = new Map<string, SafeTensor>();
  let shift = 0;
  for (const [name, shape] of expectedTensorShapes(c)) {
    const n = shape.reduce((a, b) => a * b, 1);
    const bits = new Uint16Array(n);
    const ones = name.endsWith('norm.weight');
    for (let i = 0; i < n; i += pool.length) bits.set(ones ? new Uint16Array(Math.min(pool.length, n - i)).fill(0x3c00) : pool.subarray(0, Math.min(pool.length, n - i)), i);
    if (!ones) for (let i = 0; i < Math.min(n, 4096); i++) bits[i] = pool[(i * 31 + shift) & 0xffff]!;
    shift += 17;
    tensors.set(name, { dtype: 'F16', shape, data: new Uint8Array(bits.buffer) });
  }
  return createModelWeights(c, tensors, 'random f16');
}

/** FLOPs of one forward over a sequence of T tokens (matmuls incl. LoRA and attention). */
function forwardFlops(c: ModelConfig, r: number, T: number): number {
  let perToken = 2 * c.vocabSize * c.hiddenSize;
  for (const t of LORA_TARGETS) {
    const [inF, outF] = projectionShape(c, t);
    perToken += c.numLayers * (2 * inF * outF + 2 * r * (inF + outF));
  }
  const attention = c.numLayers * 2 * 2 * c.numHeads * c.headDim * ((T * (T + 1)) / 2);
  return perToken * T + attention;
}

export default async function bench(argv: string[]): Promise<BenchResult> {
  const { values } = parseArgs({
    args: argv,
    options: {
      small: { type: 'boolean', default: false },
      batch: { type: 'string' },
      seq: { type: 'string' },
      steps: { type: 'string' },
      rank: { type: 'string', default: '16' },
      layers: { type: 'string' },
      dawn: { type: 'string', multiple: true, default: [] },
    },
  });
  const shape = values.small ? SMALL : QWEN25_05B;
  const config = parseModelConfig(values.layers ? { ...shape, num_hidden_layers: Number(values.layers) } : shape);
  const B = Number(values.batch ?? (values.small ? 2 : 4));
  const T = Number(values.seq ?? (values.small ? 32 : 1024));
  const steps = Number(values.steps ?? (values.small ? 2 : 3));
  const r = Number(values.rank);
  const ctx = await acquireGpu({ dawnOptions: values.dawn });
  const runner = new KernelRunner(ctx);
  const weights = randomF16Weights(config);
  const adapter = createLora(config, { r, alpha: 2 * r, targets: [...LORA_TARGETS] }, { seed: 1 });
  const trainer = await GpuTrainer.create(runner, weights, adapter, { dtype: 'f16' });
  const rand = rng(3);
  const batch = Array.from({ length: B }, () => ({ tokens: Array.from({ length: T }, () => Math.floor(rand() * config.vocabSize)) }));
  const loraStateBytes = 4 * 4 * trainer.lora!.n; // params, grads, m, v
  const rows: BenchResult['rows'] = [];
  for (const recompute of [false, true]) {
    trainer.options.recompute = recompute;
    let res = await trainer.forwardBackward(batch); // warm-up: compiles every pipeline
    await trainer.step({ lr: 1e-4 });
    const t0 = performance.now();
    for (let s = 0; s < steps; s++) {
      res = await trainer.forwardBackward(batch);
      await trainer.step({ lr: 1e-4 });
    }
    const sec = (performance.now() - t0) / 1000 / steps;
    const fwd = B * forwardFlops(config, r, T);
    const flops = fwd * (recompute ? 4 : 3); // backward ≈ 2× forward; recomputation adds one forward
    process.stderr.write(`lora bench: recompute=${recompute} ${sec.toFixed(3)} s/step\n`);
    rows.push({
      recompute: recompute ? 'yes' : 'no',
      'tokens/step': B * T,
      's/step': sec,
      'tok/s': (B * T) / sec,
      'GFLOP/s': flops / sec / 1e9,
      'activations MiB': res.memory.activationBytes / 2 ** 20,
      'est. peak MiB': (trainer.base.bytes + loraStateBytes + res.memory.activationBytes) / 2 ** 20,
    });
  }
  // The device's f32 matmul ceiling with the same gemm kernel (square, A·Bᵀ layout); software
  // adapters (~1 GFLOP/s) get a small size.
  const soft = ctx.report.isFallbackAdapter || ctx.report.architecture === 'swiftshader';
  const n = soft ? 128 : 4096;
  const a = await runner.upload('A', randomArray(n * n, 1));
  const b = await runner.upload('B', randomArray(n * n, 2));
  const c = await runner.createBuffer('C', n * n * 4);
  const run = (enc?: GPUCommandEncoder) => gemm(runner, { M: n, N: n, K: n, a: { buffer: a, rowStride: n, colStride: 1 }, b: { buffer: b, rowStride: 1, colStride: n }, c: { buffer: c, ld: n } }, enc);
  await run();
  await runner.sync();
  const t0 = performance.now();
  const enc = runner.device.createCommandEncoder();
  for (let i = 0; i < 3; i++) await run(enc);
  runner.device.queue.submit([enc.finish()]);
  await runner.sync();
  const ceiling = (2 * n ** 3 * 3) / ((performance.now() - t0) / 1000) / 1e9;
  ctx.destroy();
  const adapterName = `${ctx.report.vendor}/${ctx.report.architecture}${ctx.report.isFallbackAdapter ? ' (fallback)' : ''}`;
  return {
    name: `LoRA r=${r} all 7 projections, ${values.small ? 'reduced shape (--small)' : 'Qwen2.5-0.5B shape'}${values.layers ? ` (${config.numLayers} layers only)` : ''}, batch ${B}×${T}, f16 base, on ${adapterName}`,
    rows,
    summary: {
      adapter: ctx.report.description || ctx.report.device,
      shape: values.small ? 'small' : 'qwen2.5-0.5b',
      layers: config.numLayers,
      batch: B,
      seq: T,
      rank: r,
      lora_params: trainer.lora!.n,
      base_weight_MiB: trainer.base.bytes / 2 ** 20,
      best_tok_s: Math.max(...rows.map((x) => x['tok/s'] as number)),
      gemm_f32_ceiling_gflops: ceiling,
      gemm_ceiling_size: n,
      peer_pytorch_peft_h200_tok_s: 25509,
      note: 'peak memory is the sum of allocations (weights + LoRA state + saved activations); WebGPU exposes no usage counter',
    },
  };
}
