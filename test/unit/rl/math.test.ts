import { describe, expect, it } from 'vitest';
import { DIFFICULTIES, generateProblem, mathPrompt, type MathProblem, type Operand } from '../../../src/rl/math/generator.ts';
import { answersMatch, extractAnswer, mathReward } from '../../../src/rl/math/extract.ts';

// An evaluator written separately from src/rl/math/exact.ts: fractions as [num, den] bigints.
type Frac = [bigint, bigint];
const gcd = (a: bigint, b: bigint): bigint => (b === 0n ? (a < 0n ? -a : a) : gcd(b, a % b));
const norm = ([n, d]: Frac): Frac => {
  const g = gcd(n, d) || 1n;
  return d < 0n ? [-n / g, -d / g] : [n / g, d / g];
};
function fromDecimal(text: string): Frac {
  const [whole, frac = ''] = text.replace('-', '').split('.');
  const value: Frac = [BigInt(whole! + frac), 10n ** BigInt(frac.length)];
  return norm(text.startsWith('-') ? [-value[0], value[1]] : value);
}
function evaluate(problem: MathProblem): Frac[] {
  const results: Frac[] = [];
  const val = (o: Operand): Frac => ('ref' in o ? results[o.ref]! : fromDecimal(o.lit));
  for (const step of problem.steps) {
    const [an, ad] = val(step.a);
    const [bn, bd] = val(step.b);
    const r: Frac =
      step.op === 'add' ? [an * bd + bn * ad, ad * bd]
      : step.op === 'sub' ? [an * bd - bn * ad, ad * bd]
      : step.op === 'mul' ? [an * bn, ad * bd]
      : step.op === 'div' ? [an * bd, ad * bn]
      : [an * bn, ad * bd * 100n]; // pct
    results.push(norm(r));
  }
  return results;
}
const same = (a: Frac, b: Frac) => a[0] === b[0] && a[1] === b[1];

describe('math problem generator', () => {
  it('is deterministic per (seed, difficulty, flavor)', () => {
    for (const d of DIFFICULTIES) {
      for (const seed of [0, 1, 42, -7, 2 ** 40 + 3]) {
        expect(generateProblem(seed, d)).toEqual(generateProblem(seed, d));
        expect(generateProblem(seed, d, 'retail')).toEqual(generateProblem(seed, d, 'retail'));
      }
    }
    const questions = new Set(Array.from({ length: 50 }, (_, s) => generateProblem(s, 2).question));
    expect(questions.size).toBeGreaterThan(45);
  });

  it('states answers that an independent evaluation of the worked steps reproduces', () => {
    const templates = new Set<string>();
    const meanSteps: number[] = [];
    const errors: string[] = []; // collected, then asserted once (thousands of checks)
    const check = (ok: boolean, what: string) => {
      if (!ok) errors.push(what);
    };
    for (const d of DIFFICULTIES) {
      let steps = 0;
      for (let seed = 0; seed < 400; seed++) {
        const p = generateProblem(seed * 31 + d, d);
        templates.add(p.template);
        const results = evaluate(p);
        p.steps.forEach((s, i) => {
          const r = results[i]!;
          check(same(fromDecimal(s.result), r), `${p.id} step ${i}: stated ${s.result}`);
          check(r[0] > 0n, `${p.id} step ${i} not positive`);
          if (s.kind === 'money') check(100n % r[1] === 0n, `${p.id} step ${i} not whole cents`);
          if (s.kind === 'count' || (d <= 2 && s.kind === 'plain')) check(r[1] === 1n, `${p.id} step ${i} not an integer`);
          for (const o of [s.a, s.b]) {
            if ('lit' in o) check(p.question.includes(o.shown), `${p.id}: question does not state ${o.shown}`);
            else check(o.ref < i, `${p.id} step ${i} refers forward`);
          }
        });
        check(same(fromDecimal(p.answer), results.at(-1)!), `${p.id}: answer ${p.answer} is not the last step's value`);
        if (p.unit === 'dollars') check(/^\d+\.\d\d$/.test(p.answer), `${p.id}: money answer ${p.answer}`);
        check(p.solution.endsWith(`\\boxed{${p.answer}}.`), `${p.id}: solution does not end in the boxed answer`);
        check(mathReward(p.solution, p.answer) === 1, `${p.id}: the worked solution does not earn reward 1`);
        check(mathPrompt(p).includes(p.question), `${p.id}: prompt lacks the question`);
        steps += p.steps.length;
      }
      meanSteps.push(steps / 400);
    }
    expect(errors).toEqual([]);
    expect(templates).toEqual(new Set(['retail-order', 'retail-refund', 'retail-inventory', 'plain-travel', 'plain-chain']));
    for (let i = 1; i < meanSteps.length; i++) expect(meanSteps[i]!).toBeGreaterThan(meanSteps[i - 1]!);
    expect(meanSteps[0]!).toBeGreaterThanOrEqual(2);
  });

  it('honours the flavor filter and rejects bad arguments', () => {
    for (let s = 0; s < 40; s++) {
      expect(generateProblem(s, 3, 'retail').flavor).toBe('retail');
      expect(generateProblem(s, 3, 'plain').flavor).toBe('plain');
    }
    expect(() => generateProblem(1, 5 as 1)).toThrow(/difficulty must be one of 1, 2, 3, 4, got 5/);
    expect(() => generateProblem(1, 1, 'fancy' as 'plain')).toThrow(/flavor/);
    expect(() => generateProblem(1.5, 1)).toThrow(/safe integer/);
  });
});

describe('answer extraction and reward', () => {
  const cases: Array<[string, string | null]> = [
    ['so the total is \\boxed{53.14}', '53.14'],
    ['\\boxed{\\$1,234.50}.', '1234.5'],
    ['\\boxed{1{,}234}', '1234'],
    ['\\boxed{\\text{\\$}42 \\text{ dollars}}', '42'],
    ['first \\boxed{3} then corrected: \\boxed{4}', '4'],
    ['\\boxed{\\frac{3}{4}}', '0.75'],
    ['\\boxed{1/3}', '1/3'],
    ['\\boxed{-5}', '-5'],
    ['\\boxed{−12.5}', '-12.5'],
    ['\\boxed{x = 7}', '7'],
    ['\\fbox{8}', '8'],
    ['\\boxed{}', null],
    ['Work...\n#### 1,000\n', '1000'],
    ['The answer is $30.47.', '30.47'],
    ['Answer: 12. Checking with 3 × 4 = 12 again, 99 attempts.', '12'],
    ['She pays €19.99 in the end.', '19.99'],
    ['It costs £7.', '7'],
    ['Total: 3 × 4 = 12.', '12'],
    ['The result is .5', '0.5'],
    ['T-shirt count 5', '5'],
    ['no numbers here', null],
    ['', null],
  ];
  it.each(cases)('extracts from %j', (text, expected) => {
    expect(extractAnswer(text)).toBe(expected);
  });

  it('compares exactly as rationals', () => {
    expect(answersMatch('53.1', '53.10')).toBe(true);
    expect(answersMatch('0.75', '3/4')).toBe(true);
    expect(answersMatch('53.11', '53.10')).toBe(false);
    expect(answersMatch(null, '1')).toBe(false);
    expect(mathReward('I think \\boxed{$30.47}', '30.47')).toBe(1);
    expect(mathReward('I think \\boxed{30.48}', '30.47')).toBe(0);
    expect(mathReward('no idea', '30.47')).toBe(0);
  });
});
