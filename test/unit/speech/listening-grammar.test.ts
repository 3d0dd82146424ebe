// Grammar-constrained CTC decoding against two references: brute force over every frame path of tiny
// cases (the best path whose collapse is in the enumerated grammar), and a per-string CTC Viterbi
// (the label trellis with max in place of log-add) maximised over every string of a small identifier
// grammar; then the behaviours the listening test relies on and the input checks.
import { describe, expect, it } from 'vitest';
import { rng } from '../../../src/reference/compare.ts';
import { logSoftmaxRows } from '../../../src/speech/listening/ctc.ts';
import { compileGrammar, decodeWithGrammar, DIGITS, identifierGrammar, identifierLexicon, type GrammarPattern } from '../../../src/speech/listening/grammar.ts';

const collapse = (path: number[]) => path.filter((v, i) => v !== 0 && v !== path[i - 1]);

/** Every string of the patterns (cartesian product of their slots). */
const enumerate = (patterns: GrammarPattern[]) =>
  new Set(patterns.flatMap((p) => p.slots.reduce<string[]>((acc, slot) => acc.flatMap((a) => slot.map((w) => a + w)), [''])));

function bruteForce(lp: Float64Array, T: number, alphabet: string, strings: Set<string>) {
  const V = alphabet.length + 1;
  let best = { text: '', logProb: -Infinity };
  const path: number[] = [];
  const walk = (t: number, score: number) => {
    if (t === T) {
      const text = collapse(path).map((v) => alphabet[v - 1]).join('');
      if (strings.has(text) && score > best.logProb) best = { text, logProb: score };
      return;
    }
    for (let v = 0; v < V; v++) path.push(v), walk(t + 1, score + lp[t * V + v]!), path.pop();
  };
  walk(0, 0);
  return best;
}

/** Best single alignment of one label (ids 1..V−1) by the standard CTC trellis, max instead of log-add. */
function labelViterbi(lp: Float64Array, T: number, V: number, label: number[]): number {
  const S = 2 * label.length + 1;
  const sym = (s: number) => (s % 2 === 0 ? 0 : label[(s - 1) / 2]!);
  let cur = new Float64Array(S).fill(-Infinity);
  cur[0] = lp[0]!;
  if (S > 1) cur[1] = lp[sym(1)]!;
  for (let t = 1; t < T; t++) {
    const next = new Float64Array(S).fill(-Infinity);
    for (let s = 0; s < S; s++) {
      let m = cur[s]!;
      if (s >= 1) m = Math.max(m, cur[s - 1]!);
      if (s >= 2 && s % 2 === 1 && sym(s) !== sym(s - 2)) m = Math.max(m, cur[s - 2]!);
      next[s] = m + lp[t * V + sym(s)]!;
    }
    cur = next;
  }
  return Math.max(cur[S - 1]!, S > 1 ? cur[S - 2]! : -Infinity);
}

const randomLogProbs = (T: number, V: number, seed: number, scale = 3) => {
  const r = rng(seed);
  return logSoftmaxRows(Float64Array.from({ length: T * V }, () => (r() - 0.5) * scale), T, V);
};

/** Log-probs that spell `text` (each character held `hold` frames, a blank between), plus noise. */
function spoken(text: string, alphabet: string, seed: number, hold = 2, noise = 1.5): { lp: Float64Array; T: number } {
  const V = alphabet.length + 1;
  const ids = [0, ...Array.from(text).flatMap((ch) => [...Array<number>(hold).fill(alphabet.indexOf(ch) + 1), 0])];
  const r = rng(seed);
  const logits = new Float64Array(ids.length * V);
  ids.forEach((id, t) => {
    for (let v = 0; v < V; v++) logits[t * V + v] = (r() - 0.5) * noise + (v === id ? 6 : 0);
  });
  return { lp: logSoftmaxRows(logits, ids.length, V), T: ids.length };
}

const ALPHABET = ' abcdefghijklmnopqrstuvwxyz0123456789.@';
const DB = {
  emails: ['mia.sanchez12@example.com', 'mason.li34@example.com', 'mei.lee56@example.com', 'mia.smith78@example.com'],
  orderIds: ['#W123', '#W456'],
};

describe('grammar-constrained CTC decoding', () => {
  const tiny: GrammarPattern[] = [
    { name: 'x', slots: [['a', 'ab', 'aab', 'b'], ['1'], ['a', 'b']] },
    { name: 'y', slots: [['b'], ['1', 'a'], ['1']] },
  ];
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    it(`equals brute force over every path (seed ${seed})`, () => {
      const alphabet = 'ab1';
      const T = 7;
      const lp = randomLogProbs(T, alphabet.length + 1, seed, seed % 2 ? 3 : 8);
      const got = decodeWithGrammar(lp, T, alphabet, compileGrammar(tiny));
      const want = bruteForce(lp, T, alphabet, enumerate(tiny));
      expect(got!.text).toBe(want.text);
      expect(got!.logProb).toBeCloseTo(want.logProb, 10);
    });
  }

  it('needs a blank between repeated characters ("a11" is never "a1" held)', () => {
    const alphabet = 'a1';
    const g: GrammarPattern[] = [{ name: 'r', slots: [['a', 'aa'], ['1'], ['1']] }];
    // frames say a, 1, 1, 1, 1 with no blank anywhere: the decoder must spend a frame on the blank
    const T = 5;
    const logits = new Float64Array(T * 3);
    for (let t = 0; t < T; t++) for (let v = 0; v < 3; v++) logits[t * 3 + v] = v === (t === 0 ? 1 : 2) ? 5 : v === 0 ? 1 : 0;
    const lp = logSoftmaxRows(logits, T, 3);
    const got = decodeWithGrammar(lp, T, alphabet, compileGrammar(g))!;
    expect(got.text).toBe('a11');
    expect(got.logProb).toBeCloseTo(bruteForce(lp, T, alphabet, enumerate(g)).logProb, 10);
    expect(got.logProb).toBeLessThan(4 * lp[1 * 3 + 2]! + lp[1]!); // not the all-symbol path
    // "aa11" needs 6 frames at least (a ␣ a 1 ␣ 1): 5 fit nothing
    expect(decodeWithGrammar(lp, 5, alphabet, compileGrammar([{ name: 'r', slots: [['aa'], ['11']] }]))).toBeNull();
    expect(decodeWithGrammar(Float64Array.from({ length: 18 }, () => -1), 6, alphabet, compileGrammar([{ name: 'r', slots: [['aa'], ['11']] }]))!.text).toBe('aa11');
  });

  it('equals the best per-string Viterbi over every string of a small identifier grammar', () => {
    const lex = identifierLexicon(DB);
    expect(lex).toMatchObject({ orderPrefix: 'w', orderDigits: [3], emailDigits: [2], emailDomains: ['example.com'] });
    const g = identifierGrammar(lex);
    const strings = enumerate([
      { name: 'order', slots: [['w'], DIGITS, DIGITS, DIGITS] },
      { name: 'email', slots: [lex.firstNames, ['.'], lex.lastNames, DIGITS, DIGITS, ['@example.com']] },
    ]);
    expect(strings.size).toBe(1000 + 3 * 4 * 100);
    const V = ALPHABET.length + 1;
    for (const [i, target] of ['mei.li90@example.com', 'w808', 'mason.lee11@example.com'].entries()) {
      const { lp, T } = spoken(target, ALPHABET, 10 + i, 2, 10); // heavy noise: near-ties across strings
      const got = decodeWithGrammar(lp, T, ALPHABET, g)!;
      let best = { text: '', score: -Infinity };
      for (const s of strings) {
        const score = labelViterbi(lp, T, V, Array.from(s, (ch) => ALPHABET.indexOf(ch) + 1));
        if (score > best.score) best = { text: s, score };
      }
      expect(got.text).toBe(best.text);
      expect(got.logProb).toBeCloseTo(best.score, 9);
    }
  });

  it('hears a lexicon name where free decoding heard a near miss', () => {
    const g = identifierGrammar(identifierLexicon(DB));
    for (const [seed, [said, meant]] of [['mia.sanchz77@example.com', 'mia.sanchez77@example.com'], ['masn.smith05@example.com', 'mason.smith05@example.com'], ['w103.', 'w103']].entries()) {
      const { lp, T } = spoken(said!, ALPHABET, seed);
      expect(decodeWithGrammar(lp, T, ALPHABET, g)!.text).toBe(meant);
    }
  });

  it('returns the best in-grammar string for out-of-grammar input', () => {
    const g = identifierGrammar(identifierLexicon(DB));
    for (const [said, heard] of [['w12', /^w\d{3}$/], ['w1234', /^w\d{3}$/], ['zzz', /./]] as const) {
      const { lp, T } = spoken(said, ALPHABET, 5);
      const got = decodeWithGrammar(lp, T, ALPHABET, g)!;
      expect(got.text).toMatch(heard);
      expect(got.text === 'w12' || got.text === 'w1234' || got.text === 'zzz').toBe(false);
    }
    // the tiny case by brute force: frames that say "ba" are read as the best of x | y
    const alphabet = 'ab1';
    const lp = logSoftmaxRows(Float64Array.from({ length: 6 * 4 }, (_, i) => ([0, 2, 2, 1, 1, 0][Math.floor(i / 4)] === i % 4 ? 4 : 0)), 6, 4);
    const got = decodeWithGrammar(lp, 6, alphabet, compileGrammar(tiny))!;
    expect(enumerate(tiny).has(got.text)).toBe(true);
    expect(got.logProb).toBeCloseTo(bruteForce(lp, 6, alphabet, enumerate(tiny)).logProb, 10);
  });

  it('rejects bad input with what was wrong', () => {
    const g = compileGrammar(tiny);
    const lp = randomLogProbs(3, 4, 1);
    expect(() => decodeWithGrammar(lp, 0, 'ab1', g)).toThrow(/T must be a positive integer/);
    expect(() => decodeWithGrammar(lp, 4, 'ab1', g)).toThrow(/has 12 values, expected T × V = 4 × 4/);
    const nan = lp.slice();
    nan[5] = Number.NaN;
    expect(() => decodeWithGrammar(nan, 3, 'ab1', g)).toThrow(/logProbs\[5\] \(frame 1, symbol 1\) is NaN/);
    expect(() => decodeWithGrammar(lp, 3, 'ab2', g)).toThrow(/"1" is in the grammar but not in the alphabet "ab2"/);
    expect(() => compileGrammar([])).toThrow(/no patterns/);
    expect(() => compileGrammar([{ name: 'p', slots: [] }])).toThrow(/pattern "p" has no slots/);
    expect(() => compileGrammar([{ name: 'p', slots: [['a'], []] }])).toThrow(/slot 1 of pattern "p" has no alternatives/);
    expect(() => compileGrammar([{ name: 'p', slots: [['a', '']] }])).toThrow(/empty alternative/);
    expect(() => identifierLexicon({ emails: ['nobody'], orderIds: ['#W1'] })).toThrow(/no email/);
    expect(() => identifierLexicon({ emails: DB.emails, orderIds: ['#W1', '#X2'] })).toThrow(/several prefixes \(w, x\)/);
  });
});
