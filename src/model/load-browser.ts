// Loading a model in the browser: from a URL (e.g. https://huggingface.co/ORG/NAME/resolve/main/) with
// byte-level progress and Cache Storage so a reload does not download again, or from a local folder
// (drag-and-drop / <input webkitdirectory> / directory picker) given as File objects.
// Browser-safe: only fetch, Cache Storage and File are used (all also exist in Node ≥ 20, which tests use).
import { loadModelWeights, type ModelSource, type ModelWeights } from './weights.ts';

export interface DownloadProgress {
  file: string;
  loaded: number;
  /** From Content-Length; 0 when the server does not say. */
  total: number;
  fromCache: boolean;
}

export interface UrlSourceOptions {
  onProgress?: (p: DownloadProgress) => void;
  /** Cache Storage bucket; null disables caching. Default 'tarl-models'. */
  cacheName?: string | null;
  fetchImpl?: typeof fetch;
}

async function openCache(name: string | null | undefined): Promise<Cache | null> {
  if (name === null || typeof caches === 'undefined') return null;
  try {
    return await caches.open(name ?? 'tarl-models');
  } catch {
    return null; // e.g. opaque origins: work without the cache
  }
}

async function readWithProgress(res: Response, report: (loaded: number, total: number) => void): Promise<Uint8Array> {
  const total = Number(res.headers.get('content-length') ?? 0);
  if (!res.body) {
    const b = new Uint8Array(await res.arrayBuffer());
    report(b.byteLength, total || b.byteLength);
    return b;
  }
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  // Preallocate when the length is known: a 1 GB model must not be held twice.
  const out = total > 0 ? new Uint8Array(total) : null;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (out && loaded + value.byteLength <= total) out.set(value, loaded);
    else chunks.push(value);
    loaded += value.byteLength;
    report(loaded, total);
  }
  if (out && loaded === total) return out;
  const all = new Uint8Array(loaded);
  let pos = 0;
  if (out) {
    all.set(out.subarray(0, Math.min(loaded, total)), 0);
    pos = Math.min(loaded, total);
  }
  for (const c of chunks) {
    all.set(c, pos);
    pos += c.byteLength;
  }
  return all;
}

export function urlSource(baseUrl: string, opts: UrlSourceOptions = {}): ModelSource {
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  const doFetch = opts.fetchImpl ?? fetch;
  const cachePromise = openCache(opts.cacheName);
  const urlOf = (file: string) => new URL(file, base).toString();
  async function get(file: string): Promise<Response> {
    const url = urlOf(file);
    const cache = await cachePromise;
    const hit = cache ? await cache.match(url) : undefined;
    if (hit) return hit;
    let res: Response;
    try {
      res = await doFetch(url);
    } catch (e) {
      throw new Error(`${url}: download failed (${(e as Error).message})`);
    }
    if (!res.ok) throw new Error(`${url}: HTTP ${res.status} ${res.statusText}`);
    return res;
  }
  return {
    name: base,
    async has(file) {
      const url = urlOf(file);
      const cache = await cachePromise;
      if (cache && (await cache.match(url))) return true;
      try {
        const res = await doFetch(url, { method: 'HEAD' });
        // A model folder holds no HTML: an HTML answer is a dev server's SPA fallback for a missing file.
        return res.ok && !(res.headers.get('content-type') ?? '').startsWith('text/html');
      } catch {
        return false;
      }
    },
    async readText(file) {
      return new TextDecoder().decode(await this.readBytes(file));
    },
    async readBytes(file) {
      const url = urlOf(file);
      const cache = await cachePromise;
      const cached = cache ? await cache.match(url) : undefined;
      const res = cached ?? (await get(file));
      const bytes = await readWithProgress(res, (loaded, total) =>
        opts.onProgress?.({ file, loaded, total, fromCache: Boolean(cached) }),
      );
      if (cache && !cached) {
        try {
          await cache.put(url, new Response(bytes as BodyInit, { headers: { 'content-length': String(bytes.byteLength) } }));
        } catch {
          // quota exceeded: the model still loads, it just downloads again next time
        }
      }
      return bytes;
    },
  };
}

/** Files from a dropped folder or a directory picker; matched by base name (folder prefixes ignored). */
export function filesSource(files: Iterable<File>, name = 'local folder'): ModelSource {
  const byName = new Map<string, File>();
  for (const f of files) {
    const rel = (f as File & { webkitRelativePath?: string }).webkitRelativePath || f.name;
    byName.set(rel.split('/').pop()!, f);
  }
  const file = (n: string): File => {
    const f = byName.get(n);
    if (!f) throw new Error(`${name}: no file "${n}" among ${byName.size} selected files`);
    return f;
  };
  return {
    name,
    has: async (n) => byName.has(n),
    readText: (n) => file(n).text(),
    readBytes: async (n) => new Uint8Array(await file(n).arrayBuffer()),
  };
}

export function loadModelFromUrl(baseUrl: string, opts: UrlSourceOptions = {}): Promise<ModelWeights> {
  return loadModelWeights(urlSource(baseUrl, opts));
}

export function loadModelFromFiles(files: Iterable<File>, name?: string): Promise<ModelWeights> {
  return loadModelWeights(filesSource(files, name));
}
