// GPU AdamW over one flat parameter buffer, with the global-norm clipping and non-finite guard of
// shaders/grad_norm.wgsl decided on the device. The control record (8 floats) stays on the GPU;
// readControl() fetches it for the step report.
import type { KernelRunner } from '../gpu/runner.ts';
import type { AdamWHyper } from '../reference/adamw.ts';
import { elementGrid } from './elementwise-grid.ts';
import { bindAt as bind, encodePass as pass } from './bind-at.ts';

const PARTS = 64;

export interface GpuAdamWState {
  n: number;
  params: GPUBuffer;
  m: GPUBuffer;
  v: GPUBuffer;
  partials: GPUBuffer;
  control: GPUBuffer;
}

export interface GpuStepReport {
  applied: boolean;
  step: number;
  gradNorm: number;
  clipScale: number;
  loss: number;
  skippedSteps: number;
}

export async function createAdamWState(runner: KernelRunner, params: GPUBuffer, n: number): Promise<GpuAdamWState> {
  const zeros = (label: string, count: number) => runner.upload(label, new Float32Array(count));
  return { n, params, m: await zeros('adamw.m', n), v: await zeros('adamw.v', n), partials: await zeros('adamw.partials', PARTS), control: await zeros('adamw.control', 8) };
}

/** Records norm → guard/clip decision → AdamW update. `loss` holds the step's loss in element 0. */
export async function adamwStep(
  runner: KernelRunner,
  s: GpuAdamWState,
  grads: GPUBuffer,
  loss: GPUBuffer,
  h: AdamWHyper & { maxGradNorm?: number },
  encoder?: GPUCommandEncoder,
): Promise<void> {
  await adamwStepTensors(runner, s, grads, loss, h, [{ buffer: s.params, n: s.n, offset: 0 }], encoder);
}

/**
 * The same for several parameter tensors (full-weight mode): one norm and guard over the flat gradient
 * buffer, then one update per tensor, whose gradient and moments sit at `offset` in the flat buffers.
 */
export async function adamwStepTensors(
  runner: KernelRunner,
  s: GpuAdamWState,
  grads: GPUBuffer,
  loss: GPUBuffer,
  h: AdamWHyper & { maxGradNorm?: number },
  tensors: { buffer: GPUBuffer; n: number; offset: number }[],
  encoder?: GPUCommandEncoder,
): Promise<void> {
  const partial = await runner.pipeline('grad_norm', { entryPoint: 'partial' });
  const finalize = await runner.pipeline('grad_norm', { entryPoint: 'finalize' });
  const update = await runner.pipeline('adamw');
  const np = runner.sharedUniform('grad_norm.params', [['u32', s.n], ['u32', PARTS], ['f32', h.maxGradNorm ?? 0], ['f32', h.beta1], ['f32', h.beta2], ['u32', 0], ['u32', 0], ['u32', 0]]);
  const enc = encoder ?? runner.device.createCommandEncoder();
  pass(enc, partial, bind(runner, partial, [[0, np], [1, grads], [2, s.partials]]), [PARTS, 1, 1]);
  pass(enc, finalize, bind(runner, finalize, [[0, np], [2, s.partials], [3, s.control], [4, loss]]), [1, 1, 1]);
  for (const t of tensors) {
    if (t.offset + t.n > s.n) throw new Error(`adamw: tensor at ${t.offset} (+${t.n}) passes the ${s.n} optimizer slots`);
    const ap = runner.sharedUniform('adamw.params', [['u32', t.n], ['f32', h.lr], ['f32', h.beta1], ['f32', h.beta2], ['f32', h.eps], ['f32', h.weightDecay], ['u32', t.offset], ['u32', 0]]);
    pass(enc, update, bind(runner, update, [[0, ap], [1, t.buffer], [2, grads], [3, s.m], [4, s.v], [5, s.control]]), elementGrid(runner, t.n, 'adamw'));
  }
  if (!encoder) runner.device.queue.submit([enc.finish()]);
}

export async function readControl(runner: KernelRunner, s: GpuAdamWState): Promise<GpuStepReport> {
  const c = await runner.readF32(s.control, 8);
  return { applied: c[0] === 1, clipScale: c[1]!, step: c[4]!, gradNorm: c[5]!, loss: c[6]!, skippedSteps: c[7]! };
}
