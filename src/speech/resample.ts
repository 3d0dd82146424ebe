// Sample-rate conversion with libsamplerate (Erik de Castro Lopo's SRC, BSD-2) compiled to wasm by
// @alexanderolsen/libsamplerate-js (MIT); works in Node and in browsers/workers.
import * as libsamplerate from '@alexanderolsen/libsamplerate-js';

type Lib = typeof libsamplerate;
// The package is a webpack UMD bundle: bundlers expose its named exports, Node's ESM loader only a default.
const lib: Lib = (libsamplerate as Lib & { default?: Lib }).create
  ? libsamplerate
  : (libsamplerate as unknown as { default: Lib }).default;

export interface Resampler {
  readonly fromRate: number;
  readonly toRate: number;
  /** Converts a whole mono signal (the SRC "simple" API: no state carried between calls). */
  resample(input: Float32Array): Float32Array;
  destroy(): void;
}

export async function createResampler(fromRate: number, toRate: number): Promise<Resampler> {
  for (const [name, rate] of [['fromRate', fromRate], ['toRate', toRate]] as const) {
    if (!Number.isInteger(rate) || rate < 1 || rate > 192000) throw new Error(`resampler: ${name} must be an integer in 1..192000 Hz, got ${rate}`);
  }
  const src = await lib.create(1, fromRate, toRate, { converterType: lib.ConverterType.SRC_SINC_MEDIUM_QUALITY });
  return {
    fromRate,
    toRate,
    resample: (input) => (fromRate === toRate ? input.slice() : src.simple(input)),
    destroy: () => src.destroy(),
  };
}
