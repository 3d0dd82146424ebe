// The GPU harness itself: real limits requested, clear errors for bad allocations and device loss.
import { describe, expect, it } from 'vitest';
import { acquireGpu } from '../../src/gpu/device.ts';
import { KernelRunner } from '../../src/gpu/runner.ts';
import { DeviceLostError } from '../../src/gpu/errors.ts';

describe('GPU harness (Dawn)', () => {
  it("requests the adapter's real limits, not WebGPU's defaults", async () => {
    const ctx = await acquireGpu();
    expect(ctx.device.limits.maxStorageBufferBindingSize).toBe(ctx.adapter.limits.maxStorageBufferBindingSize);
    expect(ctx.device.limits.maxStorageBufferBindingSize).toBeGreaterThan(128 * 2 ** 20);
    expect(ctx.report.limits.maxComputeInvocationsPerWorkgroup).toBeGreaterThanOrEqual(256);
    ctx.destroy();
  });

  it('names the buffer when an allocation is impossible', async () => {
    const ctx = await acquireGpu();
    const runner = new KernelRunner(ctx);
    const tooBig = ctx.device.limits.maxBufferSize * 2;
    await expect(runner.createBuffer('embedding table', tooBig)).rejects.toThrow(/embedding table/);
    ctx.destroy();
  });

  it('shares immutable uniform buffers between dispatches with the same fields', async () => {
    const ctx = await acquireGpu();
    const runner = new KernelRunner(ctx);
    const a = runner.sharedUniform('p', [['u32', 3], ['f32', 0.5]]);
    expect(runner.sharedUniform('q', [['u32', 3], ['f32', 0.5]])).toBe(a);
    expect(runner.sharedUniform('p', [['u32', 3], ['f32', 0.25]])).not.toBe(a);
    expect(runner.sharedUniform('p', [['i32', 3], ['f32', 0.5]])).not.toBe(a); // same bits, other type
    expect(runner.uniform('p', [['u32', 3], ['f32', 0.5]])).not.toBe(a); // owned buffers are never shared
    ctx.destroy();
  });

  it('turns device loss into an error instead of a hang', async () => {
    const ctx = await acquireGpu();
    const runner = new KernelRunner(ctx);
    const buf = await runner.upload('x', new Float32Array([1, 2, 3, 4]));
    ctx.device.destroy();
    await expect(ctx.lost).rejects.toBeInstanceOf(DeviceLostError);
    await expect(runner.read(buf)).rejects.toThrow();
    expect(ctx.isLost()).toBe(true);
  });
});
