// GFLOP/s of shaders/matmul.wgsl (C = A·Bᵀ, f32) at a few sizes on whatever adapter we get.
// Args: --sizes 256,512,1024 (square) --reps N --dawn OPT... (Dawn options, e.g. adapter=NVIDIA)
import { parseArgs } from 'node:util';
import { acquireGpu } from '../../src/gpu/device.ts';
import { KernelRunner } from '../../src/gpu/runner.ts';
import { matmul, matmulFlops } from '../../src/kernels/matmul.ts';
import { randomArray } from '../../src/reference/compare.ts';
import type { BenchResult } from './types.ts';

export default async function bench(argv: string[]): Promise<BenchResult> {
  const { values } = parseArgs({
    args: argv,
    options: {
      sizes: { type: 'string' },
      reps: { type: 'string', default: '5' },
      dawn: { type: 'string', multiple: true, default: [] },
      device: { type: 'string', multiple: true, default: [] }, // alias of --dawn
      fallback: { type: 'boolean', default: false },
    },
  });
  const ctx = await acquireGpu({ dawnOptions: [...values.dawn!, ...values.device!], forceFallbackAdapter: values.fallback || undefined });
  const runner = new KernelRunner(ctx);
  // SwiftShader runs ~1 GFLOP/s: keep its default sizes small.
  const soft = ctx.report.isFallbackAdapter || ctx.report.architecture === 'swiftshader';
  const sizes = (values.sizes ?? (soft ? '64,128,256' : '512,1024,2048,4096')).split(',').map(Number);
  const reps = Number(values.reps);
  const rows: BenchResult['rows'] = [];
  for (const n of sizes) {
    const [M, N, K] = [n, n, n];
    const a = await runner.upload('A', randomArray(M * K, 1));
    const b = await runner.upload('B', randomArray(N * K, 2));
    const c = await runner.createBuffer('C', M * N * 4);
    await matmul(runner, { a, b, c, M, N, K }); // warm-up + compile
    await runner.sync();
    const t0 = performance.now();
    const enc = runner.device.createCommandEncoder();
    for (let r = 0; r < reps; r++) await matmul(runner, { a, b, c, M, N, K }, enc);
    runner.device.queue.submit([enc.finish()]);
    await runner.sync();
    const ms = (performance.now() - t0) / reps;
    rows.push({ size: `${M}×${N}×${K}`, 'ms/iter': ms, 'GFLOP/s': matmulFlops(M, N, K) / ms / 1e6 });
    for (const buf of [a, b, c]) buf.destroy();
  }
  const best = Math.max(...rows.map((r) => r['GFLOP/s'] as number));
  ctx.destroy();
  return {
    name: `matmul f32 (C = A·Bᵀ) on ${ctx.report.vendor}/${ctx.report.architecture}${ctx.report.isFallbackAdapter ? ' (fallback)' : ''}`,
    rows,
    summary: { adapter: ctx.report.description || ctx.report.device, best_gflops: best, reps },
  };
}
