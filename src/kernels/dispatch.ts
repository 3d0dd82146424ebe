// Prepared dispatches: a pipeline + bind group + grid, built once and recorded many times.
// The engine builds whole forward passes as lists of these and records a decode step into one
// compute pass (WebGPU orders the dispatches of a pass and makes each one's writes visible to the next).
import type { KernelRunner } from '../gpu/runner.ts';

export interface Dispatch {
  label: string;
  pipeline: GPUComputePipeline;
  bindGroup: GPUBindGroup;
  workgroups: [number, number, number];
  /** Uniform buffers made for this dispatch alone (freed by releaseDispatches). */
  uniforms: GPUBuffer[];
}

export function prepare(
  runner: KernelRunner,
  label: string,
  pipeline: GPUComputePipeline,
  buffers: GPUBuffer[],
  workgroups: [number, number, number],
): Dispatch {
  const uniforms = buffers.filter((b) => (b.usage & 64) /* UNIFORM */ !== 0);
  return { label, pipeline, bindGroup: runner.bindGroup(pipeline, buffers), workgroups, uniforms };
}

/** Records all dispatches into one compute pass of `encoder`. */
export function encodeAll(encoder: GPUCommandEncoder, list: readonly Dispatch[]): void {
  if (!list.length) return;
  const pass = encoder.beginComputePass();
  for (const d of list) {
    pass.setPipeline(d.pipeline);
    pass.setBindGroup(0, d.bindGroup);
    pass.dispatchWorkgroups(d.workgroups[0], d.workgroups[1], d.workgroups[2]);
  }
  pass.end();
}

/** Frees the per-dispatch uniform buffers of plans that will not be recorded again. */
export function releaseDispatches(list: readonly Dispatch[]): void {
  for (const d of list) for (const u of d.uniforms) u.destroy();
}

/** Records into `encoder` when given, else submits at once. */
export function run(runner: KernelRunner, list: readonly Dispatch[], encoder?: GPUCommandEncoder): void {
  const enc = encoder ?? runner.device.createCommandEncoder();
  encodeAll(enc, list);
  if (!encoder) runner.device.queue.submit([enc.finish()]);
}

/** Spreads `count` workgroups over x (and y when x would pass the per-dimension limit). Shaders
 * recover the flat index as wg.x + wg.y * num_workgroups.x and skip indices ≥ count. */
export function grid2d(runner: KernelRunner, count: number, what: string): [number, number, number] {
  const max = runner.device.limits.maxComputeWorkgroupsPerDimension;
  if (count <= max) return [Math.max(1, count), 1, 1];
  const y = Math.ceil(count / max);
  if (y > max) throw new Error(`${what}: ${count} workgroups exceed the device limit ${max}²`);
  return [Math.ceil(count / y), y, 1];
}

export function checkDims(what: string, dims: Record<string, number>): void {
  for (const [name, v] of Object.entries(dims)) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`${what}: ${name} must be a positive integer, got ${v}`);
  }
}

const dummies = new WeakMap<KernelRunner, Promise<GPUBuffer>>();

/** A 16-byte buffer bound where a kernel's optional input (bias, norm weights) is absent. */
export function dummyBuffer(runner: KernelRunner): Promise<GPUBuffer> {
  let d = dummies.get(runner);
  if (!d) {
    d = runner.createBuffer('unused-binding', 16);
    dummies.set(runner, d);
  }
  return d;
}
