// τ-bench's `calculate` tool without eval: `str(round(float(eval(expression)), 2))` with Python 3.11
// semantics (exact ints, IEEE floats, Python's floor division and power rules, and the exact error
// texts). Checked against CPython 3.11.7 on the replay probes and a generated expression corpus.
import { parseExpression, PyCompileError, PySyntaxError, type Node } from './calc-parse.ts';
import { pyFloatRepr } from './pyjson.ts';
import { bitLength, pyRound, ratioToDouble } from './pynum.ts';
import { correctlyRoundedPow } from './pow.ts';

type Val = { k: 'int'; v: bigint } | { k: 'float'; v: number } | { k: 'tuple' } | { k: 'ellipsis' } | { k: 'complex' };

/** A Python exception, whose str() τ-bench returns as "Error: <str>". */
class PyError extends Error {}

const ALLOWED = /^[0-9+\-*/(). ]*$/;
const MAX_INT_BITS = 16_000_000; // beyond this we refuse rather than stall (CPython would grind on)

const typeName = (v: Val) => (v.k === 'int' ? 'int' : v.k === 'float' ? 'float' : v.k);

function intToFloat(v: bigint): number {
  const x = Number(v);
  if (!Number.isFinite(x)) throw new PyError('int too large to convert to float');
  return x;
}

function toFloat(v: Val): number {
  if (v.k === 'int') return intToFloat(v.v);
  if (v.k === 'float') return v.v;
  throw new PyError(`float() argument must be a string or a real number, not '${typeName(v)}'`);
}

function checkIntSize(bits: number): void {
  if (bits > MAX_INT_BITS) throw new PyError('integer result too large for this calculator');
}

function floatPow(iv: number, iw: number): Val {
  if (iw === 0) return { k: 'float', v: 1 };
  if (Number.isNaN(iv)) return { k: 'float', v: iv };
  if (Number.isNaN(iw)) return { k: 'float', v: iv === 1 ? 1 : iw };
  const isOddInt = (x: number) => Number.isInteger(x) && Math.abs(x % 2) === 1;
  if (!Number.isFinite(iw)) {
    const a = Math.abs(iv);
    return { k: 'float', v: a === 1 ? 1 : iw > 0 === a > 1 ? Math.abs(iw) : 0 };
  }
  if (!Number.isFinite(iv)) {
    if (iw > 0) return { k: 'float', v: isOddInt(iw) ? iv : Math.abs(iv) };
    return { k: 'float', v: isOddInt(iw) ? (iv < 0 ? -0 : 0) : 0 };
  }
  if (iv === 0) {
    if (iw < 0) throw new PyError('0.0 cannot be raised to a negative power');
    return { k: 'float', v: isOddInt(iw) ? iv : 0 };
  }
  let negate = false;
  if (iv < 0) {
    if (!Number.isInteger(iw)) return { k: 'complex' };
    iv = -iv;
    negate = isOddInt(iw);
  }
  if (iv === 1) return { k: 'float', v: negate ? -1 : 1 };
  const x = correctlyRoundedPow(iv, iw);
  if (!Number.isFinite(x)) throw new PyError("(34, 'Numerical result out of range')");
  return { k: 'float', v: negate ? -x : x };
}

function unsupported(op: string, a: Val, b: Val): PyError {
  return new PyError(`unsupported operand type(s) for ${op}: '${typeName(a)}' and '${typeName(b)}'`);
}

const isNum = (v: Val) => v.k === 'int' || v.k === 'float';

function binary(op: string, a: Val, b: Val): Val {
  if (a.k === 'int' && b.k === 'int') return intBinary(op, a.v, b.v);
  if (isNum(a) && isNum(b)) return floatBinary(op, toFloat(a), toFloat(b));
  // Sequences: tuple + tuple, tuple * int; everything else is a TypeError with CPython's wording.
  if (op === '+' && a.k === 'tuple') {
    if (b.k === 'tuple') return a;
    throw new PyError(`can only concatenate tuple (not "${typeName(b)}") to tuple`);
  }
  if (op === '*' && (a.k === 'tuple' || b.k === 'tuple')) {
    const other = a.k === 'tuple' ? b : a;
    if (other.k === 'int') return { k: 'tuple' };
    throw new PyError(`can't multiply sequence by non-int of type '${typeName(other)}'`);
  }
  const numOrComplex = (v: Val) => isNum(v) || v.k === 'complex';
  if (numOrComplex(a) && numOrComplex(b) && op !== '//') {
    if (op === '/' && isNum(b) && toFloat(b) === 0) throw new PyError('complex division by zero');
    return { k: 'complex' };
  }
  throw unsupported(op === '**' ? '** or pow()' : op, a, b);
}

function intBinary(op: string, a: bigint, b: bigint): Val {
  switch (op) {
    case '+':
      return { k: 'int', v: a + b };
    case '-':
      return { k: 'int', v: a - b };
    case '*':
      checkIntSize(bitLength(a) + bitLength(b));
      return { k: 'int', v: a * b };
    case '/': {
      if (b === 0n) throw new PyError('division by zero');
      const neg = a < 0n !== b < 0n;
      const x = ratioToDouble(a < 0n ? -a : a, b < 0n ? -b : b);
      if (!Number.isFinite(x)) throw new PyError('integer division result too large for a float');
      return { k: 'float', v: a === 0n ? (neg ? -0 : 0) : neg ? -x : x };
    }
    case '//': {
      if (b === 0n) throw new PyError('integer division or modulo by zero');
      let q = a / b;
      if (a % b !== 0n && a < 0n !== b < 0n) q -= 1n;
      return { k: 'int', v: q };
    }
    default: {
      // '**'
      if (b < 0n) {
        if (a === 0n) throw new PyError('0.0 cannot be raised to a negative power');
        return floatPow(intToFloat(a), intToFloat(b));
      }
      if (a === 0n || a === 1n) return { k: 'int', v: b === 0n ? 1n : a };
      if (a === -1n) return { k: 'int', v: b % 2n === 0n ? 1n : -1n };
      checkIntSize((bitLength(a) - 1) * Number(b));
      return { k: 'int', v: a ** b };
    }
  }
}

function floatBinary(op: string, x: number, y: number): Val {
  switch (op) {
    case '+':
      return { k: 'float', v: x + y };
    case '-':
      return { k: 'float', v: x - y };
    case '*':
      return { k: 'float', v: x * y };
    case '/':
      if (y === 0) throw new PyError('float division by zero');
      return { k: 'float', v: x / y };
    case '//': {
      if (y === 0) throw new PyError('float floor division by zero');
      // CPython's float_divmod, step by step (JS % is C fmod).
      const mod = x % y;
      let div = (x - mod) / y;
      if (mod && y < 0 !== mod < 0) div -= 1;
      if (!div) return { k: 'float', v: x / y < 0 || Object.is(x / y, -0) ? -0 : 0 };
      let floordiv = Math.floor(div);
      if (div - floordiv > 0.5) floordiv += 1;
      return { k: 'float', v: floordiv };
    }
    default:
      return floatPow(x, y);
  }
}

function pyStr(v: Val): string {
  switch (v.k) {
    case 'int':
      return v.v.toString();
    case 'float':
      return pyFloatRepr(v.v);
    case 'tuple':
      return '()';
    case 'ellipsis':
      return 'Ellipsis';
    default:
      return 'complex';
  }
}

function evaluate(n: Node): Val {
  switch (n.k) {
    case 'int':
    case 'float':
    case 'tuple':
    case 'ellipsis':
      return n;
    case 'unary': {
      const x = evaluate(n.x);
      if (x.k === 'int') return n.op === '-' ? { k: 'int', v: -x.v } : x;
      if (x.k === 'float') return n.op === '-' ? { k: 'float', v: -x.v } : x;
      if (x.k === 'complex') return x;
      throw new PyError(`bad operand type for unary ${n.op}: '${typeName(x)}'`);
    }
    case 'bin':
      return binary(n.op, evaluate(n.a), evaluate(n.b));
    case 'call': {
      const f = evaluate(n.f);
      if (n.arg) {
        const arg = evaluate(n.arg);
        if (n.star === '*' && arg.k !== 'tuple') throw new PyError(`${pyStr(f)} argument after * must be an iterable, not ${typeName(arg)}`);
        if (n.star === '**') throw new PyError(`${pyStr(f)} argument after ** must be a mapping, not ${typeName(arg)}`);
      }
      throw new PyError(`'${typeName(f)}' object is not callable`);
    }
  }
}

/** The exact string τ-bench's calculate returns for `expression`. Never throws. */
export function calculate(expression: string): string {
  if (!ALLOWED.test(expression)) return 'Error: invalid characters in expression';
  try {
    const value = evaluate(parseExpression(expression));
    const rounded = pyRound(toFloat(value), 2) as number;
    return pyFloatRepr(rounded);
  } catch (e) {
    if (e instanceof PyError || e instanceof PySyntaxError || e instanceof PyCompileError) return `Error: ${e.message}`;
    if (e instanceof RangeError) return 'Error: expression too complex for this calculator';
    throw e;
  }
}
