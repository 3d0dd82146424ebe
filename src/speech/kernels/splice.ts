// Dispatch wrappers for shaders/splice.wgsl (in-place forward) and shaders/splice_backward.wgsl, plus
// frame stacking, which in row-major layout is a copy and a zero tail (no shader needed).
import type { KernelRunner } from '../../gpu/runner.ts';
import { checkDims, dummyBuffer, grid2d, prepare, run, type Dispatch } from '../../kernels/dispatch.ts';
import type { SpliceIndex } from '../splice-reference.ts';

export interface SpliceBuffers {
  sourceMap: GPUBuffer; // i32 × S
  audioPositions: GPUBuffer; // u32 × audio rows
  markerPositions: GPUBuffer; // u32 × 2·spans
}

/** Uploads a prompt's splice index once; reused by the forward and backward of every step. */
export async function uploadSpliceIndex(runner: KernelRunner, index: SpliceIndex): Promise<SpliceBuffers> {
  return {
    sourceMap: await runner.upload('splice.src', index.sourceMap),
    audioPositions: index.audioRows ? await runner.upload('splice.audio_pos', index.audioPositions) : await dummyBuffer(runner),
    markerPositions: index.spans ? await runner.upload('splice.marker_pos', index.markerPositions) : await dummyBuffer(runner),
  };
}

function checkSizes(what: string, S: number, D: number, index: SpliceIndex, buffers: Record<string, [GPUBuffer, number]>): void {
  checkDims(what, { S, D });
  if (index.sourceMap.length !== S) throw new Error(`${what}: splice index covers ${index.sourceMap.length} positions, expected ${S}`);
  for (const [name, [buffer, floats]] of Object.entries(buffers)) {
    if (buffer.size < floats * 4) throw new Error(`${what}: ${name} holds ${buffer.size} bytes, needs ${floats * 4}`);
  }
}

/** x (S × D) ← begin/audio/end rows at the audio placeholders; markers = [begin; end] (2 × D). */
export async function prepareSplice(
  runner: KernelRunner,
  args: { x: GPUBuffer; audio: GPUBuffer; markers: GPUBuffer; S: number; D: number; index: SpliceIndex; buffers: SpliceBuffers },
): Promise<Dispatch> {
  const { S, D, index } = args;
  checkSizes('splice', S, D, index, { x: [args.x, S * D], audio: [args.audio, Math.max(1, index.audioRows) * D], markers: [args.markers, 2 * D] });
  const pipeline = await runner.pipeline('splice');
  const params = runner.uniform('splice', [['u32', S], ['u32', D]]);
  return prepare(runner, 'splice', pipeline, [params, args.x, args.audio, args.markers, args.buffers.sourceMap], grid2d(runner, Math.ceil((S * D) / 256), 'splice'));
}

export async function splice(runner: KernelRunner, args: Parameters<typeof prepareSplice>[1], encoder?: GPUCommandEncoder): Promise<void> {
  run(runner, [await prepareSplice(runner, args)], encoder);
}

/** dx (S × D, text rows only), daudio (rows × D) and dmarkers (2 × D, summed over spans) from dy. */
export async function prepareSpliceBackward(
  runner: KernelRunner,
  args: { dy: GPUBuffer; dx: GPUBuffer; dAudio: GPUBuffer; dMarkers: GPUBuffer; S: number; D: number; index: SpliceIndex; buffers: SpliceBuffers },
): Promise<Dispatch> {
  const { S, D, index } = args;
  checkSizes('splice_backward', S, D, index, {
    dy: [args.dy, S * D],
    dx: [args.dx, S * D],
    dAudio: [args.dAudio, index.audioRows * D],
    dMarkers: [args.dMarkers, 2 * D],
  });
  const pipeline = await runner.pipeline('splice_backward');
  const params = runner.uniform('splice_backward', [['u32', S], ['u32', D], ['u32', index.audioRows], ['u32', index.spans]]);
  const total = (S + index.audioRows + 2) * D;
  return prepare(
    runner,
    'splice_backward',
    pipeline,
    [params, args.dy, args.buffers.sourceMap, args.buffers.audioPositions, args.buffers.markerPositions, args.dx, args.dAudio, args.dMarkers],
    grid2d(runner, Math.ceil(total / 256), 'splice_backward'),
  );
}

export async function spliceBackward(runner: KernelRunner, args: Parameters<typeof prepareSpliceBackward>[1], encoder?: GPUCommandEncoder): Promise<void> {
  run(runner, [await prepareSpliceBackward(runner, args)], encoder);
}

/** frames (T × E) → stacked (⌈T/k⌉ × kE): the same bytes followed by zeros for the partial last stack. */
export function recordStackFrames(
  runner: KernelRunner,
  args: { frames: GPUBuffer; stacked: GPUBuffer; T: number; E: number; stack: number },
  encoder?: GPUCommandEncoder,
): number {
  const { T, E, stack } = args;
  checkDims('stack_frames', { T, E, stack });
  const N = Math.ceil(T / stack);
  const used = T * E * 4;
  const total = N * stack * E * 4;
  if (args.frames.size < used) throw new Error(`stack_frames: frames hold ${args.frames.size} bytes, need ${used}`);
  if (args.stacked.size < total) throw new Error(`stack_frames: stacked holds ${args.stacked.size} bytes, needs ${total}`);
  const enc = encoder ?? runner.device.createCommandEncoder();
  enc.copyBufferToBuffer(args.frames, 0, args.stacked, 0, used);
  // clearBuffer needs 4-byte aligned offset and size: both are multiples of 4 here.
  if (total > used) enc.clearBuffer(args.stacked, used, total - used);
  if (!encoder) runner.device.queue.submit([enc.finish()]);
  return N;
}
