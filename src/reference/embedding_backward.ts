// Float64 embedding gather and its backward (scatter-add of row gradients into the table).

export function embeddingForward(table: ArrayLike<number>, tokens: ArrayLike<number>, vocab: number, D: number): Float64Array {
  const out = new Float64Array(tokens.length * D);
  for (let t = 0; t < tokens.length; t++) {
    const id = tokens[t]!;
    if (!Number.isInteger(id) || id < 0 || id >= vocab) throw new Error(`embedding: token ${t} id ${id} is outside the vocabulary [0, ${vocab})`);
    for (let i = 0; i < D; i++) out[t * D + i] = table[id * D + i]!;
  }
  return out;
}

/** Accumulates dy's rows into dTable (vocab × D) at the tokens' rows. */
export function embeddingBackward(tokens: ArrayLike<number>, dy: ArrayLike<number>, D: number, dTable: Float64Array): Float64Array {
  for (let t = 0; t < tokens.length; t++) {
    const o = tokens[t]! * D;
    for (let i = 0; i < D; i++) dTable[o + i] += dy[t * D + i]!;
  }
  return dTable;
}
