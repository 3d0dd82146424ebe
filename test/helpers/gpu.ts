// Shared by GPU kernel tests: one Dawn device per test file (SwiftShader on CI).
import { acquireGpu, type GpuContext } from '../../src/gpu/device.ts';
import { KernelRunner, poison } from '../../src/gpu/runner.ts';
import { compare, describeComparison } from '../../src/reference/compare.ts';
import { expect } from 'vitest';

let shared: Promise<{ ctx: GpuContext; runner: KernelRunner }> | undefined;

export function testGpu(): Promise<{ ctx: GpuContext; runner: KernelRunner }> {
  shared ??= acquireGpu().then((ctx) => ({ ctx, runner: new KernelRunner(ctx) }));
  return shared;
}

/** An output buffer filled with NaN, so unwritten elements fail the comparison. */
export async function poisonedBuffer(runner: KernelRunner, label: string, floats: number): Promise<GPUBuffer> {
  const b = await runner.createBuffer(label, floats * 4);
  poison(runner, b);
  return b;
}

export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number, what = ''): void {
  const c = compare(actual, expected, tolerance);
  expect(c.ok, `${what} ${describeComparison(c)} (tolerance ${tolerance})`).toBe(true);
}
