import { describe, expect, it } from 'vitest';
import {
  bf16BitsToFloat32,
  f16BitsToFloat32,
  float32ToBf16Bits,
  float32ToF16Bits,
  parseSafetensors,
  parseShardIndex,
  tensorToF16Bits,
  tensorToFloat32,
  writeSafetensors,
} from '../../../src/model/safetensors.ts';
import { randomArray } from '../../../src/reference/compare.ts';

describe('safetensors', () => {
  it('round-trips F32, F16 and BF16 tensors with metadata and an aligned data section', () => {
    const a = randomArray(6, 1);
    const h = Uint16Array.from([0x3c00, 0xc000, 0x0001, 0x7bff]); // 1, -2, smallest subnormal, 65504
    const b = Uint16Array.from([0x3f80, 0x4049]); // 1, 3.140625
    const bytes = writeSafetensors(
      { 'w.a': { dtype: 'F32', shape: [2, 3], data: a }, 'w.h': { dtype: 'F16', shape: [4], data: h }, 'w.b': { dtype: 'BF16', shape: [1, 2], data: b } },
      { format: 'pt' },
    );
    const headerLen = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect((8 + headerLen) % 8).toBe(0);
    const { tensors, metadata } = parseSafetensors(bytes);
    expect(metadata).toEqual({ format: 'pt' });
    expect([...tensors.keys()].sort()).toEqual(['w.a', 'w.b', 'w.h']);
    expect(tensors.get('w.a')!.shape).toEqual([2, 3]);
    expect(tensorToFloat32(tensors.get('w.a')!)).toEqual(a);
    expect(Array.from(tensorToFloat32(tensors.get('w.h')!))).toEqual([1, -2, 2 ** -24, 65504]);
    expect(Array.from(tensorToFloat32(tensors.get('w.b')!))).toEqual([1, 3.140625]);
    expect(Array.from(tensorToF16Bits(tensors.get('w.h')!))).toEqual(Array.from(h));
    expect(Array.from(tensorToF16Bits(tensors.get('w.b')!))).toEqual([0x3c00, float32ToF16Bits(3.140625)]);
  });

  it('reads unaligned tensors (odd byte offsets) correctly', () => {
    const bytes = writeSafetensors({ a: { dtype: 'F16', shape: [1], data: Uint16Array.from([0x3c00]) }, b: { dtype: 'F32', shape: [2], data: Float32Array.from([1.5, -2.25]) } });
    const shifted = new Uint8Array(bytes.byteLength + 1);
    shifted.set(bytes, 1);
    const { tensors } = parseSafetensors(shifted.subarray(1));
    expect(Array.from(tensorToFloat32(tensors.get('b')!))).toEqual([1.5, -2.25]);
  });

  it('converts f16 and bf16 bits exactly and with round-to-nearest-even', () => {
    for (let bits = 0; bits < 0x10000; bits += 7) {
      const v = f16BitsToFloat32(bits);
      if (Number.isNaN(v)) continue;
      expect(float32ToF16Bits(v)).toBe(bits); // every half value maps back to itself
    }
    expect(float32ToF16Bits(1 + 2 ** -11)).toBe(0x3c00); // tie → even
    expect(float32ToF16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie → even (up)
    expect(float32ToF16Bits(70000)).toBe(0x7c00);
    expect(float32ToF16Bits(-1e-10)).toBe(0x8000);
    expect(Number.isNaN(f16BitsToFloat32(float32ToF16Bits(NaN)))).toBe(true);
    expect(bf16BitsToFloat32(float32ToBf16Bits(1 + 2 ** -8))).toBe(1); // tie → even
    expect(bf16BitsToFloat32(float32ToBf16Bits(1 + 3 * 2 ** -8))).toBe(1 + 2 ** -6);
    expect(bf16BitsToFloat32(float32ToBf16Bits(-3.5))).toBe(-3.5);
  });

  it('names the file and tensor in errors', () => {
    const good = writeSafetensors({ t: { dtype: 'F32', shape: [4], data: new Float32Array(4) } });
    expect(() => parseSafetensors(good.subarray(0, good.byteLength - 4), 'm.safetensors')).toThrow(/m.safetensors: tensor "t" .* needs 16 bytes/);
    expect(() => parseSafetensors(new Uint8Array(4), 'x.safetensors')).toThrow(/x.safetensors: too short/);
    const junk = new Uint8Array(16);
    new DataView(junk.buffer).setBigUint64(0, 8n, true);
    junk.set(new TextEncoder().encode('{notjson'), 8);
    expect(() => parseSafetensors(junk, 'j.safetensors')).toThrow(/j.safetensors: header is not valid JSON/);
    const i64 = new Uint8Array(good);
    const hdr = new TextDecoder().decode(i64.subarray(8, 8 + Number(new DataView(i64.buffer).getBigUint64(0, true))));
    const withI32 = new TextEncoder().encode(hdr.replace('"F32"', '"I32"'));
    i64.set(withI32, 8);
    const { tensors } = parseSafetensors(i64);
    expect(() => tensorToFloat32(tensors.get('t')!, 't')).toThrow(/tensor "t" has unsupported dtype I32/);
    expect(() => writeSafetensors({ t: { dtype: 'F32', shape: [3], data: new Float32Array(4) } })).toThrow(/tensor "t" \[3\] F32 needs 12 bytes, got 16/);
  });

  it('parses a sharded index and rejects bad shard names', () => {
    const idx = parseShardIndex({ weight_map: { a: 'model-00002-of-00002.safetensors', b: 'model-00001-of-00002.safetensors', c: 'model-00001-of-00002.safetensors' } });
    expect(idx.files).toEqual(['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors']);
    expect(() => parseShardIndex({})).toThrow(/weight_map/);
    expect(() => parseShardIndex({ weight_map: { a: '../evil.safetensors' } })).toThrow(/tensor "a" maps to an invalid shard/);
  });
});
