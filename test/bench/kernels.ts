// `npm run bench -- kernels [--small] [--reps N] [--dawn OPT]`: one row per inference kernel and size
// (ms per dispatch list, and the bytes it must move → GB/s), on whatever adapter we get.
// Default sizes follow Qwen2.5-0.5B (hidden 896, 14/2 heads × 64, inter 4864, vocab 151,936);
// on SwiftShader (or --small) reduced sizes, stated in each row.
import { parseArgs } from 'node:util';
import { acquireGpu } from '../../src/gpu/device.ts';
import { KernelRunner } from '../../src/gpu/runner.ts';
import { encodeAll, type Dispatch } from '../../src/kernels/dispatch.ts';
import { uploadMatrix } from '../../src/kernels/gpu-matrix.ts';
import { isSoftwareAdapter, prepareLinear, type LinearMode } from '../../src/kernels/linear.ts';
import { prepareEmbedding } from '../../src/kernels/embedding.ts';
import { prepareRmsnorm } from '../../src/kernels/rmsnorm.ts';
import { prepareRope, ropeTable } from '../../src/kernels/rope.ts';
import { prepareAttention } from '../../src/kernels/attention.ts';
import { prepareSwiglu } from '../../src/kernels/swiglu.ts';
import { prepareGelu, prepareGeluBackward } from '../../src/kernels/gelu.ts';
import { conv1dForward, conv1dOutLength } from '../../src/kernels/conv1d.ts';
import { prepareResidualAdd } from '../../src/kernels/residual.ts';
import { prepareSample } from '../../src/kernels/sample.ts';
import { createKvCache, tokenMeta } from '../../src/kernels/kv-cache.ts';
import { randomArray } from '../../src/reference/compare.ts';
import type { BenchResult } from './types.ts';

export default async function bench(argv: string[]): Promise<BenchResult> {
  const { values } = parseArgs({
    args: argv,
    options: { small: { type: 'boolean', default: false }, reps: { type: 'string' }, dawn: { type: 'string', multiple: true, default: [] } },
  });
  const ctx = await acquireGpu({ dawnOptions: values.dawn });
  const r = new KernelRunner(ctx);
  const soft = values.small || isSoftwareAdapter(r);
  const reps = Number(values.reps ?? (soft ? 2 : 20));
  const H = soft ? 128 : 896, I = soft ? 384 : 4864, V = soft ? 4096 : 151936, nH = soft ? 4 : 14, nKV = 2, hd = soft ? 32 : 64;
  const T = soft ? 64 : 1024; // prefill rows
  const L = soft ? 128 : 1024; // decode context
  const rows: BenchResult['rows'] = [];
  // A dispatch list, or a function that records one iteration (kernels built on the trainer's GEMMs).
  const time = async (op: string, shape: string, list: Dispatch[] | ((enc: GPUCommandEncoder) => Promise<void>), bytes: number) => {
    const once = async () => {
      const enc = r.device.createCommandEncoder();
      for (let i = 0; i < reps; i++) {
        if (typeof list === 'function') await list(enc);
        else encodeAll(enc, list);
      }
      r.device.queue.submit([enc.finish()]);
      return r.sync();
    };
    await once();
    const t0 = performance.now();
    await once();
    const ms = (performance.now() - t0) / reps;
    rows.push({ op, shape, 'ms/iter': ms, 'GB/s': bytes / ms / 1e6 });
  };
  const buf = async (n: number, seed = 1) => r.upload('b', randomArray(n, seed));
  const modes: LinearMode[] = soft ? ['gemv_serial'] : ['gemv'];
  for (const [name, N, K] of [['qkv', (nH + 2 * nKV) * hd, H], ['gate_up', 2 * I, H], ['down', H, I], ['lm_head', V, H]] as const) {
    const W = await uploadMatrix(r, name, N, K, 'f16', { f32: randomArray(N * K, 3, 0.05) });
    for (const M of [1, 8]) {
      for (const mode of modes) {
        const list = await prepareLinear(r, { a: await buf(M * K), w: W, c: await r.createBuffer('c', M * N * 4), M, mode });
        await time(`linear ${mode} f16`, `${name} ${M}×${N}×${K}`, list, W.bytes + M * (K + N) * 4);
      }
    }
    if (name === 'qkv') {
      const list = await prepareLinear(r, { a: await buf(8 * K), w: W, c: await r.createBuffer('c', 8 * N * 4), M: 8, mode: modes[0], norm: { weights: await buf(K), eps: 1e-6 } });
      await time(`linear ${modes[0]} f16 + fused RMSNorm`, `${name} 8×${N}×${K}`, list, W.bytes + 8 * (K + N) * 4);
    }
    if (name !== 'lm_head') {
      const list = await prepareLinear(r, { a: await buf(T * K), w: W, c: await r.createBuffer('c', T * N * 4), M: T, mode: soft ? 'gemv_serial' : 'tiled' });
      await time(`linear ${soft ? 'gemv_serial' : 'tiled'} f16`, `${name} ${T}×${N}×${K}`, list, W.bytes + T * (K + N) * 4);
    }
  }
  const embed = await uploadMatrix(r, 'embed', V, H, 'f16', { f32: randomArray(V * H, 4) });
  const toks = await r.upload('tok', Uint32Array.from({ length: T }, (_, i) => (i * 7919) % V));
  await time('embedding f16', `${T} tokens × ${H}`, await prepareEmbedding(r, { tokens: toks, table: embed, out: await r.createBuffer('x', T * H * 4), T }), T * H * 6);
  await time('rmsnorm', `${T}×${H}`, [await prepareRmsnorm(r, { x: await buf(T * H), w: await buf(H), y: await r.createBuffer('y', T * H * 4), rows: T, width: H, eps: 1e-6 })], T * H * 8);
  await time('swiglu', `${T}×${I}`, [await prepareSwiglu(r, await buf(T * 2 * I), await r.createBuffer('a', T * I * 4), T, I)], T * I * 12);
  await time('gelu', `${T}×${I}`, [await prepareGelu(r, await buf(T * I), await r.createBuffer('g', T * I * 4), T * I)], T * I * 8);
  await time('gelu backward', `${T}×${I}`, [await prepareGeluBackward(r, await buf(T * I), await buf(T * I, 2), await r.createBuffer('g', T * I * 4), T * I)], T * I * 12);
  {
    // the speech encoder's second conv: k3 s2 p1 over 100 frames/s of audio (30 s, or 2 s reduced)
    const cv = { T: soft ? 200 : 3000, Cin: H, Cout: H, K: 3, stride: 2, pad: 1 };
    const Tout = conv1dOutLength(cv.T, cv.K, cv.stride, cv.pad);
    const args = { ...cv, x: await buf(cv.T * H), w: await buf(H * H * 3, 2), b: await buf(H, 3), cols: await r.createBuffer('cols', Tout * H * 3 * 4), y: await r.createBuffer('y', Tout * H * 4) };
    await time('conv1d forward (im2col + GEMM)', `T ${cv.T}, ${H}→${H}, k3 s2 p1`, (enc) => conv1dForward(r, args, enc), (cv.T * H + 2 * Tout * 3 * H + 3 * H * H + Tout * H) * 4);
  }
  await time('residual', `${T * H}`, [await prepareResidualAdd(r, await buf(T * H), await buf(T * H, 2), T * H)], T * H * 12);
  for (const B of [1, 8]) {
    const cache = await createKvCache(r, 'kv', B, L + 1, nKV, hd);
    const meta = await r.upload('meta', tokenMeta(Array.from({ length: B }, (_, b) => b), new Array(B).fill(L), cache));
    const qkv = await buf(B * (nH + 2 * nKV) * hd);
    const q = await r.createBuffer('q', B * nH * hd * 4);
    const table = await r.upload('cs', ropeTable(L + 1, hd, 1e6));
    await time('rope + kv write', `decode B=${B}`, [await prepareRope(r, { qkv, meta, table, qOut: q, cache, T: B, nH })], B * (nH + 2 * nKV) * hd * 8);
    await time('attention decode', `B=${B}, ${L} keys, ${nH}/${nKV}×${hd}`, [await prepareAttention(r, { q, meta, cache, out: await r.createBuffer('o', B * nH * hd * 4), T: B, nH })], B * (L + 1) * nKV * hd * 8);
  }
  {
    const cache = await createKvCache(r, 'kv', 1, T, nKV, hd);
    const meta = await r.upload('meta', tokenMeta(new Array(T).fill(0), Array.from({ length: T }, (_, i) => i), cache));
    const q = await buf(T * nH * hd);
    await time('attention prefill', `${T} tokens, ${nH}/${nKV}×${hd}`, [await prepareAttention(r, { q, meta, cache, out: await r.createBuffer('o', T * nH * hd * 4), T, nH })], T * nH * hd * 8);
  }
  for (const [mode, params] of [
    ['greedy', { greedy: true, temperature: 1, topK: 0, topP: 1, seed: 1 }],
    ['T 0.8, top-k 50, top-p 0.95', { greedy: false, temperature: 0.8, topK: 50, topP: 0.95, seed: 1 }],
  ] as const) {
    const B = 8;
    const d = await prepareSample(r, {
      logits: await buf(B * V), rowInfo: await r.upload('ri', new Uint32Array(2 * B)), scratch: await r.createBuffer('s', B * V * 4),
      out: await r.createBuffer('o', B * 8), nextTokens: await r.createBuffer('n', B * 4), rows: B, V, params,
    });
    await time(`sample ${mode}`, `${B}×${V}`, [d], B * V * 4);
  }
  ctx.destroy();
  return {
    name: `inference kernels on ${ctx.report.description || ctx.report.device}${soft ? ' (reduced sizes)' : ' (Qwen2.5-0.5B sizes)'}`,
    rows,
    summary: { adapter: ctx.report.description, reduced: soft, reps },
  };
}
