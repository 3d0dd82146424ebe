// Dispatch wrappers for a 1-D convolution on time-major activations (x: T × Cin, y: Tout × Cout,
// W: PyTorch's Cout × Cin × K = a Cout × (Cin·K) row-major matrix). The products are the trainer's
// GEMMs from matmul_backward.ts; shaders/conv1d.wgsl supplies im2col / col2im / bias add / bias sum.
//   forward:  cols = im2col(x);  y = cols · Wᵀ (+ b)
//   backward: dW += dyᵀ · cols;  db += Σ_t dy;  dcols = dy · W;  dx = col2im(dcols)
// Gradients of W and b ACCUMULATE (so a training loop can sum over utterances); dx is overwritten.
import type { KernelRunner } from '../gpu/runner.ts';
import { checkConv1dShape, conv1dOutLength, type Conv1dShape } from '../reference/conv1d.ts';
import { elementGrid } from './elementwise-grid.ts';
import { dyTx, dyW, xWt } from './matmul_backward.ts';

export { conv1dOutLength, type Conv1dShape };

export interface Conv1dForwardArgs extends Conv1dShape {
  x: GPUBuffer; // T × Cin
  w: GPUBuffer; // Cout × Cin × K
  b?: GPUBuffer; // Cout
  cols: GPUBuffer; // Tout × Cin·K scratch; keep it for conv1dBackward
  y: GPUBuffer; // Tout × Cout, overwritten
}

export interface Conv1dBackwardArgs extends Conv1dShape {
  w: GPUBuffer;
  cols: GPUBuffer; // im2col(x) as the forward left it
  dy: GPUBuffer; // Tout × Cout
  dw: GPUBuffer; // += dyᵀ · cols
  db?: GPUBuffer; // += column sums of dy
  /** Overwritten with the input gradient; omit for a layer whose input needs none (e.g. log-mel). */
  dx?: GPUBuffer;
  /** Tout × Cin·K scratch, needed with dx. It may be `cols` itself (dW reads cols before dcols is written). */
  dcols?: GPUBuffer;
}

type Op = 'im2col' | 'col2im' | 'add_bias' | 'bias_grad';

function need(what: string, buffer: GPUBuffer, floats: number, name: string): void {
  if (buffer.size < floats * 4) throw new Error(`${what}: ${name} holds ${buffer.size / 4} floats, needs ${floats}`);
}

async function op(runner: KernelRunner, entryPoint: Op, s: Conv1dShape, Tout: number, src: GPUBuffer, dst: GPUBuffer, threads: number /* one per output element */, enc: GPUCommandEncoder): Promise<void> {
  const pipeline = await runner.pipeline('conv1d', { entryPoint });
  const params = runner.sharedUniform(`conv1d.${entryPoint}`, [
    ['u32', s.T], ['u32', s.Cin], ['u32', s.K], ['u32', s.stride], ['u32', s.pad], ['u32', Tout], ['u32', s.Cout], ['u32', 0],
  ]);
  runner.dispatch(pipeline, [params, src, dst], elementGrid(runner, threads, `conv1d.${entryPoint}`), enc);
}

/** y = conv1d(x; W, b). Records into `encoder` when given, else submits one command buffer. */
export async function conv1dForward(runner: KernelRunner, a: Conv1dForwardArgs, encoder?: GPUCommandEncoder): Promise<void> {
  const Tout = checkConv1dShape('conv1d', a);
  const width = a.Cin * a.K;
  need('conv1d', a.x, a.T * a.Cin, 'x');
  need('conv1d', a.w, a.Cout * width, 'w');
  need('conv1d', a.cols, Tout * width, 'cols');
  need('conv1d', a.y, Tout * a.Cout, 'y');
  if (a.b) need('conv1d', a.b, a.Cout, 'b');
  const enc = encoder ?? runner.device.createCommandEncoder();
  await op(runner, 'im2col', a, Tout, a.x, a.cols, Tout * width, enc);
  await xWt(runner, a.cols, a.w, a.y, Tout, a.Cout, width, {}, enc);
  if (a.b) await op(runner, 'add_bias', a, Tout, a.b, a.y, Tout * a.Cout, enc);
  if (!encoder) runner.device.queue.submit([enc.finish()]);
}

/** dW += dyᵀ·cols, db += Σ_t dy, dx = col2im(dy·W). Records into `encoder` when given, else submits. */
export async function conv1dBackward(runner: KernelRunner, a: Conv1dBackwardArgs, encoder?: GPUCommandEncoder): Promise<void> {
  const Tout = checkConv1dShape('conv1d_backward', a);
  const width = a.Cin * a.K;
  need('conv1d_backward', a.w, a.Cout * width, 'w');
  need('conv1d_backward', a.cols, Tout * width, 'cols');
  need('conv1d_backward', a.dy, Tout * a.Cout, 'dy');
  need('conv1d_backward', a.dw, a.Cout * width, 'dw');
  if (a.db) need('conv1d_backward', a.db, a.Cout, 'db');
  if (a.dx) {
    if (!a.dcols) throw new Error('conv1d_backward: dx needs a dcols scratch buffer (Tout × Cin·K; may be cols)');
    need('conv1d_backward', a.dx, a.T * a.Cin, 'dx');
    need('conv1d_backward', a.dcols, Tout * width, 'dcols');
  }
  const enc = encoder ?? runner.device.createCommandEncoder();
  await dyTx(runner, a.dy, a.cols, a.dw, Tout, a.Cout, width, { beta: 1 }, enc);
  if (a.db) await op(runner, 'bias_grad', a, Tout, a.dy, a.db, a.Cout, enc);
  if (a.dx && a.dcols) {
    await dyW(runner, a.dy, a.w, a.dcols, Tout, a.Cout, width, {}, enc);
    await op(runner, 'col2im', a, Tout, a.dcols, a.dx, a.T * a.Cin, enc);
  }
  if (!encoder) runner.device.queue.submit([enc.finish()]);
}
