// Telephone-band filtering: a 4th-order Butterworth high-pass at 300 Hz cascaded with a 4th-order
// Butterworth low-pass at 3400 Hz, each as two biquads (RBJ "Audio EQ Cookbook" bilinear-transform
// formulas with prewarping; the Q of each section comes from the Butterworth pole angles).

export interface BiquadCoefficients {
  b0: number;
  b1: number;
  b2: number;
  a1: number;
  a2: number; // normalised so a0 = 1
}

/** Q of the N/2 second-order sections of an N-th order Butterworth filter: 1 / (2·cos θk), θk = (2k+1)π/(2N). */
export function butterworthSectionQs(order: number): number[] {
  if (!Number.isInteger(order) || order < 2 || order % 2 !== 0) throw new Error(`butterworth: order must be an even integer ≥ 2, got ${order}`);
  const qs: number[] = [];
  for (let k = 0; k < order / 2; k++) qs.push(1 / (2 * Math.cos(((2 * k + 1) * Math.PI) / (2 * order))));
  return qs;
}

export function biquad(kind: 'lowpass' | 'highpass', cutoffHz: number, q: number, sampleRate: number): BiquadCoefficients {
  if (!(cutoffHz > 0 && cutoffHz < sampleRate / 2)) throw new Error(`biquad: cutoff ${cutoffHz} Hz must lie in (0, ${sampleRate / 2}) Hz`);
  const w0 = (2 * Math.PI * cutoffHz) / sampleRate;
  const cos = Math.cos(w0);
  const alpha = Math.sin(w0) / (2 * q);
  const a0 = 1 + alpha;
  const b1 = kind === 'lowpass' ? 1 - cos : -(1 + cos);
  const b0 = kind === 'lowpass' ? (1 - cos) / 2 : (1 + cos) / 2;
  return { b0: b0 / a0, b1: b1 / a0, b2: b0 / a0, a1: (-2 * cos) / a0, a2: (1 - alpha) / a0 };
}

/** Direct form II transposed, float64 state, zero initial conditions. */
export function applyBiquad(x: ArrayLike<number>, c: BiquadCoefficients): Float64Array {
  const y = new Float64Array(x.length);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    const out = c.b0 * v + s1;
    s1 = c.b1 * v - c.a1 * out + s2;
    s2 = c.b2 * v - c.a2 * out;
    y[i] = out;
  }
  return y;
}

export interface BandPassSpec {
  lowHz: number;
  highHz: number;
  order: number; // of each of the high-pass and the low-pass
}

export const TELEPHONE_BAND: BandPassSpec = { lowHz: 300, highHz: 3400, order: 4 };

export function bandPassSections(spec: BandPassSpec, sampleRate: number): BiquadCoefficients[] {
  if (!(spec.lowHz < spec.highHz)) throw new Error(`band-pass: low edge ${spec.lowHz} Hz must be below high edge ${spec.highHz} Hz`);
  const qs = butterworthSectionQs(spec.order);
  return [
    ...qs.map((q) => biquad('highpass', spec.lowHz, q, sampleRate)),
    ...qs.map((q) => biquad('lowpass', spec.highHz, q, sampleRate)),
  ];
}

export function bandPass(x: ArrayLike<number>, spec: BandPassSpec, sampleRate: number): Float64Array {
  let y: ArrayLike<number> = x;
  for (const section of bandPassSections(spec, sampleRate)) y = applyBiquad(y, section);
  return y instanceof Float64Array ? y : Float64Array.from(y);
}
