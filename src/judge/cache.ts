// Judge result cache keyed by the request (model + prompt + sampling settings; never the API key),
// so re-scoring a trajectory file costs nothing. In-memory here; src/judge/file-cache.ts persists
// it as JSON lines in Node.
import type { JudgeResult } from '../rollout/trajectory.ts';

export interface JudgeCache {
  get(key: string): Promise<JudgeResult | undefined> | JudgeResult | undefined;
  set(key: string, value: JudgeResult): Promise<void> | void;
}

export class MemoryJudgeCache implements JudgeCache {
  private readonly map = new Map<string, JudgeResult>();
  get(key: string) {
    return this.map.get(key);
  }
  set(key: string, value: JudgeResult) {
    this.map.set(key, value);
  }
  get size() {
    return this.map.size;
  }
}

/** SHA-256 (hex) of a JSON value, through Web Crypto (Node 20 and browsers). */
export async function sha256Json(value: unknown): Promise<string> {
  const bytes = new TextEncoder().encode(JSON.stringify(value));
  const digest = await globalThis.crypto.subtle.digest('SHA-256', bytes);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}
