// The safetensors format (https://huggingface.co/docs/safetensors): read, write, and dtype conversion.
// Layout: u64 little-endian header length N, N bytes of JSON header {name: {dtype, shape, data_offsets}},
// then the raw little-endian tensor bytes. Browser-safe (no Node imports).
//
// INTERFACE (stable):
//   type SafetensorsDtype = 'F32' | 'F16' | 'BF16' | (other safetensors dtypes, readable but not convertible)
//   interface SafeTensor { dtype; shape: number[]; data: Uint8Array }          // raw bytes, little-endian
//   parseSafetensors(bytes: Uint8Array, file?): { tensors: Map<string, SafeTensor>; metadata }
//   writeSafetensors(tensors: Map|Record<string, SafeTensorInput>, metadata?): Uint8Array
//   parseShardIndex(json, file?): { weightMap: Record<tensor, shardFile>; files: string[] }
//   tensorToFloat32(t, name?): Float32Array      tensorToF16Bits(t, name?): Uint16Array
//   float32ToF16Bits / f16BitsToFloat32 / bf16BitsToFloat32 / float32ToBf16Bits / bf16BitsToF16Bits

export type SafetensorsDtype = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL' | 'F8_E4M3' | 'F8_E5M2';

const DTYPE_BYTES: Record<SafetensorsDtype, number> = {
  F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1, F8_E4M3: 1, F8_E5M2: 1,
};

/** The float dtypes model weights may use. */
export const WEIGHT_DTYPES: readonly SafetensorsDtype[] = ['F32', 'F16', 'BF16'];

export interface SafeTensor {
  dtype: SafetensorsDtype;
  shape: number[];
  /** Raw little-endian bytes (a view into the file buffer; may be unaligned). */
  data: Uint8Array;
}

export interface SafeTensorInput {
  dtype: 'F32' | 'F16' | 'BF16';
  shape: number[];
  /** F32: Float32Array; F16/BF16: Uint16Array of bits; or raw bytes. */
  data: Float32Array | Uint16Array | Uint8Array;
}

export class SafetensorsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SafetensorsError';
  }
}

export function dtypeByteSize(dtype: SafetensorsDtype): number {
  return DTYPE_BYTES[dtype];
}

export function shapeSize(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function parseSafetensors(
  bytes: Uint8Array,
  file = 'model.safetensors',
): { tensors: Map<string, SafeTensor>; metadata: Record<string, string> } {
  if (bytes.byteLength < 8) throw new SafetensorsError(`${file}: too short to be a safetensors file (${bytes.byteLength} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = Number(view.getBigUint64(0, true));
  if (headerLen <= 0 || 8 + headerLen > bytes.byteLength) {
    throw new SafetensorsError(`${file}: header length ${headerLen} does not fit in ${bytes.byteLength} bytes (truncated or not safetensors)`);
  }
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLen))) as Record<string, unknown>;
  } catch (e) {
    throw new SafetensorsError(`${file}: header is not valid JSON (${(e as Error).message})`);
  }
  const dataStart = 8 + headerLen;
  const dataLen = bytes.byteLength - dataStart;
  const tensors = new Map<string, SafeTensor>();
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = (entry ?? {}) as Record<string, string>;
      continue;
    }
    const e = entry as { dtype?: string; shape?: unknown; data_offsets?: unknown };
    const dtype = e.dtype as SafetensorsDtype;
    if (!(dtype in DTYPE_BYTES)) throw new SafetensorsError(`${file}: tensor "${name}" has unknown dtype "${e.dtype}"`);
    const shape = e.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new SafetensorsError(`${file}: tensor "${name}" has an invalid shape ${JSON.stringify(shape)}`);
    }
    const offs = e.data_offsets;
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((o) => Number.isInteger(o))) {
      throw new SafetensorsError(`${file}: tensor "${name}" has invalid data_offsets ${JSON.stringify(offs)}`);
    }
    const [begin, end] = offs as [number, number];
    const expected = shapeSize(shape) * DTYPE_BYTES[dtype];
    if (end - begin !== expected || begin < 0 || end > dataLen) {
      throw new SafetensorsError(
        `${file}: tensor "${name}" (${dtype} ${JSON.stringify(shape)}) spans bytes [${begin}, ${end}) but needs ${expected} bytes within ${dataLen}`,
      );
    }
    tensors.set(name, { dtype, shape: shape as number[], data: bytes.subarray(dataStart + begin, dataStart + end) });
  }
  return { tensors, metadata };
}

function inputBytes(t: SafeTensorInput, name: string): Uint8Array {
  const expected = shapeSize(t.shape) * DTYPE_BYTES[t.dtype];
  const d = t.data;
  const okType = d instanceof Uint8Array || (t.dtype === 'F32' ? d instanceof Float32Array : d instanceof Uint16Array);
  if (!okType) throw new SafetensorsError(`writeSafetensors: tensor "${name}" (${t.dtype}) has the wrong array type ${d.constructor.name}`);
  const bytes = new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
  if (bytes.byteLength !== expected) {
    throw new SafetensorsError(`writeSafetensors: tensor "${name}" ${JSON.stringify(t.shape)} ${t.dtype} needs ${expected} bytes, got ${bytes.byteLength}`);
  }
  return bytes;
}

/** Serializes tensors (sorted by name, 8-byte aligned data) into one safetensors file. */
export function writeSafetensors(
  tensors: Map<string, SafeTensorInput> | Record<string, SafeTensorInput>,
  metadata?: Record<string, string>,
): Uint8Array {
  const entries = (tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  const blobs: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of entries) {
    const b = inputBytes(t, name);
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + b.byteLength] };
    blobs.push(b);
    offset += b.byteLength;
  }
  let headerBytes = new TextEncoder().encode(JSON.stringify(header));
  const pad = (8 - (headerBytes.byteLength % 8)) % 8; // spaces keep the data section 8-byte aligned
  if (pad) headerBytes = new TextEncoder().encode(JSON.stringify(header) + ' '.repeat(pad));
  const out = new Uint8Array(8 + headerBytes.byteLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.byteLength), true);
  out.set(headerBytes, 8);
  let pos = 8 + headerBytes.byteLength;
  for (const b of blobs) {
    out.set(b, pos);
    pos += b.byteLength;
  }
  return out;
}

/** Reads model.safetensors.index.json: which shard file holds each tensor. */
export function parseShardIndex(json: unknown, file = 'model.safetensors.index.json'): { weightMap: Record<string, string>; files: string[] } {
  const map = (json as { weight_map?: unknown } | null)?.weight_map;
  if (!map || typeof map !== 'object' || Array.isArray(map)) throw new SafetensorsError(`${file}: missing "weight_map" object`);
  const weightMap: Record<string, string> = {};
  for (const [name, shard] of Object.entries(map as Record<string, unknown>)) {
    if (typeof shard !== 'string' || !/^[^/\\]+\.safetensors$/.test(shard)) {
      throw new SafetensorsError(`${file}: tensor "${name}" maps to an invalid shard ${JSON.stringify(shard)}`);
    }
    weightMap[name] = shard;
  }
  return { weightMap, files: [...new Set(Object.values(weightMap))].sort() };
}

// ---- dtype conversion ---------------------------------------------------------------------------

const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);

/** IEEE half bits → number (exact). */
export function f16BitsToFloat32(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/** number → IEEE half bits, round to nearest even; overflow → ±Inf. */
export function float32ToF16Bits(v: number): number {
  f32Scratch[0] = v;
  const x = u32Scratch[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign; // underflow to ±0
    mant |= 0x800000; // subnormal half: shift the implicit bit in
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    let r = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    if (rem > half || (rem === half && r & 1)) r++;
    return sign | r;
  }
  let r = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && r & 1)) r++; // may carry into the exponent, which is correct
  return sign | r;
}

export function bf16BitsToFloat32(b: number): number {
  u32Scratch[0] = (b & 0xffff) << 16;
  return f32Scratch[0]!;
}

/** number → bfloat16 bits, round to nearest even (NaN stays NaN). */
export function float32ToBf16Bits(v: number): number {
  f32Scratch[0] = v;
  const x = u32Scratch[0]!;
  if ((x & 0x7f800000) === 0x7f800000 && x & 0x7fffff) return ((x >>> 16) | 0x40) & 0xffff;
  return ((x + 0x7fff + ((x >>> 16) & 1)) >>> 16) & 0xffff;
}

/** bfloat16 → half (rounded; values beyond ±65504 become ±Inf, tiny ones subnormal/0). */
export function bf16BitsToF16Bits(b: number): number {
  return float32ToF16Bits(bf16BitsToFloat32(b));
}

// 65536-entry tables: per-element conversion with arithmetic takes minutes on a 0.5B model, a lookup seconds.
let f16Table: Float32Array | null = null;
let bf16ToF16Table: Uint16Array | null = null;

function f16ToF32Table(): Float32Array {
  if (!f16Table) {
    f16Table = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) f16Table[h] = f16BitsToFloat32(h);
  }
  return f16Table;
}

function bf16ToF16BitsTable(): Uint16Array {
  if (!bf16ToF16Table) {
    bf16ToF16Table = new Uint16Array(65536);
    for (let b = 0; b < 65536; b++) bf16ToF16Table[b] = bf16BitsToF16Bits(b);
  }
  return bf16ToF16Table;
}

function u16View(t: SafeTensor): Uint16Array {
  const d = t.data;
  if (d.byteOffset % 2 === 0) return new Uint16Array(d.buffer, d.byteOffset, d.byteLength / 2);
  return new Uint16Array(d.slice().buffer);
}

function requireWeightDtype(t: SafeTensor, name: string): void {
  if (!WEIGHT_DTYPES.includes(t.dtype)) {
    throw new SafetensorsError(`tensor "${name}" has unsupported dtype ${t.dtype} (supported: ${WEIGHT_DTYPES.join(', ')})`);
  }
}

/** Any F32/F16/BF16 tensor as a fresh Float32Array. */
export function tensorToFloat32(t: SafeTensor, name = 'tensor'): Float32Array {
  requireWeightDtype(t, name);
  const n = shapeSize(t.shape);
  if (t.dtype === 'F32') {
    if (t.data.byteOffset % 4 === 0) return new Float32Array(t.data.buffer, t.data.byteOffset, n).slice();
    return new Float32Array(t.data.slice().buffer);
  }
  const src = u16View(t);
  const out = new Float32Array(n);
  if (t.dtype === 'BF16') {
    const bits = new Uint32Array(out.buffer);
    for (let i = 0; i < n; i++) bits[i] = src[i]! << 16;
  } else {
    const table = f16ToF32Table();
    for (let i = 0; i < n; i++) out[i] = table[src[i]!]!;
  }
  return out;
}

/** Any F32/F16/BF16 tensor as half-precision bits (two pack into one u32 for `unpack2x16float`). */
export function tensorToF16Bits(t: SafeTensor, name = 'tensor'): Uint16Array {
  requireWeightDtype(t, name);
  const n = shapeSize(t.shape);
  if (t.dtype === 'F16') return u16View(t).slice();
  const out = new Uint16Array(n);
  if (t.dtype === 'BF16') {
    const src = u16View(t);
    const table = bf16ToF16BitsTable();
    for (let i = 0; i < n; i++) out[i] = table[src[i]!]!;
  } else {
    const src = tensorToFloat32(t, name);
    for (let i = 0; i < n; i++) out[i] = float32ToF16Bits(src[i]!);
  }
  return out;
}
