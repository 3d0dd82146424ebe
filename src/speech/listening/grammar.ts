// Grammar-constrained CTC decoding: the best single alignment (Viterbi, max over paths) of a frame
// sequence of log-probs whose collapsed transcript lies in a regular language, as production ASR
// decodes constrained slots (contextual biasing, grammar decoding). The language is a character
// automaton built as tries — here the union of the DB's identifier shapes: order ids `w` + digits,
// and emails `<first>.<last><digits>@<domain>` over the DB's name lexicon, every digit free. The
// decoder is not told which kind it hears; it never sees any identifier, only names and shapes.
//
// CTC topology over the automaton: a blank state B(q) per automaton state q (q reached, now in
// blanks or not yet started) and an emitting state E(a) per arc a = p —c→ q (emitting c, q reached).
// B(q) → B(q) | E(a out of q);  E(a) → E(a) (c held) | B(q) | E(a' out of q) when a' emits another
// character than c (a repeated character needs a blank between, as in ctc.ts).

/** Alternatives for one slot of a pattern, e.g. the first names, or the ten digits. */
export type Slot = readonly string[];

export interface GrammarPattern {
  name: string;
  /** Read one after the other: a string of the pattern picks one alternative per slot. */
  slots: readonly Slot[];
}

/** A nondeterministic character automaton; state 0 starts. Arcs are sorted by source state. */
export interface Grammar {
  readonly stateCount: number;
  readonly final: Uint8Array;
  readonly arcFrom: Int32Array;
  readonly arcTo: Int32Array;
  readonly arcChar: string;
  /** Arcs leaving state q: arcFrom-sorted indices outStart[q] .. outStart[q + 1] − 1. */
  readonly outStart: Int32Array;
}

export const DIGITS: Slot = Array.from('0123456789');
export const digitSlots = (n: number): Slot[] => Array.from({ length: n }, () => DIGITS);

/**
 * Union of the patterns, all from one start state. Each slot is a trie of its words from the slot's
 * entry state; a word's last character goes to the slot's shared exit (the next slot's entry), so a
 * word that is a prefix of another leaves two arcs on one character (nondeterminism, which Viterbi
 * takes in its stride). Suffixes are not shared: the automaton stays a few hundred states.
 */
export function compileGrammar(patterns: readonly GrammarPattern[]): Grammar {
  if (!patterns.length) throw new Error('grammar: no patterns');
  const arcs: [number, string, number][] = [];
  const seen = new Set<string>();
  const final: number[] = [];
  let states = 1;
  const arc = (from: number, ch: string, to: number) => {
    const key = `${from} ${ch} ${to}`;
    if (!seen.has(key)) seen.add(key), arcs.push([from, ch, to]);
  };
  for (const p of patterns) {
    if (!p.slots.length) throw new Error(`grammar: pattern "${p.name}" has no slots`);
    let entry = 0;
    for (const [i, slot] of p.slots.entries()) {
      if (!slot.length) throw new Error(`grammar: slot ${i} of pattern "${p.name}" has no alternatives`);
      const exit = states++;
      const trie = new Map<string, number>(); // proper prefix → its state
      for (const word of slot) {
        if (!word.length) throw new Error(`grammar: slot ${i} of pattern "${p.name}" has an empty alternative`);
        let at = entry;
        for (let k = 0; k < word.length - 1; k++) {
          const prefix = word.slice(0, k + 1);
          let next = trie.get(prefix);
          if (next === undefined) trie.set(prefix, (next = states++)), arc(at, word[k]!, next);
          at = next;
        }
        arc(at, word[word.length - 1]!, exit);
      }
      entry = exit;
    }
    final.push(entry);
  }
  const sorted = arcs.sort((a, b) => a[0] - b[0]);
  const outStart = new Int32Array(states + 1);
  for (const [from] of sorted) outStart[from + 1]!++;
  for (let q = 0; q < states; q++) outStart[q + 1]! += outStart[q]!;
  const f = new Uint8Array(states);
  for (const q of final) f[q] = 1;
  return {
    stateCount: states, final: f, outStart,
    arcFrom: Int32Array.from(sorted, (a) => a[0]), arcChar: sorted.map((a) => a[1]).join(''), arcTo: Int32Array.from(sorted, (a) => a[2]),
  };
}

/** The name lexicon and identifier shapes, as observed in the DB (never its identifiers themselves). */
export interface IdentifierLexicon {
  firstNames: readonly string[];
  lastNames: readonly string[];
  /** Order ids: lower-case prefix (no "#") and the digit counts seen. */
  orderPrefix: string;
  orderDigits: readonly number[];
  emailDigits: readonly number[];
  emailDomains: readonly string[];
}

/** Derives the lexicon from the DB's emails and order ids, as corpus.ts derives its synthetic names. */
export function identifierLexicon(db: { emails: readonly string[]; orderIds: readonly string[] }): IdentifierLexicon {
  const emails = db.emails.map((e) => /^([a-z]+)\.([a-z]+)(\d+)@([a-z.]+)$/.exec(e)).filter((m): m is RegExpExecArray => m !== null);
  const orders = db.orderIds.map((o) => /^#?([A-Za-z]+)(\d+)$/.exec(o)).filter((m): m is RegExpExecArray => m !== null);
  if (!emails.length) throw new Error('grammar: no email of the form first.last<digits>@domain in the DB');
  if (!orders.length) throw new Error('grammar: no order id of the form #<letters><digits> in the DB');
  const prefixes = [...new Set(orders.map((m) => m[1]!.toLowerCase()))];
  if (prefixes.length !== 1) throw new Error(`grammar: order ids have several prefixes (${prefixes.join(', ')})`);
  const uniq = <T>(xs: T[]) => [...new Set(xs)].sort();
  return {
    firstNames: uniq(emails.map((m) => m[1]!)), lastNames: uniq(emails.map((m) => m[2]!)),
    orderPrefix: prefixes[0]!, orderDigits: uniq(orders.map((m) => m[2]!.length)), emailDigits: uniq(emails.map((m) => m[3]!.length)),
    emailDomains: uniq(emails.map((m) => m[4]!)),
  };
}

/** Order ids and emails of the lexicon's shapes, every digit free; the kind is the pattern's name. */
export function identifierGrammar(lex: IdentifierLexicon): Grammar {
  const patterns: GrammarPattern[] = [];
  for (const n of lex.orderDigits) patterns.push({ name: 'order', slots: [[lex.orderPrefix], ...digitSlots(n)] });
  for (const n of lex.emailDigits) {
    patterns.push({ name: 'email', slots: [lex.firstNames, ['.'], lex.lastNames, ...digitSlots(n), lex.emailDomains.map((d) => `@${d}`)] });
  }
  return compileGrammar(patterns);
}

export interface GrammarDecode {
  text: string;
  /** Log-probability of the best alignment (a sum of the frames' log-probs). */
  logProb: number;
}

const labelCache = new WeakMap<Grammar, Map<string, Int32Array>>();

function arcLabels(g: Grammar, alphabet: string): Int32Array {
  let byAlphabet = labelCache.get(g);
  if (!byAlphabet) labelCache.set(g, (byAlphabet = new Map()));
  let labels = byAlphabet.get(alphabet);
  if (!labels) {
    labels = Int32Array.from(g.arcChar, (ch) => {
      const i = alphabet.indexOf(ch);
      if (i < 0) throw new Error(`grammar: "${ch}" is in the grammar but not in the alphabet "${alphabet}"`);
      return i + 1;
    });
    byAlphabet.set(alphabet, labels);
  }
  return labels;
}

/**
 * The in-grammar transcript of the best CTC alignment of `logProbs` (T × (alphabet.length + 1) rows,
 * blank id 0, symbol id = alphabet index + 1), or null when no grammar string fits in T frames.
 * Row-wise normalisation does not change which path wins (every path takes one symbol per frame),
 * but `logProb` is a log-probability only when the rows are log-softmaxed.
 */
export function decodeWithGrammar(logProbs: ArrayLike<number>, T: number, alphabet: string, g: Grammar): GrammarDecode | null {
  const V = alphabet.length + 1;
  if (!Number.isInteger(T) || T < 1) throw new Error(`grammar decode: T must be a positive integer of frames, got ${T}`);
  if (logProbs.length !== T * V) throw new Error(`grammar decode: logProbs has ${logProbs.length} values, expected T × V = ${T} × ${V} (alphabet of ${alphabet.length} + blank)`);
  for (let i = 0; i < logProbs.length; i++) {
    const x = logProbs[i]!;
    if (Number.isNaN(x) || x === Infinity) throw new Error(`grammar decode: logProbs[${i}] (frame ${Math.floor(i / V)}, symbol ${i % V}) is ${x}`);
  }
  const lab = arcLabels(g, alphabet);
  const Q = g.stateCount;
  const A = lab.length;
  const S = Q + A;
  const { arcTo, outStart } = g;
  let cur = new Float64Array(S).fill(-Infinity);
  let next = new Float64Array(S);
  const back = new Int32Array(T * S).fill(-1);
  cur[0] = logProbs[0]!;
  for (let k = outStart[0]!; k < outStart[1]!; k++) cur[Q + k] = logProbs[lab[k]!]!;
  for (let t = 1; t < T; t++) {
    next.fill(-Infinity);
    const row = t * V;
    const bp = t * S;
    const relax = (s: number, score: number, from: number) => {
      if (score > next[s]!) (next[s] = score), (back[bp + s] = from);
    };
    const blank = logProbs[row]!;
    for (let q = 0; q < Q; q++) {
      const s = cur[q]!;
      if (s === -Infinity) continue;
      relax(q, s + blank, q);
      for (let k = outStart[q]!; k < outStart[q + 1]!; k++) relax(Q + k, s + logProbs[row + lab[k]!]!, q);
    }
    for (let a = 0; a < A; a++) {
      const s = cur[Q + a]!;
      if (s === -Infinity) continue;
      const l = lab[a]!;
      relax(Q + a, s + logProbs[row + l]!, Q + a);
      const q = arcTo[a]!;
      relax(q, s + blank, Q + a);
      for (let k = outStart[q]!; k < outStart[q + 1]!; k++) if (lab[k] !== l) relax(Q + k, s + logProbs[row + lab[k]!]!, Q + a);
    }
    [cur, next] = [next, cur];
  }
  let best = -1;
  for (let s = 0; s < S; s++) {
    const q = s < Q ? s : arcTo[s - Q]!;
    if (g.final[q] && cur[s]! > -Infinity && (best < 0 || cur[s]! > cur[best]!)) best = s;
  }
  if (best < 0) return null;
  const logProb = cur[best]!;
  // trace back: a symbol is emitted wherever the path enters an emitting state from another state
  const chars: string[] = [];
  for (let t = T - 1, s = best; t >= 0; t--) {
    const prev = t > 0 ? back[t * S + s]! : -1;
    if (s >= Q && prev !== s) chars.push(g.arcChar[s - Q]!);
    s = prev;
  }
  return { text: chars.reverse().join(''), logProb };
}
