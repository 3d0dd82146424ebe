// Python-faithful JSON for the τ-bench port. τ-bench's tools return `json.dumps(obj)` text and its DB
// keeps Python's int/float distinction (gift-card balances are ints until first changed), so:
// - parsePyJson keeps integer literals as `bigint` (Python int) and others as `number` (Python float),
//   and returns a Map for any object with an integer-like key (JS objects would reorder those keys);
// - pyDumps writes exactly what CPython's json.dumps writes with default settings.

/** A Python JSON value: bigint = int, number = float; dicts are plain objects or Maps (key order kept). */
export type PyValue = null | boolean | number | bigint | string | PyValue[] | PyObject | PyMap;
export interface PyObject {
  [key: string]: PyValue;
}
export type PyMap = Map<string, PyValue>;

// JS reorders keys that are canonical array indices (0 .. 2^32-2); those objects must become Maps.
function isArrayIndexKey(k: string): boolean {
  if (k.length === 0 || k.length > 10) return false;
  if (k === '0') return true;
  const c = k.charCodeAt(0);
  if (c < 49 || c > 57) return false;
  for (let i = 1; i < k.length; i++) {
    const d = k.charCodeAt(i);
    if (d < 48 || d > 57) return false;
  }
  return Number(k) < 4294967295;
}

/** Parses JSON text keeping Python's int/float distinction and every object's key order. */
export function parsePyJson(text: string): PyValue {
  let i = 0;
  const n = text.length;
  const fail = (what: string): never => {
    throw new SyntaxError(`invalid JSON: ${what} at position ${i}`);
  };
  const ws = () => {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 32 || c === 10 || c === 13 || c === 9) i++;
      else break;
    }
  };
  const str = (): string => {
    i++; // opening quote
    let out = '';
    let start = i;
    for (;;) {
      if (i >= n) fail('unterminated string');
      const c = text.charCodeAt(i);
      if (c === 34) {
        out += text.slice(start, i);
        i++;
        return out;
      }
      if (c < 32) fail('control character in string');
      if (c === 92) {
        out += text.slice(start, i);
        const e = text[i + 1];
        i += 2;
        if (e === 'u') {
          const hex = text.slice(i, i + 4);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('bad \\u escape');
          out += String.fromCharCode(parseInt(hex, 16));
          i += 4;
        } else {
          const map: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
          const m = e === undefined ? undefined : map[e];
          if (m === undefined) fail('bad escape');
          out += m;
        }
        start = i;
      } else i++;
    }
  };
  const num = (): number | bigint => {
    const start = i;
    if (text[i] === '-') i++;
    if (text[i] === '0') i++;
    else if (text[i]! >= '1' && text[i]! <= '9') while (text[i]! >= '0' && text[i]! <= '9') i++;
    else fail('bad number');
    let isFloat = false;
    if (text[i] === '.') {
      isFloat = true;
      i++;
      if (!(text[i]! >= '0' && text[i]! <= '9')) fail('bad fraction');
      while (text[i]! >= '0' && text[i]! <= '9') i++;
    }
    if (text[i] === 'e' || text[i] === 'E') {
      isFloat = true;
      i++;
      if (text[i] === '+' || text[i] === '-') i++;
      if (!(text[i]! >= '0' && text[i]! <= '9')) fail('bad exponent');
      while (text[i]! >= '0' && text[i]! <= '9') i++;
    }
    const lit = text.slice(start, i);
    return isFloat ? Number(lit) : BigInt(lit);
  };
  const value = (depth: number): PyValue => {
    if (depth > 1000) fail('nesting too deep');
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const keys: string[] = [];
      const vals: PyValue[] = [];
      ws();
      if (text[i] === '}') i++;
      else
        for (;;) {
          ws();
          if (text[i] !== '"') fail('expected a key');
          keys.push(str());
          ws();
          if (text[i] !== ':') fail("expected ':'");
          i++;
          vals.push(value(depth + 1));
          ws();
          if (text[i] === ',') i++;
          else if (text[i] === '}') {
            i++;
            break;
          } else fail("expected ',' or '}'");
        }
      if (keys.some(isArrayIndexKey)) return new Map(keys.map((k, j) => [k, vals[j]!]));
      const obj: PyObject = {};
      keys.forEach((k, j) => Object.defineProperty(obj, k, { value: vals[j], enumerable: true, writable: true, configurable: true }));
      return obj;
    }
    if (c === '[') {
      i++;
      const arr: PyValue[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return arr;
      }
      for (;;) {
        arr.push(value(depth + 1));
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') {
          i++;
          return arr;
        } else fail("expected ',' or ']'");
      }
    }
    if (c === '"') return str();
    if (text.startsWith('true', i)) return (i += 4), true;
    if (text.startsWith('false', i)) return (i += 5), false;
    if (text.startsWith('null', i)) return (i += 4), null;
    return num();
  };
  const v = value(0);
  ws();
  if (i !== n) fail('trailing characters');
  return v;
}

/** CPython's repr(float): shortest round-trip digits, '.0' on whole numbers, exponent outside [1e-4, 1e16). */
export function pyFloatRepr(x: number): string {
  const ax = Math.abs(x);
  if (ax >= 1e-4 && ax < 1e16) {
    const s = String(x); // JS uses the same shortest digits and no exponent in this range
    return Number.isInteger(x) ? s + '.0' : s;
  }
  if (Number.isNaN(x)) return 'nan';
  if (ax === Infinity) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mant, expText] = x.toExponential().split('e') as [string, string];
  const exp = Number(expText);
  return `${mant}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
}

// json.dumps float: repr, except non-finite values which json writes as JavaScript-style names.
function pyJsonFloat(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  return pyFloatRepr(x);
}

const NEEDS_ESCAPE = /[\u0000-\u001f"\\\u007f-\uffff]/;
const SHORT_ESCAPES: Record<number, string> = { 34: '\\"', 92: '\\\\', 10: '\\n', 13: '\\r', 9: '\\t', 8: '\\b', 12: '\\f' };

/** json.dumps of a str with ensure_ascii=True: non-ASCII (and DEL) as \uXXXX, astral chars as surrogate pairs. */
export function pyJsonString(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return '"' + s + '"';
  const parts: string[] = ['"'];
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 32 && c < 127 && c !== 34 && c !== 92) continue;
    if (start < i) parts.push(s.slice(start, i));
    parts.push(SHORT_ESCAPES[c] ?? '\\u' + c.toString(16).padStart(4, '0'));
    start = i + 1;
  }
  if (start < s.length) parts.push(s.slice(start));
  parts.push('"');
  return parts.join('');
}

/** Exactly CPython's `json.dumps(value)` (default separators ', ' and ': ', ensure_ascii). */
export function pyDumps(value: PyValue): string {
  const out: string[] = [];
  const write = (v: PyValue): void => {
    switch (typeof v) {
      case 'string':
        out.push(pyJsonString(v));
        return;
      case 'number':
        out.push(pyJsonFloat(v));
        return;
      case 'bigint':
        out.push(v.toString());
        return;
      case 'boolean':
        out.push(v ? 'true' : 'false');
        return;
    }
    if (v === null) {
      out.push('null');
    } else if (Array.isArray(v)) {
      out.push('[');
      v.forEach((e, i) => {
        if (i) out.push(', ');
        write(e);
      });
      out.push(']');
    } else {
      out.push('{');
      let first = true;
      const entries = v instanceof Map ? v.entries() : Object.entries(v);
      for (const [k, e] of entries) {
        if (!first) out.push(', ');
        first = false;
        out.push(pyJsonString(k), ': ');
        write(e);
      }
      out.push('}');
    }
  };
  write(value);
  return out.join('');
}

/**
 * JSON with every object's keys sorted by plain string comparison, no whitespace, JS number formatting
 * (the final_db_sha256 contract; ints and floats both print as JSON.stringify prints numbers).
 */
export function canonicalJson(value: PyValue): string {
  const out: string[] = [];
  const write = (v: PyValue): void => {
    if (typeof v === 'bigint') out.push(v.toString());
    else if (v === null || typeof v !== 'object') out.push(JSON.stringify(v));
    else if (Array.isArray(v)) {
      out.push('[');
      v.forEach((e, i) => {
        if (i) out.push(',');
        write(e);
      });
      out.push(']');
    } else {
      const get = v instanceof Map ? (k: string) => v.get(k)! : (k: string) => v[k]!;
      const keys = v instanceof Map ? [...v.keys()] : Object.keys(v);
      keys.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      out.push('{');
      keys.forEach((k, i) => {
        if (i) out.push(',');
        out.push(JSON.stringify(k), ':');
        write(get(k));
      });
      out.push('}');
    }
  };
  write(value);
  return out.join('');
}
