// For shaders with several entry points: each entry's 'auto' layout holds only the bindings it uses,
// so bind groups name binding numbers explicitly (KernelRunner.bindGroup numbers them 0..n−1).
import type { KernelRunner } from '../gpu/runner.ts';

export function bindAt(runner: KernelRunner, pipeline: GPUComputePipeline, entries: [number, GPUBuffer][]): GPUBindGroup {
  return runner.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: entries.map(([binding, buffer]) => ({ binding, resource: { buffer } })) });
}

/** Records one dispatch of `pipeline` with `group` into `enc`. */
export function encodePass(enc: GPUCommandEncoder, pipeline: GPUComputePipeline, group: GPUBindGroup, wg: [number, number, number]): void {
  const p = enc.beginComputePass();
  p.setPipeline(pipeline);
  p.setBindGroup(0, group);
  p.dispatchWorkgroups(...wg);
  p.end();
}

export function submitOrRecord(runner: KernelRunner, record: (enc: GPUCommandEncoder) => void, encoder?: GPUCommandEncoder): void {
  const enc = encoder ?? runner.device.createCommandEncoder();
  record(enc);
  if (!encoder) runner.device.queue.submit([enc.finish()]);
}
