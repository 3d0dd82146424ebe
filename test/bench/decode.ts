// `npm run bench -- decode [--small] [--dawn OPT]...`: the WebGPU engine on a model with
// Qwen2.5-0.5B's exact shape (random f16 weights generated in place, no download): prefill tok/s,
// decode tok/s at batch 1 and batch 8, dispatches per token, and the bandwidth ceiling
// (weight bytes per decode step ÷ the adapter's measured buffer-copy bandwidth).
// --small: a reduced shape (printed) with shorter prompts, for SwiftShader.
import { parseArgs } from 'node:util';
import { acquireGpu } from '../../src/gpu/device.ts';
import { KernelRunner } from '../../src/gpu/runner.ts';
import { createGpuBackend } from '../../src/model/gpu/engine.ts';
import { createModelWeights, expectedTensorShapes, type ModelWeights } from '../../src/model/weights.ts';
import type { ModelConfig } from '../../src/model/config.ts';
import type { SafeTensor } from '../../src/model/safetensors.ts';
import { float32ToF16Bits } from '../../src/model/safetensors.ts';
import type { BenchResult } from './types.ts';

const QWEN25_05B: ModelConfig = {
  architecture: 'qwen2', hiddenSize: 896, intermediateSize: 4864, numLayers: 24, numHeads: 14, numKvHeads: 2, headDim: 64,
  vocabSize: 151936, rmsNormEps: 1e-6, ropeTheta: 1_000_000, tieWordEmbeddings: true, attentionBias: true, qkNorm: false,
  maxPositionEmbeddings: 32768, eosTokenIds: [151643, 151645], bosTokenId: null, dtype: 'bfloat16',
};

const SMALL: ModelConfig = { ...QWEN25_05B, hiddenSize: 128, intermediateSize: 384, numLayers: 2, numHeads: 4, numKvHeads: 2, headDim: 32, vocabSize: 2048 };

/** Random f16 tensors: matrices ±sqrt(3/in), norms 1 ± 0.2, biases ±0.1 (a 1024-entry table per scale, xorshift indices). */
function randomWeights(config: ModelConfig, seed = 1): ModelWeights {
  let s = seed >>> 0 || 1;
  const next = () => ((s ^= s << 13), (s ^= s >>> 17), (s ^= s << 5), s >>> 0);
  const table = (lo: number, hi: number) => Uint16Array.from({ length: 1024 }, () => float32ToF16Bits(lo + ((next() >>> 8) / 2 ** 24) * (hi - lo)));
  const tensors = new Map<string, SafeTensor>();
  for (const [name, shape] of expectedTensorShapes(config)) {
    const n = shape.reduce((a, b) => a * b, 1);
    const scale = Math.sqrt(3 / (shape[1] ?? 1));
    const t = name.endsWith('norm.weight') ? table(0.8, 1.2) : name.endsWith('.bias') ? table(-0.1, 0.1) : table(-scale, scale);
    const bits = new Uint16Array(n);
    for (let i = 0; i < n; i++) bits[i] = t[next() & 1023]!;
    tensors.set(name, { dtype: 'F16', shape, data: new Uint8Array(bits.buffer) });
  }
  return createModelWeights(config, tensors, 'random weights');
}

async function copyBandwidth(runner: KernelRunner, bytes: number, reps: number): Promise<number> {
  const a = await runner.createBuffer('bw.src', bytes);
  const b = await runner.createBuffer('bw.dst', bytes);
  const once = () => {
    const enc = runner.device.createCommandEncoder();
    for (let r = 0; r < reps; r++) enc.copyBufferToBuffer(a, 0, b, 0, bytes);
    runner.device.queue.submit([enc.finish()]);
    return runner.sync();
  };
  await once();
  const t0 = performance.now();
  await once();
  const s = (performance.now() - t0) / 1000;
  a.destroy();
  b.destroy();
  return (2 * bytes * reps) / s; // read + write traffic
}

function prompt(len: number, vocab: number, salt: number): number[] {
  return Array.from({ length: len }, (_, i) => (i * 7919 + salt * 104729 + 13) % vocab);
}

export default async function bench(argv: string[]): Promise<BenchResult> {
  const { values } = parseArgs({
    args: argv,
    options: {
      small: { type: 'boolean', default: false },
      dawn: { type: 'string', multiple: true, default: [] },
      prefill: { type: 'string' },
      prompt: { type: 'string' },
      new: { type: 'string' },
    },
  });
  const small = values.small!;
  const config = small ? SMALL : QWEN25_05B;
  const prefillLen = Number(values.prefill ?? (small ? 64 : 1024));
  const promptLen = Number(values.prompt ?? (small ? 32 : 256));
  const newTokens = Number(values.new ?? (small ? 16 : 128));
  const ctx = await acquireGpu({ dawnOptions: values.dawn });
  const runner = new KernelRunner(ctx);
  const tGen = performance.now();
  const weights = randomWeights(config);
  process.stderr.write(`random weights: ${(weights.byteSize / 2 ** 20).toFixed(0)} MiB in ${((performance.now() - tGen) / 1000).toFixed(1)} s\n`);
  const tUp = performance.now();
  // KV caches sized once up front (a later, larger call would reallocate them and rebuild the plans).
  const maxSequenceLength = Math.max(prefillLen + 1, promptLen + newTokens);
  const gpu = await createGpuBackend(weights, { gpu: ctx, weightDtype: 'f16', maxBatch: 8, chunkTokens: Math.max(64, Math.min(1024, prefillLen)), maxSequenceLength });
  process.stderr.write(`uploaded ${(gpu.weights.bytes / 2 ** 20).toFixed(0)} MiB of GPU weights in ${((performance.now() - tUp) / 1000).toFixed(1)} s; compiling and warming up\n`);
  const bandwidth = await copyBandwidth(runner, small ? 16 * 2 ** 20 : 256 * 2 ** 20, small ? 2 : 10);
  // Weights one decode step reads: every layer matrix plus the LM head (the embedding gather reads B rows).
  const stepBytes = gpu.weights.layers.reduce((s, l) => s + l.qkv.bytes + l.o.bytes + l.gateUp.bytes + l.down.bytes, 0) + gpu.weights.lmHead.bytes;
  const greedy = { greedy: true, stopTokenIds: [] as number[] };

  await gpu.generate([prompt(8, config.vocabSize, 0)], { ...greedy, maxNewTokens: 2 }); // compile pipelines
  await gpu.generate(Array.from({ length: 8 }, (_, b) => prompt(8, config.vocabSize, b)), { ...greedy, maxNewTokens: 2 });
  process.stderr.write(`prefill of ${prefillLen} tokens (twice: the first compiles the prefill kernels)\n`);
  await gpu.generate([prompt(prefillLen, config.vocabSize, 98)], { ...greedy, maxNewTokens: 1 });
  await gpu.generate([prompt(prefillLen, config.vocabSize, 99)], { ...greedy, maxNewTokens: 1 });
  const pre = gpu.lastStats!;
  const rows: BenchResult['rows'] = [
    { measure: `prefill ${prefillLen} tokens`, 'tok/s': (pre.prefillTokens / pre.prefillMs) * 1000, 'ms': pre.prefillMs, 'dispatches/token': '' },
  ];
  const decode: Record<string, number> = {};
  for (const B of [1, 8]) {
    process.stderr.write(`decode, batch ${B}\n`);
    await gpu.generate(Array.from({ length: B }, (_, b) => prompt(promptLen, config.vocabSize, b)), { ...greedy, maxNewTokens: newTokens });
    const st = gpu.lastStats!;
    const tps = (st.decodeTokens / st.decodeMs) * 1000;
    decode[`decode_b${B}_tok_s`] = tps;
    rows.push({
      measure: `decode batch ${B} (${newTokens} new after ${promptLen})`,
      'tok/s': tps,
      ms: st.decodeMs,
      'dispatches/token': `${st.dispatchesPerStep} per step (${(st.dispatchesPerStep / B).toFixed(1)}/token)`,
      'ceiling tok/s': (bandwidth / stepBytes) * B,
      'ms/step': st.decodeMs / st.decodeSteps,
      'cpu encode ms/step': st.decodeEncodeMs / st.decodeSteps,
      'wait ms/step': st.decodeWaitMs / st.decodeSteps,
    });
  }
  const shape = `hidden ${config.hiddenSize}, inter ${config.intermediateSize}, ${config.numLayers} layers, ${config.numHeads}/${config.numKvHeads} heads × ${config.headDim}, vocab ${config.vocabSize}`;
  gpu.dispose();
  ctx.destroy();
  return {
    name: `decode on ${ctx.report.description || ctx.report.device} — ${small ? 'REDUCED shape (--small)' : 'Qwen2.5-0.5B shape'}: ${shape}, random f16 weights`,
    rows,
    summary: {
      adapter: ctx.report.description,
      shape: small ? 'small' : 'qwen2.5-0.5b',
      config: shape,
      prefill_tok_s: rows[0]!['tok/s'],
      ...decode,
      copy_bandwidth_gb_s: bandwidth / 1e9,
      weight_bytes_per_step: stepBytes,
      dispatches_per_step: gpu.lastStats?.dispatchesPerStep,
    },
  };
}
