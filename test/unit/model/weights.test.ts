import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { filesSource, loadModelFromFiles, urlSource } from '../../../src/model/load-browser.ts';
import { loadModelFromDir, writeModelFiles } from '../../../src/model/load-node.ts';
import { writeSafetensors, type SafeTensorInput } from '../../../src/model/safetensors.ts';
import { buildTinyModel, tinyConfig, tinyTensors } from '../../../src/model/tiny.ts';
import { createModelWeights, estimateMemory, expectedTensorShapes, loadModelWeights } from '../../../src/model/weights.ts';
import { parseSafetensors } from '../../../src/model/safetensors.ts';

const root = mkdtempSync(join(tmpdir(), 'tarl-weights-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function asSafeTensors(m: Map<string, SafeTensorInput>) {
  return parseSafetensors(writeSafetensors(m)).tensors;
}

describe('model weights', () => {
  it('loads tiny Qwen2 (f32, single file) and Qwen3 (bf16, 3 shards) with HF tensor names', async () => {
    await writeModelFiles(join(root, 'q2'), buildTinyModel({ architecture: 'qwen2' }));
    await writeModelFiles(join(root, 'q3'), buildTinyModel({ architecture: 'qwen3', dtype: 'BF16', shards: 3, configStyle: '5.x' }));
    const q2 = await loadModelFromDir(join(root, 'q2'));
    expect(q2.config.architecture).toBe('qwen2');
    expect(q2.lmHeadName).toBe('lm_head.weight');
    expect(q2.shape('model.layers.1.self_attn.k_proj.bias')).toEqual([32]);
    expect(q2.dtype('model.embed_tokens.weight')).toBe('F32');
    const q3 = await loadModelFromDir(join(root, 'q3'));
    expect(q3.config).toMatchObject({ architecture: 'qwen3', headDim: 24, tieWordEmbeddings: true, dtype: 'bfloat16' });
    expect(q3.lmHeadName).toBe('model.embed_tokens.weight');
    expect(q3.shape('model.layers.0.self_attn.q_proj.weight')).toEqual([96, 64]);
    expect(q3.shape('model.layers.0.self_attn.q_norm.weight')).toEqual([24]);
    expect(q3.has('model.layers.0.self_attn.q_proj.bias')).toBe(false);
    // The sharded bf16 model holds the same values as the generator's bf16 tensors.
    const ref = tinyTensors(tinyConfig({ architecture: 'qwen3', dtype: 'BF16' }), 'BF16', 1234);
    const name = 'model.layers.1.mlp.down_proj.weight';
    const fromRef = asSafeTensors(new Map([[name, ref.get(name)!]])).get(name)!;
    expect(q3.raw(name).data).toEqual(fromRef.data);
    expect(q3.byteSize).toBe([...expectedTensorShapes(q3.config).values()].reduce((s, sh) => s + sh.reduce((a, b) => a * b, 1) * 2, 0));
  });

  it('takes eos ids from generation_config.json when present', async () => {
    const dir = join(root, 'gen');
    await writeModelFiles(dir, buildTinyModel({ architecture: 'qwen2', eosTokenIds: [7] }));
    expect((await loadModelFromDir(dir)).config.eosTokenIds).toEqual([7]);
    writeFileSync(join(dir, 'generation_config.json'), JSON.stringify({ eos_token_id: [3, 4] }));
    expect((await loadModelFromDir(dir)).config.eosTokenIds).toEqual([3, 4]);
  });

  it('names a missing tensor, a mis-shaped tensor and an unsupported dtype', () => {
    const config = tinyConfig({ architecture: 'qwen2' });
    const tensors = tinyTensors(config, 'F32', 1);
    const missing = new Map(tensors);
    missing.delete('model.layers.1.self_attn.v_proj.bias');
    expect(() => createModelWeights(config, asSafeTensors(missing), 'm')).toThrow(/m: missing tensor "model.layers.1.self_attn.v_proj.bias"/);
    const bad = new Map(tensors);
    bad.set('model.layers.0.mlp.up_proj.weight', { dtype: 'F32', shape: [64, 128], data: new Float32Array(64 * 128) });
    expect(() => createModelWeights(config, asSafeTensors(bad), 'm')).toThrow(
      /tensor "model.layers.0.mlp.up_proj.weight" has shape \[64, 128\], expected \[128, 64\]/,
    );
    const f64 = asSafeTensors(tensors);
    f64.set('model.norm.weight', { dtype: 'F64', shape: [64], data: new Uint8Array(64 * 8) });
    expect(() => createModelWeights(config, f64, 'm')).toThrow(/tensor "model.norm.weight" has unsupported dtype F64/);
    const w = createModelWeights(config, asSafeTensors(tensors), 'm');
    expect(() => w.tensor('model.layers.9.mlp.up_proj.weight')).toThrow(/no tensor "model.layers.9.mlp.up_proj.weight"/);
  });

  it('errors clearly on missing files and an index pointing at the wrong shard', async () => {
    await expect(loadModelFromDir(join(root, 'nope'))).rejects.toThrow(/does not exist/);
    const dir = join(root, 'broken');
    await writeModelFiles(dir, buildTinyModel({ architecture: 'qwen3', shards: 2 }));
    const index = JSON.parse(readFileSync(join(dir, 'model.safetensors.index.json'), 'utf8'));
    const [first, second] = ['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors'];
    const shard = index.weight_map['model.norm.weight'] === first ? second : first;
    index.weight_map['model.norm.weight'] = shard;
    writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify(index));
    await expect(loadModelFromDir(dir)).rejects.toThrow(new RegExp(`tensor "model.norm.weight" is listed in ${shard} but that shard does not contain it`));
    rmSync(join(dir, 'model.safetensors.index.json'));
    await expect(loadModelFromDir(dir)).rejects.toThrow(/neither model.safetensors nor model.safetensors.index.json/);
  });

  it('loads from File objects (dropped folder) and from a URL with byte progress', async () => {
    const files = buildTinyModel({ architecture: 'qwen2', dtype: 'F16' });
    const dropped = [...files].map(([name, c]) => new File([c as BlobPart], name));
    Object.defineProperty(dropped[0]!, 'webkitRelativePath', { value: `Qwen-tiny/${dropped[0]!.name}` });
    const fromFiles = await loadModelFromFiles(dropped);
    expect(fromFiles.config.architecture).toBe('qwen2');
    expect(await filesSource(dropped).has('tokenizer.json')).toBe(false);

    const served = new Map([...files].map(([n, c]) => [`https://hf.example/org/tiny/resolve/main/${n}`, c]));
    const fakeFetch = (async (input: string | URL | Request, init?: RequestInit) => {
      const body = served.get(String(input));
      if (!body) return new Response('not found', { status: 404, statusText: 'Not Found' });
      const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
      if (init?.method === 'HEAD') return new Response(null, { status: 200 });
      // Deliver in small chunks so progress is reported byte by byte.
      const stream = new ReadableStream<Uint8Array>({
        start(ctrl) {
          for (let i = 0; i < bytes.byteLength; i += 65536) ctrl.enqueue(bytes.slice(i, i + 65536));
          ctrl.close();
        },
      });
      return new Response(stream, { headers: { 'content-length': String(bytes.byteLength) } });
    }) as typeof fetch;
    const progress: { file: string; loaded: number; total: number }[] = [];
    const src = urlSource('https://hf.example/org/tiny/resolve/main', { fetchImpl: fakeFetch, cacheName: null, onProgress: (p) => progress.push(p) });
    const fromUrl = await loadModelWeights(src);
    expect(Array.from(fromUrl.tensor('lm_head.weight'))).toEqual(Array.from(fromFiles.tensor('lm_head.weight')));
    const st = progress.filter((p) => p.file === 'model.safetensors');
    expect(st.length).toBeGreaterThan(1);
    expect(st.at(-1)!.loaded).toBe(st.at(-1)!.total);
    expect(st.map((p) => p.loaded)).toEqual([...st.map((p) => p.loaded)].sort((a, b) => a - b));
    await expect(src.readBytes('missing.bin')).rejects.toThrow(/missing.bin: HTTP 404/);
  });

  it('serves a second URL load from Cache Storage without downloading again', async () => {
    const store = new Map<string, Response>();
    const fakeCache = {
      match: async (url: string) => store.get(url)?.clone(),
      put: async (url: string, res: Response) => void store.set(url, res),
    };
    const g = globalThis as { caches?: unknown };
    const saved = g.caches;
    g.caches = { open: async () => fakeCache };
    try {
      const files = buildTinyModel({ architecture: 'qwen3', dtype: 'BF16' });
      let fetches = 0;
      const fakeFetch = (async (input: string | URL | Request, init?: RequestInit) => {
        fetches++;
        const name = String(input).split('/').pop()!;
        const body = files.get(name);
        if (!body) return new Response(null, { status: 404 });
        return new Response(init?.method === 'HEAD' ? null : (body as BodyInit), { status: 200 });
      }) as typeof fetch;
      const progress: boolean[] = [];
      const load = () => loadModelWeights(urlSource('https://hf.example/m/resolve/main/', { fetchImpl: fakeFetch, onProgress: (p) => progress.push(p.fromCache) }));
      const first = await load();
      const afterFirst = fetches;
      expect(afterFirst).toBeGreaterThan(0);
      const second = await load();
      expect(fetches - afterFirst).toBe(2); // only HEAD probes for the absent generation_config.json and index
      expect(progress.at(-1)).toBe(true);
      expect(Array.from(second.tensor('model.norm.weight'))).toEqual(Array.from(first.tensor('model.norm.weight')));
    } finally {
      g.caches = saved;
    }
  });

  it('estimates memory for Qwen2.5-0.5B (494M parameters, f16)', () => {
    const c = { ...tinyConfig({ architecture: 'qwen2', hiddenSize: 896, numLayers: 24, numHeads: 14, numKvHeads: 2, intermediateSize: 4864, vocabSize: 151936, tieWordEmbeddings: true }) };
    const m = estimateMemory(c, 2, 1024);
    expect(m.weightBytes / 2).toBe(494_032_768);
    expect(m.kvBytesPerToken).toBe(2 * 24 * 2 * 64 * 4);
    expect(m.totalBytes).toBe(m.weightBytes + 1024 * m.kvBytesPerToken);
  });
});
