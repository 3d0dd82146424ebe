// Pulls the final numeric answer out of a model response and scores it 1/0 against the stated
// answer. Order of preference: the last \boxed{...} (or \fbox{...}); a GSM8K-style "#### X" line;
// the last "answer is X" / "Answer: X"; otherwise the last number in the text. Tolerates thousands
// commas (1,234.50 and LaTeX 1{,}234), currency signs ($ \$ € £), a trailing period, unicode minus,
// and fractions (3/4, \frac{3}{4}). Answers compare exactly as rationals, so 53.1 equals 53.10.
import { Q } from './exact.ts';

const NUMBER =
  /(?:(?<=^|[\s(=:{\[])[-−])?\s*(?:\\?\$|[€£]|USD\s?)?\s*(?:(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+)/g;

/** Content of the last \boxed{...} / \fbox{...}, braces balanced, or null. */
function lastBoxed(text: string): string | null {
  let found: string | null = null;
  const opener = /\\(?:boxed|fbox)\s*\{/g;
  for (let m = opener.exec(text); m; m = opener.exec(text)) {
    let depth = 1;
    let i = m.index + m[0].length;
    const start = i;
    for (; i < text.length && depth > 0; i++) {
      if (text[i] === '{') depth++;
      else if (text[i] === '}') depth--;
    }
    if (depth === 0) found = text.slice(start, i - 1);
  }
  return found;
}

function parseNumberToken(token: string): Q {
  const negative = /^[-−]/.test(token);
  const digits = token.replace(/[^\d.]/g, '');
  const q = Q.parse(digits);
  return negative ? q.neg() : q;
}

/** Last number in a piece of text (fractions allowed), or null. */
function lastNumber(text: string): Q | null {
  const cleaned = text
    .replace(/\\(?:text|mathrm|textbf|mathbf)\s*\{([^{}]*)\}/g, '$1')
    .replace(/\{,\}/g, ',')
    .replace(/\\[,!; ]/g, '')
    .replace(/\\%|%/g, '');
  const frac = [...cleaned.matchAll(/\\[dt]?frac\s*\{\s*([-−]?\d+)\s*\}\s*\{\s*(\d+)\s*\}|([-−]?\d+)\s*\/\s*(\d+)(?![\d.])/g)].at(-1);
  const numbers = [...cleaned.matchAll(NUMBER)];
  const last = numbers.at(-1);
  // A fraction wins when it is the last numeric thing in the text.
  if (frac && (!last || frac.index + frac[0].length >= last.index + last[0].length)) {
    const num = parseNumberToken(frac[1] ?? frac[3]!);
    const den = Q.parse(frac[2] ?? frac[4]!);
    if (den.num !== 0n) return num.div(den);
  }
  return last ? parseNumberToken(last[0].trim()) : null;
}

/** Exact value written as a decimal when it terminates, else "num/den". */
function normalize(q: Q): string {
  return q.places() !== null ? q.toDecimal() : `${q.num}/${q.den}`;
}

/** The final answer in a response as a normalized decimal string ("1234.5", "-3", "1/3"), or null. */
export function extractAnswer(response: string): string | null {
  const boxed = lastBoxed(response);
  if (boxed !== null) {
    const q = lastNumber(boxed);
    return q ? normalize(q) : null;
  }
  const hashes = [...response.matchAll(/^\s*####\s*(.+)$/gm)].at(-1);
  if (hashes) {
    const q = lastNumber(hashes[1]!);
    if (q) return normalize(q);
  }
  const stated = [...response.matchAll(/\banswer\s*(?:is|:)\s*([^\n]*)/gi)].at(-1);
  if (stated) {
    const first = [...stated[1]!.matchAll(NUMBER)][0];
    if (first) return normalize(parseNumberToken(first[0].trim()));
  }
  const q = lastNumber(response);
  return q ? normalize(q) : null;
}

function parseExpected(expected: string): Q {
  const frac = /^\s*(-?\d+)\s*\/\s*(\d+)\s*$/.exec(expected);
  return frac ? Q.parse(frac[1]!).div(Q.parse(frac[2]!)) : Q.parse(expected);
}

/** True when the extracted answer equals the expected one exactly. */
export function answersMatch(extracted: string | null, expected: string): boolean {
  if (extracted === null) return false;
  return parseExpected(extracted).eq(parseExpected(expected));
}

/** Verifiable math reward: 1 if the response's final answer equals `expected` exactly, else 0. */
export function mathReward(response: string, expected: string): 0 | 1 {
  return answersMatch(extractAnswer(response), expected) ? 1 : 0;
}
