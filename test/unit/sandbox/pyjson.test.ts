// Python-faithful JSON text and numbers.
import { describe, expect, it } from 'vitest';
import { canonicalJson, parsePyJson, pyDumps, pyFloatRepr, pyRound } from '../../../src/sandbox/retail/index.ts';

describe('Python json / float formatting', () => {
  it('prints floats like repr()', () => {
    const cases: [number, string][] = [
      [54, '54.0'], [0.1 + 0.2, '0.30000000000000004'], [1e16, '1e+16'], [1.5e16, '1.5e+16'], [9999999999999998, '9999999999999998.0'],
      [0.0001, '0.0001'], [0.00001, '1e-05'], [1.5e-7, '1.5e-07'], [-0, '-0.0'], [0, '0.0'], [1e300, '1e+300'], [-123.456, '-123.456'],
      [Infinity, 'inf'], [NaN, 'nan'],
    ];
    for (const [x, want] of cases) expect(pyFloatRepr(x)).toBe(want);
  });

  it('keeps int/float and key order through parse and dumps', () => {
    const text = '{"b": 1, "a": 2.0, "10": [1.5, 0, -0.0, true, null], "2": {"z": "\\u00e9\\"\\\\\\n\\u007f\\ud83d\\ude00"}}';
    const v = parsePyJson(text);
    expect(v).toBeInstanceOf(Map); // integer-like keys: a Map keeps their order
    expect([...(v as Map<string, unknown>).keys()]).toEqual(['b', 'a', '10', '2']);
    expect((v as Map<string, unknown>).get('b')).toBe(1n);
    expect(pyDumps(v)).toBe('{"b": 1, "a": 2.0, "10": [1.5, 0, -0.0, true, null], "2": {"z": "\\u00e9\\"\\\\\\n\\u007f\\ud83d\\ude00"}}');
  });

  it('rejects invalid JSON with the position', () => {
    expect(() => parsePyJson('{"a": }')).toThrow(/invalid JSON: .* at position 6/);
    expect(() => parsePyJson('[1,]')).toThrow(/invalid JSON/);
    expect(() => parsePyJson('{"a": 1} x')).toThrow(/trailing characters/);
  });

  it('canonical JSON sorts keys by plain string order and formats numbers like JSON.stringify', () => {
    const v = parsePyJson('{"b": 54.0, "a": {"y": 1, "X": [2.5, "s"]}, "10": 7}');
    expect(canonicalJson(v)).toBe('{"10":7,"a":{"X":[2.5,"s"],"y":1},"b":54}');
  });

  it('round(x, 2) rounds the exact binary value, ties to even; ints stay ints', () => {
    expect(pyRound(0.125)).toBe(0.12);
    expect(pyRound(0.375)).toBe(0.38);
    expect(pyRound(-0.125)).toBe(-0.12);
    expect(pyRound(2.675)).toBe(2.67);
    expect(pyRound(1.005)).toBe(1);
    expect(pyRound(4128.450000000001)).toBe(4128.45);
    expect(Object.is(pyRound(-0.001), -0)).toBe(true);
    expect(pyRound(49n)).toBe(49n);
  });
});
