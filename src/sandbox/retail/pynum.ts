// Python int/float arithmetic for DB amounts: bigint = Python int, number = Python float. Mixed
// operations promote to float as Python does; `pyRound` is Python's round(x, ndigits).

export type PyNum = number | bigint;

export function isPyNum(v: unknown): v is PyNum {
  return typeof v === 'number' || typeof v === 'bigint';
}

export function pyAdd(a: PyNum, b: PyNum): PyNum {
  return typeof a === 'bigint' && typeof b === 'bigint' ? a + b : Number(a) + Number(b);
}

export function pySub(a: PyNum, b: PyNum): PyNum {
  return typeof a === 'bigint' && typeof b === 'bigint' ? a - b : Number(a) - Number(b);
}

export function pyAbs(a: PyNum): PyNum {
  return typeof a === 'bigint' ? (a < 0n ? -a : a) : Math.abs(a);
}

/** a < b across int/float (exact for the magnitudes in the DB, as Python's mixed comparison is). */
export function pyLess(a: PyNum, b: PyNum): boolean {
  return typeof a === 'bigint' && typeof b === 'bigint' ? a < b : Number(a) < Number(b);
}

export function pyGreater(a: PyNum, b: PyNum): boolean {
  return pyLess(b, a);
}

/**
 * Python's round(x, ndigits) for ndigits >= 0: ints are returned unchanged; floats are rounded on
 * their exact binary value with ties to even (round(0.125, 2) == 0.12, round(2.675, 2) == 2.67).
 */
export function pyRound(x: PyNum, ndigits = 2): PyNum {
  if (typeof x === 'bigint') return x;
  if (!Number.isFinite(x) || x === 0) return x;
  // Beyond 1e16 every double already has fewer than `ndigits` fractional digits.
  if (Math.abs(x) >= 1e16) return x;
  // toFixed rounds the exact binary value correctly but breaks exact ties away from zero. A double is
  // an exact tie at 2 decimals only if it is an odd multiple of 1/8 (x*100 = n + 1/2 must be dyadic).
  const eighths = Math.abs(x) * 8; // exact: power-of-two scaling
  let r: number;
  if (ndigits === 2 && Number.isInteger(eighths) && eighths % 2 === 1) {
    // |x|*100 = 25q/2 exactly (q = 8|x| odd): take the even neighbour, then the double nearest n/100.
    const q = BigInt(eighths);
    const lo = (25n * q - 1n) / 2n;
    const n = lo % 2n === 0n ? lo : lo + 1n;
    r = Math.sign(x) * ratioToDouble(n, 100n);
  } else {
    r = Number(x.toFixed(ndigits));
  }
  // Python keeps the sign of zero: round(-0.001, 2) == -0.0.
  return r === 0 ? (x < 0 ? -0 : 0) : r;
}

/** Number of bits of |x| (exact). */
export function bitLength(x: bigint): number {
  if (x < 0n) x = -x;
  if (x === 0n) return 0;
  const hex = x.toString(16);
  return (hex.length - 1) * 4 + parseInt(hex[0]!, 16).toString(2).length;
}

/** x * 2^e without intermediate overflow. */
export function ldexp(x: number, e: number): number {
  while (e > 1000) (x *= 2 ** 1000), (e -= 1000);
  while (e < -1000) (x *= 2 ** -1000), (e += 1000);
  return x * 2 ** e;
}

/** num/den correctly rounded to a double (num, den > 0), like CPython's int true division. */
export function ratioToDouble(num: bigint, den: bigint): number {
  const shift = bitLength(den) - bitLength(num) + 68;
  let q: bigint;
  let r: bigint;
  if (shift >= 0) {
    const n2 = num << BigInt(shift);
    (q = n2 / den), (r = n2 % den);
  } else {
    const d2 = den << BigInt(-shift);
    (q = num / d2), (r = num % d2);
  }
  if (r !== 0n) q |= 1n; // sticky bit so Number() rounds ties correctly
  return ldexp(Number(q), -shift);
}


/** v * 2^e correctly rounded (v >= 0): v is cut to 64 bits plus a sticky bit before Number(). */
export function scaledBigToDouble(v: bigint, e: number): number {
  const extra = bitLength(v) - 64;
  if (extra <= 0) return ldexp(Number(v), e);
  const rest = v & ((1n << BigInt(extra)) - 1n);
  return ldexp(Number((v >> BigInt(extra)) | (rest ? 1n : 0n)), e + extra);
}
