// Loads WGSL sources from the top-level shaders/ folder, once each.
// `new URL(..., import.meta.url)` is understood by Vite (served/bundled as an asset) and by Node
// (a file: URL), so the same code runs in the studio, the CLI and the tests. A one-file bundle
// (for the GPU machine) can pre-register its sources with registerShaderSources().

const cache = new Map<string, Promise<string>>();
const registered = new Map<string, string>();

export function registerShaderSources(sources: Record<string, string>): void {
  for (const [name, code] of Object.entries(sources)) registered.set(name, code);
}

function shaderUrl(name: string): URL {
  return new URL(`../../shaders/${name}.wgsl`, import.meta.url);
}

async function fetchSource(name: string): Promise<string> {
  const pre = registered.get(name);
  if (pre !== undefined) return pre;
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`Invalid shader name "${name}": use the file name in shaders/ without .wgsl`);
  const url = shaderUrl(name);
  if (url.protocol === 'file:') {
    const fsModule = 'node:fs/promises';
    const { readFile } = (await import(/* @vite-ignore */ fsModule)) as typeof import('node:fs/promises');
    try {
      return await readFile(url, 'utf8');
    } catch {
      throw new Error(`Shader not found: shaders/${name}.wgsl (looked at ${url.pathname})`);
    }
  }
  const res = await fetch(url);
  if (!res.ok) throw new Error(`Shader not found: shaders/${name}.wgsl (HTTP ${res.status} from ${url.href})`);
  return res.text();
}

export function loadShader(name: string): Promise<string> {
  let p = cache.get(name);
  if (!p) {
    p = fetchSource(name);
    p.catch(() => cache.delete(name));
    cache.set(name, p);
  }
  return p;
}
