// Spliced prompt rows (speech turns) during prefill: per sequence, the rows by position; per prefill
// chunk, which chunk rows get which values (GpuForward.encodeBody copies them over the gathered embeddings).
import type { EmbeddingRows } from '../backend.ts';
import type { ChunkSplice } from './forward.ts';

/** Spliced rows of one sequence, by position: the row index into `e.rows`. */
export interface SequenceSplice {
  e: EmbeddingRows;
  rowAt: Map<number, number>;
}

export function sequenceSplice(e: EmbeddingRows | null | undefined): SequenceSplice | null {
  if (!e || !e.positions.length) return null;
  return { e, rowAt: new Map(e.positions.map((p, i) => [p, i])) };
}

/** The chunk rows (of `entries`, each a sequence's splice and position) whose embeddings are replaced. */
export function chunkSplice(entries: readonly { s: SequenceSplice | null; pos: number }[], H: number): ChunkSplice | null {
  const at: number[] = [];
  const sources: { e: EmbeddingRows; i: number }[] = [];
  entries.forEach(({ s, pos }, r) => {
    const i = s?.rowAt.get(pos);
    if (i !== undefined) (at.push(r), sources.push({ e: s!.e, i }));
  });
  if (!at.length) return null;
  const values = new Float32Array(at.length * H);
  sources.forEach(({ e, i }, k) => {
    for (let d = 0; d < H; d++) values[k * H + d] = e.rows[i * H + d]!;
  });
  return { at, values };
}
