// Dispatch wrapper for shaders/sample.wgsl: per row of logits, the chosen token and its
// log-probability (semantics of src/model/sampling.ts), written as [id u32, logprob f32-bits] per row.
import type { KernelRunner } from '../gpu/runner.ts';
import type { SamplingParams } from '../model/sampling.ts';
import { checkDims, prepare, run, type Dispatch } from './dispatch.ts';

export interface SampleArgs {
  logits: GPUBuffer; // rows × V
  /** [sequence index, step] per row: the random stream samplingUniform(seed, sequence, step). */
  rowInfo: GPUBuffer;
  /** rows × V floats of working memory (the unnormalized probabilities). */
  scratch: GPUBuffer;
  out: GPUBuffer; // rows × 2 words
  /** rows u32: the chosen ids again, contiguous (the next decode step's token input, kept on the GPU). */
  nextTokens: GPUBuffer;
  rows: number;
  V: number;
  params: SamplingParams;
}

export async function prepareSample(runner: KernelRunner, a: SampleArgs): Promise<Dispatch> {
  const { rows, V, params } = a;
  checkDims('sample', { rows, V });
  if (a.logits.size < rows * V * 4 || a.scratch.size < rows * V * 4) throw new Error(`sample: logits and scratch must hold ${rows}×${V} floats`);
  if (a.out.size < rows * 8) throw new Error(`sample: output must hold ${rows}×2 words`);
  if (a.nextTokens.size < rows * 4) throw new Error(`sample: next-token buffer must hold ${rows} ids`);
  if (a.rowInfo.size < rows * 8) throw new Error(`sample: row info must hold ${rows}×2 words`);
  if (rows > runner.device.limits.maxComputeWorkgroupsPerDimension) throw new Error(`sample: ${rows} rows exceeds the workgroup limit`);
  if (!params.greedy && !(params.temperature > 0)) throw new Error(`sample: temperature must be > 0, got ${params.temperature}`);
  const pipeline = await runner.pipeline('sample');
  const u = runner.uniform('sample', [
    ['u32', V], ['u32', params.greedy ? 1 : 0], ['u32', params.topK], ['f32', params.topP],
    ['f32', params.greedy ? 1 : params.temperature], ['u32', params.seed >>> 0],
  ]);
  return prepare(runner, 'sample', pipeline, [u, a.logits, a.rowInfo, a.scratch, a.out, a.nextTokens], [rows, 1, 1]);
}

export async function sample(runner: KernelRunner, args: SampleArgs, encoder?: GPUCommandEncoder): Promise<void> {
  run(runner, [await prepareSample(runner, args)], encoder);
}

/** Splits the kernel's output words into token ids and log-probabilities. */
export function decodeSamples(words: Uint32Array, rows: number): { tokens: number[]; logprobs: number[] } {
  const f = new Float32Array(words.buffer, words.byteOffset, rows * 2);
  const tokens: number[] = [];
  const logprobs: number[] = [];
  for (let r = 0; r < rows; r++) {
    tokens.push(words[2 * r]!);
    logprobs.push(f[2 * r + 1]!);
  }
  return { tokens, logprobs };
}
