// Prompt-prefix reuse for the CPU backend: a multi-turn episode's next prompt is its previous prompt,
// the sampled turn and the new observations, so the K/V of the common prefix need not be computed
// again (a τ-bench prompt is ~4.7k tokens; re-prefilling it every turn dominated CPU rollouts).
// K/V rows depend only on the tokens (and spliced rows) up to their position, so a reused prefix gives
// exactly the values a fresh prefill would. Spliced rows must match row for row inside the prefix.
import type { EmbeddingRows } from '../backend.ts';
import { KvCache } from './forward.ts';

interface Entry {
  tokens: number[];
  rows: Map<number, ArrayLike<number>>;
  cache: KvCache;
}

function rowsByPosition(e: EmbeddingRows | null | undefined, D: number): Map<number, ArrayLike<number>> {
  const m = new Map<number, ArrayLike<number>>();
  e?.positions.forEach((p, i) => m.set(p, Array.prototype.slice.call(e.rows, i * D, (i + 1) * D) as number[]));
  return m;
}

const sameRow = (a: ArrayLike<number> | undefined, b: ArrayLike<number> | undefined) =>
  a === b || (a !== undefined && b !== undefined && a.length === b.length && Array.prototype.every.call(a, (x: number, i: number) => Object.is(x, b[i])));

export class PrefixCache {
  private entries: Entry[] = [];

  constructor(
    private readonly D: number,
    private readonly capacity = 8,
  ) {}

  /**
   * The longest cached prefix of `prompt` (at most prompt.length − 1 positions, so at least one token is
   * left to run for the logits), as a fresh KvCache holding it; length 0 when nothing matches.
   */
  take(prompt: readonly number[], spliced: EmbeddingRows | null | undefined, fresh: () => KvCache): KvCache {
    const rows = rowsByPosition(spliced, this.D);
    let best: { entry: Entry; length: number } | null = null;
    for (const entry of this.entries) {
      const max = Math.min(entry.cache.length, prompt.length - 1);
      let n = 0;
      while (n < max && entry.tokens[n] === prompt[n] && sameRow(entry.rows.get(n), rows.get(n))) n++;
      if (n > (best?.length ?? 0)) best = { entry, length: n };
    }
    const cache = fresh();
    if (best) cache.copyPrefix(best.entry.cache, best.length);
    return cache;
  }

  /** Remembers a sequence's cache (its K/V cover tokens[0 .. cache.length − 1]); the oldest entries go first. */
  put(tokens: readonly number[], spliced: EmbeddingRows | null | undefined, cache: KvCache): void {
    this.entries.push({ tokens: tokens.slice(0, cache.length), rows: rowsByPosition(spliced, this.D), cache });
    if (this.entries.length > this.capacity) this.entries.shift();
  }
}
