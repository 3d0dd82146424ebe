// A judge cache persisted as JSON lines ({key, value}) for Node: `tarl judge --cache FILE` re-scores
// without new calls. Appends; the last entry for a key wins when loading.
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import type { JudgeResult } from '../rollout/trajectory.ts';
import type { JudgeCache } from './cache.ts';

export class FileJudgeCache implements JudgeCache {
  private readonly map = new Map<string, JudgeResult>();
  constructor(private readonly path: string) {
    if (!existsSync(path)) return;
    readFileSync(path, 'utf8').split('\n').forEach((line, i) => {
      if (!line.trim()) return;
      try {
        const { key, value } = JSON.parse(line) as { key: string; value: JudgeResult };
        if (typeof key === 'string' && value) this.map.set(key, value);
      } catch (e) {
        throw new Error(`judge cache ${path}:${i + 1}: not JSON (${(e as Error).message})`);
      }
    });
  }
  get(key: string) {
    return this.map.get(key);
  }
  set(key: string, value: JudgeResult) {
    this.map.set(key, value);
    appendFileSync(this.path, `${JSON.stringify({ key, value })}\n`);
  }
  get size() {
    return this.map.size;
  }
}
