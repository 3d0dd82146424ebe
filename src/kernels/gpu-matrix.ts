// Weight matrices on the GPU: rows × cols, stored as u32 words (f16 packed two per word, or f32 bits),
// split by rows across several buffers when one would pass the device's binding limit
// (Qwen's 151,936 × 896 embedding is 272 MB in f16, over the 128–256 MiB many browsers allow).
import { BufferLimitError } from '../gpu/errors.ts';
import type { KernelRunner } from '../gpu/runner.ts';
import { toF16Bits } from './f16.ts';

export type GpuDtype = 'f16' | 'f32';

export interface MatrixChunk {
  buffer: GPUBuffer;
  row0: number;
  rows: number;
}

export interface GpuMatrix {
  label: string;
  rows: number;
  cols: number;
  dtype: GpuDtype;
  /** u32 words per row (an odd f16 row is padded with one half). */
  rowWords: number;
  chunks: MatrixChunk[];
  bytes: number;
}

/** Row-major values: f32 numbers, or raw f16 bits (as read from a float16 safetensors file). */
export type MatrixSource = { f32: Float32Array } | { f16: Uint16Array };

export function rowWords(cols: number, dtype: GpuDtype): number {
  return dtype === 'f16' ? Math.ceil(cols / 2) : cols;
}

/** The largest byte size one weight buffer may have on this device. */
export function maxChunkBytes(runner: KernelRunner): number {
  const l = runner.device.limits;
  return Math.min(l.maxStorageBufferBindingSize, l.maxBufferSize);
}

function packChunk(src: MatrixSource, cols: number, dtype: GpuDtype, r0: number, r1: number): ArrayBufferView {
  const rw = rowWords(cols, dtype);
  if (dtype === 'f32') {
    if (!('f32' in src)) throw new Error('f32 storage needs f32 source values');
    return src.f32.subarray(r0 * cols, r1 * cols);
  }
  const bits = 'f16' in src ? src.f16.subarray(r0 * cols, r1 * cols) : toF16Bits(src.f32.subarray(r0 * cols, r1 * cols));
  if (cols % 2 === 0) return bits; // already the packed layout (element 2j in the low half)
  const out = new Uint16Array((r1 - r0) * rw * 2);
  for (let r = 0; r < r1 - r0; r++) out.set(bits.subarray(r * cols, (r + 1) * cols), r * rw * 2);
  return out;
}

export async function uploadMatrix(
  runner: KernelRunner,
  label: string,
  rows: number,
  cols: number,
  dtype: GpuDtype,
  src: MatrixSource,
  opts: { maxChunkBytes?: number } = {},
): Promise<GpuMatrix> {
  const n = 'f32' in src ? src.f32.length : src.f16.length;
  if (n !== rows * cols) throw new Error(`${label}: expected ${rows}×${cols} = ${rows * cols} values, got ${n}`);
  const rw = rowWords(cols, dtype);
  const rowBytes = rw * 4;
  const limit = opts.maxChunkBytes ?? maxChunkBytes(runner);
  const rowsPerChunk = Math.floor(limit / rowBytes);
  if (rowsPerChunk < 1) {
    throw new BufferLimitError(`${label}: one row is ${rowBytes} bytes, over the device's buffer binding limit of ${limit} bytes`);
  }
  const chunks: MatrixChunk[] = [];
  for (let r0 = 0; r0 < rows; r0 += rowsPerChunk) {
    const r1 = Math.min(rows, r0 + rowsPerChunk);
    const name = chunks.length || r1 < rows ? `${label}[rows ${r0}..${r1})` : label;
    chunks.push({ buffer: await runner.upload(name, packChunk(src, cols, dtype, r0, r1)), row0: r0, rows: r1 - r0 });
  }
  return { label, rows, cols, dtype, rowWords: rw, chunks, bytes: rows * rowBytes };
}

export function destroyMatrix(m: GpuMatrix): void {
  for (const c of m.chunks) c.buffer.destroy();
}
