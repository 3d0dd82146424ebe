// Float64 CPU reference of the embedding gather: out[t, :] = table[tokens[t], :] (table is vocab × D, row-major).
export function embeddingGather(table: ArrayLike<number>, tokens: ArrayLike<number>, vocab: number, D: number): Float64Array {
  if (table.length !== vocab * D) throw new Error(`embedding: table has ${table.length} values, expected ${vocab}×${D}`);
  const out = new Float64Array(tokens.length * D);
  for (let t = 0; t < tokens.length; t++) {
    const id = tokens[t]!;
    if (!Number.isInteger(id) || id < 0 || id >= vocab) {
      throw new Error(`embedding: token ${t} has id ${id}, outside the vocabulary [0, ${vocab})`);
    }
    for (let i = 0; i < D; i++) out[t * D + i] = table[id * D + i]!;
  }
  return out;
}
