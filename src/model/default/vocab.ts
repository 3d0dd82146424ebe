// Restricting a byte-level BPE tokenizer (Qwen3's) to the tokens a corpus uses, so the default model's
// embedding has a few thousand rows instead of 151k (the size budget) while its text is tokenized
// exactly as the real Qwen3 tokenizer does.
//
// Kept: every token the full tokenizer produces on the corpus, every single-byte token (so ANY text
// still encodes, falling back to smaller pieces), every added/special token, and the closure of the
// kept set under "parts of a merge that produces a kept token". Merges are kept when both parts and
// the result are kept. Why that is exact on the corpus: BPE applies, at each step, the lowest-ranked
// merge among the pairs present; every merge the full tokenizer applies on corpus text produces a
// token that is kept (a final token, or by induction a part of one) and so survives, and a subset of
// merges cannot offer a lower-ranked candidate than the full set did. Ids stay Qwen's; the model's
// small ids come from the IdMap (id-map.ts) that loadTokenizer applies.
import { IdMap } from '../id-map.ts';

interface TokenizerJson {
  model: { type: string; vocab: Record<string, number>; merges: (string | [string, string])[] };
  added_tokens: { id: number; content: string }[];
  [k: string]: unknown;
}

/** GPT-2's byte → printable-character table used by byte-level BPE vocabularies. */
export function byteLevelAlphabet(): string[] {
  const bs: number[] = [];
  for (let b = 33; b <= 126; b++) bs.push(b);
  for (let b = 161; b <= 172; b++) bs.push(b);
  for (let b = 174; b <= 255; b++) bs.push(b);
  const cs = [...bs];
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!bs.includes(b)) {
      bs.push(b);
      cs.push(256 + n++);
    }
  }
  return cs.map((c) => String.fromCodePoint(c));
}

export interface RestrictedTokenizer {
  tokenizerJson: TokenizerJson;
  idMap: IdMap;
  /** How many kept tokens came from the corpus itself (the rest: bytes, specials, merge closure). */
  corpusTokens: number;
}

/**
 * `fullJson`: the parsed tokenizer.json; `usedIds`: ids the full tokenizer produced on the corpus.
 * Returns a new tokenizer.json (same ids) and the id map for the kept ids.
 */
export function restrictTokenizer(fullJson: unknown, usedIds: Iterable<number>, base: string): RestrictedTokenizer {
  const full = fullJson as TokenizerJson;
  if (full?.model?.type !== 'BPE' || !full.model.vocab || !Array.isArray(full.model.merges)) {
    throw new Error('restrictTokenizer: expected a BPE tokenizer.json with model.vocab and model.merges');
  }
  const idToToken = new Map<number, string>();
  for (const [tok, id] of Object.entries(full.model.vocab)) idToToken.set(id, tok);
  const merges = full.model.merges.map((m) => (typeof m === 'string' ? (m.split(' ') as [string, string]) : m));
  const producers = new Map<string, [string, string][]>();
  for (const m of merges) {
    const r = m[0] + m[1];
    let list = producers.get(r);
    if (!list) producers.set(r, (list = []));
    list.push(m);
  }
  const kept = new Set<string>();
  const queue: string[] = [];
  const keep = (tok: string) => {
    if (kept.has(tok)) return;
    kept.add(tok);
    queue.push(tok);
  };
  let corpusTokens = 0;
  for (const id of new Set(usedIds)) {
    const tok = idToToken.get(id);
    if (tok === undefined) {
      if (full.added_tokens.some((t) => t.id === id)) continue; // specials are kept below
      throw new Error(`restrictTokenizer: id ${id} is not in the tokenizer's vocabulary`);
    }
    corpusTokens++;
    keep(tok);
  }
  for (const ch of byteLevelAlphabet()) {
    if (full.model.vocab[ch] === undefined) throw new Error(`restrictTokenizer: byte token "${ch}" missing from the vocabulary`);
    keep(ch);
  }
  while (queue.length) {
    const tok = queue.pop()!;
    for (const [a, b] of producers.get(tok) ?? []) {
      keep(a);
      keep(b);
    }
  }
  const vocab: Record<string, number> = {};
  for (const [tok, id] of Object.entries(full.model.vocab)) if (kept.has(tok)) vocab[tok] = id;
  const keptMerges = full.model.merges.filter((_, i) => {
    const [a, b] = merges[i]!;
    return kept.has(a) && kept.has(b) && kept.has(a + b);
  });
  const ids = [...Object.values(vocab), ...full.added_tokens.map((t) => t.id)];
  return {
    tokenizerJson: { ...full, model: { ...full.model, vocab, merges: keptMerges } },
    idMap: IdMap.fromBaseIds(ids, base),
    corpusTokens,
  };
}
