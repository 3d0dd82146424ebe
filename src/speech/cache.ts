// Content-addressed cache for rendered audio: key = SHA-256 of everything that determines the samples
// (text, voice, preset, renderer version). An in-memory LRU sits in front of an optional persistent
// AudioStore (the studio backs it with IndexedDB; Node can leave it out).

export interface AudioStore {
  get(key: string): Promise<Float32Array | undefined>;
  put(key: string, audio: Float32Array): Promise<void>;
}

export async function sha256Hex(text: string): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** JSON with sorted object keys so that equal contents always hash alike. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/**
 * Least-recently-used map bounded by the total size of its values (`sizeOf`, e.g. float count); a value
 * larger than the whole capacity is not kept (it would evict everything).
 */
export class SizedLru<V> {
  private readonly entries = new Map<string, V>();
  private total = 0;

  constructor(
    readonly capacity: number,
    private readonly sizeOf: (v: V) => number,
  ) {
    if (!(capacity > 0)) throw new Error(`LRU cache: capacity must be positive, got ${capacity}`);
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: string): V | undefined {
    const hit = this.entries.get(key);
    if (hit !== undefined) {
      this.entries.delete(key); // re-insert: Map order is recency order
      this.entries.set(key, hit);
    }
    return hit;
  }

  put(key: string, value: V): void {
    const old = this.entries.get(key);
    if (old !== undefined) {
      this.total -= this.sizeOf(old);
      this.entries.delete(key);
    }
    if (this.sizeOf(value) > this.capacity) return;
    this.entries.set(key, value);
    this.total += this.sizeOf(value);
    for (const [k, v] of this.entries) {
      if (this.total <= this.capacity) break;
      this.entries.delete(k);
      this.total -= this.sizeOf(v);
    }
  }
}

/** Rendered audio in memory, bounded by total sample count (4 bytes each). */
export class AudioLru implements AudioStore {
  private readonly lru: SizedLru<Float32Array>;

  constructor(readonly maxSamples = 16_000 * 60 * 10) {
    if (!(maxSamples > 0)) throw new Error(`AudioLru: maxSamples must be positive, got ${maxSamples}`);
    this.lru = new SizedLru(maxSamples, (a) => a.length);
  }

  get size(): number {
    return this.lru.size;
  }

  async get(key: string): Promise<Float32Array | undefined> {
    return this.lru.get(key);
  }

  async put(key: string, audio: Float32Array): Promise<void> {
    this.lru.put(key, audio);
  }
}
