import { describe, it, beforeAll, expect } from 'vitest';
import { testGpu, poisonedBuffer, expectClose } from '../helpers/gpu.ts';
import { embedding, checkTokenIds } from '../../src/kernels/embedding.ts';
import { uploadMatrix } from '../../src/kernels/gpu-matrix.ts';
import { roundToF16 } from '../../src/kernels/f16.ts';
import { embeddingGather } from '../../src/reference/embedding.ts';
import { randomArray, rng } from '../../src/reference/compare.ts';
import type { KernelRunner } from '../../src/gpu/runner.ts';

let runner: KernelRunner;
beforeAll(async () => {
  ({ runner } = await testGpu());
});

async function check(vocab: number, D: number, T: number, dtype: 'f16' | 'f32', chunkRows?: number) {
  const table = randomArray(vocab * D, vocab + D);
  const r = rng(T);
  const ids = Uint32Array.from({ length: T }, () => Math.floor(r() * vocab));
  ids[0] = vocab - 1; // the last row of the last chunk
  const rowBytes = (dtype === 'f16' ? Math.ceil(D / 2) : D) * 4;
  const W = await uploadMatrix(runner, 'embed', vocab, D, dtype, { f32: table }, chunkRows ? { maxChunkBytes: chunkRows * rowBytes } : {});
  if (chunkRows) expect(W.chunks.length).toBeGreaterThan(1);
  const tokens = await runner.upload('tokens', ids);
  const out = await poisonedBuffer(runner, 'out', T * D);
  await embedding(runner, { tokens, table: W, out, T });
  const want = embeddingGather(dtype === 'f16' ? roundToF16(table) : table, ids, vocab, D);
  expectClose(await runner.readF32(out, T * D), want, 1e-7, `embedding ${dtype} ${vocab}×${D}`);
}

describe('embedding gather', () => {
  it('f32 table, odd sizes', () => check(37, 13, 11, 'f32'));
  it('f16 table, odd width', () => check(50, 21, 9, 'f16'));
  it('f16 table split over several buffers', () => check(101, 24, 40, 'f16', 17));
  it('f32 table split over several buffers', () => check(64, 7, 33, 'f32', 10));
  it('rejects ids outside the vocabulary', () => {
    expect(() => checkTokenIds([1, 2, 50], 50)).toThrow(/token 2 has id 50, outside the vocabulary \[0, 50\)/);
  });
});
