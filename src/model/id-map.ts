// A model folder's id map (`id_map.json`): the small model's token ids ↔ the ids of the tokenizer it
// was cut from. The default model keeps the real Qwen3 tokenizer (restricted to the tokens its world
// uses, ids unchanged so the files stay checkable against Qwen's) but an embedding of 151k rows would
// not fit the size budget, so the model itself sees ids 0 … n−1; `loadTokenizer` applies the map both
// ways and nothing else in the engine knows about it. Browser-safe.
//
// INTERFACE: interface IdMapJson { version: 1; base: string; base_ids: number[] }  (small id i ↔ base_ids[i])
//   class IdMap { static fromJson(json, where?); static fromBaseIds(ids, base); toSmall(baseId); toBase(smallId); size; toJson() }

export interface IdMapJson {
  version: 1;
  /** The tokenizer the base ids belong to. */
  base: string;
  /** base_ids[small id] = base tokenizer id; strictly increasing. */
  base_ids: number[];
}

export const ID_MAP_FILE = 'id_map.json';

export class IdMap {
  private readonly small = new Map<number, number>();

  private constructor(
    readonly base: string,
    private readonly baseIds: readonly number[],
  ) {
    baseIds.forEach((b, i) => this.small.set(b, i));
  }

  static fromBaseIds(ids: Iterable<number>, base: string): IdMap {
    const sorted = [...new Set(ids)].sort((a, b) => a - b);
    return new IdMap(base, sorted);
  }

  static fromJson(json: unknown, where = ID_MAP_FILE): IdMap {
    const j = json as Partial<IdMapJson> | null;
    if (!j || typeof j !== 'object') throw new Error(`${where}: expected a JSON object`);
    if (j.version !== 1) throw new Error(`${where}: unsupported version ${String(j.version)} (expected 1)`);
    if (typeof j.base !== 'string') throw new Error(`${where}: "base" must name the base tokenizer`);
    const ids = j.base_ids;
    if (!Array.isArray(ids) || ids.length === 0) throw new Error(`${where}: "base_ids" must be a non-empty list of token ids`);
    for (let i = 0; i < ids.length; i++) {
      const v = ids[i];
      if (!Number.isInteger(v) || v < 0) throw new Error(`${where}: base_ids[${i}] = ${String(v)} is not a token id`);
      if (i > 0 && v <= ids[i - 1]!) throw new Error(`${where}: base_ids must be strictly increasing (index ${i})`);
    }
    return new IdMap(j.base, ids);
  }

  get size(): number {
    return this.baseIds.length;
  }

  /** The small id of a base id; an error naming the id when the restricted vocabulary lacks it. */
  toSmall(baseId: number): number {
    const s = this.small.get(baseId);
    if (s === undefined) throw new Error(`id map: base token id ${baseId} is not in the model's ${this.size}-token vocabulary`);
    return s;
  }

  hasBase(baseId: number): boolean {
    return this.small.has(baseId);
  }

  toBase(smallId: number): number {
    const b = this.baseIds[smallId];
    if (b === undefined) throw new Error(`id map: token id ${smallId} is outside the model's vocabulary [0, ${this.size})`);
    return b;
  }

  toJson(): IdMapJson {
    return { version: 1, base: this.base, base_ids: [...this.baseIds] };
  }
}
