// Node side of the Whisper hub path: a directory cache keyed by URL (default .cache/hub/) and a loader
// that uses it. Node-only: never import this from browser modules.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { loadWhisperEncoder, type HubBytesCache, type LoadWhisperEncoderOptions, type WhisperEncoder } from './whisper-encoder.ts';

export const DEFAULT_HUB_CACHE_DIR = '.cache/hub';

/** `<dir>/<sha256(url)>.bin` plus a `.json` naming the URL (for people browsing the folder). Writes go
 * to a temporary file first and are renamed into place, so an interrupted write never leaves a
 * partial entry behind. */
export function hubDirectoryCache(dir = DEFAULT_HUB_CACHE_DIR): HubBytesCache {
  const root = resolve(dir);
  const pathOf = (url: string) => join(root, createHash('sha256').update(url).digest('hex'));
  return {
    name: root,
    async get(url) {
      try {
        const b = await readFile(`${pathOf(url)}.bin`);
        return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw e;
      }
    },
    async put(url, bytes) {
      await mkdir(root, { recursive: true });
      const base = pathOf(url);
      const tmp = `${base}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
      try {
        await writeFile(tmp, bytes);
        await rename(tmp, `${base}.bin`);
      } finally {
        await rm(tmp, { force: true });
      }
      await writeFile(`${base}.json`, `${JSON.stringify({ url, bytes: bytes.byteLength, savedAt: new Date().toISOString() }, null, 2)}\n`);
    },
    async delete(url) {
      const base = pathOf(url);
      await rm(`${base}.bin`, { force: true });
      await rm(`${base}.json`, { force: true });
    },
  };
}

/** loadWhisperEncoder with the directory cache unless the caller gives another (or null). */
export function loadWhisperEncoderNode(options: LoadWhisperEncoderOptions & { cacheDir?: string }): Promise<WhisperEncoder> {
  const { cacheDir, ...rest } = options;
  return loadWhisperEncoder({ ...rest, cache: rest.cache === undefined ? hubDirectoryCache(cacheDir) : rest.cache });
}
