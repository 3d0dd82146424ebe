// `calculate` without eval: every case of a CPython 3.11.7 reference corpus (hand-written edge cases,
// random expressions, random strings over the allowed alphabet) gives the same string.
import { describe, expect, it } from 'vitest';
import { calculate } from '../../../src/sandbox/retail/index.ts';
import { loadCalculateCorpus } from './fixtures.ts';

describe('calculate', () => {
  it('matches CPython on the whole reference corpus', () => {
    const cases = loadCalculateCorpus();
    expect(cases.length).toBeGreaterThan(4000);
    const mismatches = cases.filter(([e, want]) => calculate(e) !== want).map(([e, want]) => ({ e, want, got: calculate(e) }));
    expect(mismatches).toEqual([]);
  });

  it('rounds halves to even on the exact binary value, as Python round() does', () => {
    expect(calculate('0.125')).toBe('0.12');
    expect(calculate('0.375')).toBe('0.38');
    expect(calculate('2.675')).toBe('2.67'); // 2.675 is stored just below the tie
    expect(calculate('1.005')).toBe('1.0');
    expect(calculate('779231066086596.875')).toBe('779231066086596.9');
  });

  it('never uses eval: names, calls of builtins and attribute access are rejected up front', () => {
    for (const e of ['__import__("os")', 'process.exit()', 'constructor', '1;2', '[1]', '1e3', '2 % 3']) {
      expect(calculate(e)).toBe('Error: invalid characters in expression');
    }
  });

  it('answers huge or deeply nested input with CPython\'s errors, quickly and without throwing', () => {
    const t0 = performance.now();
    const cases: [string, string | RegExp][] = [
      ['1+'.repeat(500_000) + '1', 'Error: maximum recursion depth exceeded during compilation'],
      ['-'.repeat(1_000_000) + '1', 'Error: '], // CPython's parser runs out of stack: an empty MemoryError
      ['('.repeat(100_000) + '1' + ')'.repeat(100_000), 'Error: too many nested parentheses (<string>, line 1)'],
      ['1**'.repeat(5_000) + '1', 'Error: '],
      ['9**9**9', /^Error: /], // CPython would compute for hours; we refuse the 3e9-bit int
      [' '.repeat(1_000_000), 'Error: invalid syntax (<string>, line 0)'],
      ['1'.repeat(4300) + '/3', 'Error: integer division result too large for a float'],
      ['1'.repeat(1_000_000) + '/3', /^Error: Exceeds the limit \(4300 digits\) for integer string conversion: value has 1000000 digits/],
      ['x'.repeat(1_000_000), 'Error: invalid characters in expression'],
    ];
    for (const [e, want] of cases) {
      const got = calculate(e);
      if (typeof want === 'string') expect(got).toBe(want);
      else expect(got).toMatch(want);
    }
    expect(performance.now() - t0).toBeLessThan(20_000);
  });
});
