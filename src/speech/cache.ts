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

/** Least-recently-used map bounded by total sample count (4 bytes each). */
export class AudioLru implements AudioStore {
  private readonly entries = new Map<string, Float32Array>();
  private samples = 0;

  constructor(readonly maxSamples = 16_000 * 60 * 10) {
    if (!(maxSamples > 0)) throw new Error(`AudioLru: maxSamples must be positive, got ${maxSamples}`);
  }

  get size(): number {
    return this.entries.size;
  }

  async get(key: string): Promise<Float32Array | undefined> {
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key); // re-insert: Map order is recency order
      this.entries.set(key, hit);
    }
    return hit;
  }

  async put(key: string, audio: Float32Array): Promise<void> {
    const old = this.entries.get(key);
    if (old) {
      this.samples -= old.length;
      this.entries.delete(key);
    }
    if (audio.length > this.maxSamples) return; // larger than the whole cache: do not evict everything for it
    this.entries.set(key, audio);
    this.samples += audio.length;
    for (const [k, v] of this.entries) {
      if (this.samples <= this.maxSamples) break;
      this.entries.delete(k);
      this.samples -= v.length;
    }
  }
}
