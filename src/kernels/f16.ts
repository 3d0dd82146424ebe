// Packing weights as f16 (two per u32 word) for the kernels; the bit conversions live with the
// safetensors reader (src/model/safetensors.ts) so loader and kernels round the same way.
import { f16BitsToFloat32, float32ToF16Bits } from '../model/safetensors.ts';

export function toF16Bits(values: ArrayLike<number>): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = float32ToF16Bits(values[i]!);
  return out;
}

/** The values as f16 storage holds them (for references of f16-weight kernels). */
export function roundToF16(values: ArrayLike<number>): Float32Array {
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = f16BitsToFloat32(float32ToF16Bits(values[i]!));
  return out;
}
