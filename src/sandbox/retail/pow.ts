// Correctly rounded x**y for finite x > 0 (CPython calls the C library's pow(), which glibc rounds
// correctly in all but vanishingly rare cases; JS Math.pow may be off by an ulp, which shows in
// results printed with all 17 digits). Computed as exp(y·ln x) in 180-bit fixed point with BigInt.

import { ldexp, ratioToDouble, scaledBigToDouble } from './pynum.ts';

const P = 180n; // fractional bits
const ONE = 1n << P;

const mul = (a: bigint, b: bigint) => (a * b) >> P;

// atanh(z) = z + z^3/3 + z^5/5 + ... for |z| <= 1/3 (fixed point).
function atanh(z: bigint): bigint {
  const z2 = mul(z, z);
  let term = z;
  let sum = 0n;
  for (let k = 1n; term !== 0n; k += 2n) {
    sum += term / k;
    term = mul(term, z2);
  }
  return sum;
}

const LN2 = 2n * atanh(ONE / 3n);

/** x = M * 2^E with M a 53-bit integer (x > 0, finite). */
function decompose(x: number): { M: bigint; E: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  const frac = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  return biased === 0 ? { M: frac, E: -1074 } : { M: frac | (1n << 52n), E: biased - 1075 };
}

function ln(x: number): bigint {
  let { M, E } = decompose(x);
  // Normalize M to [2^52, 2^53) (subnormals have fewer bits).
  while (M < 1n << 52n) (M <<= 1n), E--;
  const m = M << (P - 52n); // m in [1, 2) at scale 2^P
  const z = ((m - ONE) << P) / (m + ONE);
  return BigInt(E + 52) * LN2 + 2n * atanh(z);
}

function exp(t: bigint): { mant: bigint; k: bigint } {
  let k = t / LN2;
  if (t - k * LN2 < 0n) k -= 1n; // floor
  const r = t - k * LN2; // [0, ln 2)
  let term = ONE;
  let sum = ONE;
  for (let n = 1n; term !== 0n; n++) {
    term = mul(term, r) / n;
    sum += term;
  }
  return { mant: sum, k };
}


/** x**y rounded to nearest for finite x > 0 and finite y; Infinity on overflow, 0 on underflow. */
export function correctlyRoundedPow(x: number, y: number): number {
  if (y === 0 || x === 1) return 1;
  const estimate = y * Math.log(x);
  if (estimate > 720) return Infinity;
  if (estimate < -760) return 0;
  // Integer powers can be exact ties (448.0**19 needs 54 bits): compute those exactly.
  if (Number.isInteger(y) && Math.abs(y) <= 2048) {
    const { M, E } = decompose(x);
    const n = Math.abs(y);
    const Mn = M ** BigInt(n);
    if (y > 0) return scaledBigToDouble(Mn, E * n);
    // x**-n = 2^(-E*n) / M^n, as one exact ratio so that no intermediate under- or overflows.
    const e = -E * n;
    return e >= 0 ? ratioToDouble(1n << BigInt(e), Mn) : ratioToDouble(1n, Mn << BigInt(-e));
  }
  const { M: Y, E: F } = decompose(Math.abs(y));
  let t = ln(x) * Y;
  t = F >= 0 ? t << BigInt(F) : t >> BigInt(-F);
  if (y < 0) t = -t;
  const { mant, k } = exp(t);
  // Number(mant) rounds the 181-bit mantissa to 53 bits correctly; the power-of-two scaling is exact
  // except for subnormal results.
  return ldexp(Number(mant), Number(k) - Number(P));
}
