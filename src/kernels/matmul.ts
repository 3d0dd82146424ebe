// Dispatch wrapper for shaders/matmul.wgsl: C = A · Bᵀ (+ bias), f32, any M, N, K.
import { KernelRunner } from '../gpu/runner.ts';

const TILE = 64;
const dummies = new WeakMap<KernelRunner, GPUBuffer>();

export interface MatmulArgs {
  a: GPUBuffer; // M×K
  b: GPUBuffer; // N×K
  c: GPUBuffer; // M×N (written)
  bias?: GPUBuffer; // N
  M: number;
  N: number;
  K: number;
}

export async function matmul(runner: KernelRunner, args: MatmulArgs, encoder?: GPUCommandEncoder): Promise<void> {
  const { M, N, K } = args;
  for (const [name, v] of Object.entries({ M, N, K })) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`matmul: ${name} must be a positive integer, got ${v}`);
  }
  const max = runner.device.limits.maxComputeWorkgroupsPerDimension;
  const gx = Math.ceil(N / TILE);
  const gy = Math.ceil(M / TILE);
  if (gx > max || gy > max) throw new Error(`matmul: ${M}×${N} needs ${gy}×${gx} workgroups, over the device limit ${max}`);
  const pipeline = await runner.pipeline('matmul');
  let dummy = dummies.get(runner);
  if (!dummy) {
    dummy = await runner.createBuffer('matmul.no-bias', 16);
    dummies.set(runner, dummy);
  }
  const params = runner.sharedUniform('matmul.params', [
    ['u32', M],
    ['u32', N],
    ['u32', K],
    ['u32', args.bias ? 1 : 0],
  ]);
  runner.dispatch(pipeline, [params, args.a, args.b, args.bias ?? dummy, args.c], [gx, gy], encoder);
}

export function matmulFlops(M: number, N: number, K: number): number {
  return 2 * M * N * K;
}
