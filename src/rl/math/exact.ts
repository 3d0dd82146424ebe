// Exact rational arithmetic on bigint, so generated problems never carry float rounding and a
// stated answer like "53.14" is provably the exact value of the worked solution.

const babs = (x: bigint) => (x < 0n ? -x : x);
function gcd(a: bigint, b: bigint): bigint {
  a = babs(a);
  b = babs(b);
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

export class Q {
  readonly num: bigint;
  readonly den: bigint;

  constructor(num: bigint, den: bigint = 1n) {
    if (den === 0n) throw new Error('Q: division by zero');
    if (den < 0n) {
      num = -num;
      den = -den;
    }
    const g = gcd(num, den) || 1n;
    this.num = num / g;
    this.den = den / g;
  }

  static int(n: number): Q {
    if (!Number.isSafeInteger(n)) throw new Error(`Q.int: ${n} is not a safe integer`);
    return new Q(BigInt(n));
  }

  /** Parses a plain decimal ("-12.50", "3", ".5"); throws on anything else. */
  static parse(text: string): Q {
    const m = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(text.trim());
    if (!m || (m[2] === '' && (m[3] ?? '') === '')) throw new Error(`Q.parse: not a decimal number: "${text}"`);
    const frac = m[3] ?? '';
    const digits = BigInt((m[2] || '0') + frac);
    const q = new Q(digits, 10n ** BigInt(frac.length));
    return m[1] === '-' ? q.neg() : q;
  }

  add(o: Q): Q {
    return new Q(this.num * o.den + o.num * this.den, this.den * o.den);
  }
  sub(o: Q): Q {
    return new Q(this.num * o.den - o.num * this.den, this.den * o.den);
  }
  mul(o: Q): Q {
    return new Q(this.num * o.num, this.den * o.den);
  }
  div(o: Q): Q {
    if (o.num === 0n) throw new Error('Q.div: division by zero');
    return new Q(this.num * o.den, this.den * o.num);
  }
  neg(): Q {
    return new Q(-this.num, this.den);
  }
  eq(o: Q): boolean {
    return this.num === o.num && this.den === o.den;
  }
  cmp(o: Q): number {
    const d = this.num * o.den - o.num * this.den;
    return d < 0n ? -1 : d > 0n ? 1 : 0;
  }
  isInteger(): boolean {
    return this.den === 1n;
  }

  /** Decimal places needed to write this exactly, or null if it is not a terminating decimal within maxPlaces. */
  places(maxPlaces = 12): number | null {
    for (let p = 0; p <= maxPlaces; p++) if ((10n ** BigInt(p)) % this.den === 0n) return p;
    return null;
  }

  /** Exact decimal text with at least minPlaces decimals; throws if not exactly representable. */
  toDecimal(minPlaces = 0): string {
    const p = this.places();
    if (p === null) throw new Error(`Q.toDecimal: ${this.num}/${this.den} is not a terminating decimal`);
    const places = Math.max(p, minPlaces);
    const scaled = (this.num * 10n ** BigInt(places)) / this.den;
    const sign = scaled < 0n ? '-' : '';
    const digits = babs(scaled).toString().padStart(places + 1, '0');
    if (places === 0) return sign + digits;
    return `${sign}${digits.slice(0, -places)}.${digits.slice(-places)}`;
  }

  toNumber(): number {
    return Number(this.num) / Number(this.den);
  }
}
