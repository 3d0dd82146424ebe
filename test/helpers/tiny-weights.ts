// Tiny random models as ModelWeights (from buildTinyModel's files, in memory) and random embedding
// rows, and WebGPU backends on the test device, shared by the engine and splice tests.
import { afterAll, beforeAll } from 'vitest';
import type { GpuContext } from '../../src/gpu/device.ts';
import type { EmbeddingRows } from '../../src/model/backend.ts';
import { createGpuBackend, type GpuBackend } from '../../src/model/gpu/engine.ts';
import { testGpu } from './gpu.ts';
import { buildTinyModel, type TinyModelOptions } from '../../src/model/tiny.ts';
import { loadModelWeights, type ModelWeights } from '../../src/model/weights.ts';

/** `configPatch` overrides keys of config.json (e.g. to test config handling). */
export async function tinyWeights(o: TinyModelOptions, configPatch: Record<string, unknown> = {}): Promise<ModelWeights> {
  const files = buildTinyModel(o);
  files.set('config.json', JSON.stringify({ ...JSON.parse(files.get('config.json') as string), ...configPatch }));
  return loadModelWeights({
    name: `tiny-${o.architecture}`,
    has: async (f) => files.has(f),
    readText: async (f) => files.get(f) as string,
    readBytes: async (f) => files.get(f) as Uint8Array,
  });
}

/** Random rows (never zeros) in [−1, 1) at `positions`, from a small LCG so runs repeat. */
export function randomRows(positions: number[], D: number, seed: number): EmbeddingRows {
  let s = seed >>> 0;
  const rows = Array.from({ length: positions.length * D }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32) * 2 - 1 || 0.5;
  });
  return { positions, rows };
}

/** Registers the suite's hooks and returns a factory of WebGPU backends on the test device, disposed after the suite. */
export function gpuBackends(): (w: ModelWeights, extra?: Parameters<typeof createGpuBackend>[1]) => Promise<GpuBackend> {
  let ctx: GpuContext;
  const open: GpuBackend[] = [];
  beforeAll(async () => {
    ({ ctx } = await testGpu());
  });
  afterAll(() => open.forEach((b) => b.dispose()));
  return async (w, extra = {}) => {
    const b = await createGpuBackend(w, { gpu: ctx, ...extra });
    open.push(b);
    return b;
  };
}
