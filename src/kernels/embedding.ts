// Dispatch wrapper for shaders/embedding.wgsl: out[t, :] = table[tokens[t], :], one dispatch per table chunk.
import type { KernelRunner } from '../gpu/runner.ts';
import { checkDims, prepare, run, type Dispatch } from './dispatch.ts';
import { elementGrid } from './elementwise-grid.ts';
import type { GpuMatrix } from './gpu-matrix.ts';

export interface EmbeddingArgs {
  tokens: GPUBuffer; // T u32 ids, each < table.rows (checked by the caller: ids live on the GPU)
  table: GpuMatrix; // vocab × D
  out: GPUBuffer; // T × D
  T: number;
}

export async function prepareEmbedding(runner: KernelRunner, args: EmbeddingArgs): Promise<Dispatch[]> {
  const { table, T } = args;
  const D = table.cols;
  checkDims('embedding', { T, D });
  if (args.out.size < T * D * 4) throw new Error(`embedding: output holds ${args.out.size} bytes, needs ${T}×${D} floats`);
  if (args.tokens.size < T * 4) throw new Error(`embedding: token buffer holds ${args.tokens.size} bytes, needs ${T} ids`);
  const pipeline = await runner.pipeline('embedding', { constants: { WEIGHT_F16: table.dtype === 'f16' ? 1 : 0 } });
  const groups = elementGrid(runner, T * D, 'embedding');
  return table.chunks.map((c, i) => {
    const params = runner.uniform(`embedding.${i}`, [['u32', T], ['u32', D], ['u32', c.row0], ['u32', c.rows], ['u32', table.rowWords]]);
    return prepare(runner, 'embedding', pipeline, [params, args.tokens, c.buffer, args.out], groups);
  });
}

export async function embedding(runner: KernelRunner, args: EmbeddingArgs, encoder?: GPUCommandEncoder): Promise<void> {
  run(runner, await prepareEmbedding(runner, args), encoder);
}

/** Throws a clear error for an id outside the vocabulary (the kernel would leave that row unwritten). */
export function checkTokenIds(tokens: ArrayLike<number>, vocab: number): void {
  for (let t = 0; t < tokens.length; t++) {
    const id = tokens[t]!;
    if (!Number.isInteger(id) || id < 0 || id >= vocab) throw new Error(`token ${t} has id ${id}, outside the vocabulary [0, ${vocab})`);
  }
}
