// The Whisper hub path against a local HTTP server that answers like the hub's /resolve/ URLs, with a
// small stand-in encoder that has Whisper's interface (input_features [b, 80, 3000] → last_hidden_state
// [b, 1500, 8]), built with the project's ONNX builder.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomArray } from '../../../src/reference/compare.ts';
import { initConvEncoder } from '../../../src/speech/encoder-reference.ts';
import { LogMelExtractor } from '../../../src/speech/logmel.ts';
import { OnnxGraphBuilder } from '../../../src/speech/onnx/builder.ts';
import { exportConvEncoderOnnx, geluTanhNodes } from '../../../src/speech/onnx/encoder-export.ts';
import { createOnnxSession, runOnnxEncoder } from '../../../src/speech/onnx/runtime.ts';
import { hubDirectoryCache, loadWhisperEncoderNode } from '../../../src/speech/whisper-cache-node.ts';
import { cacheStorageBytesCache, hubUrl, loadWhisperEncoder, WHISPER_ENCODERS, type WhisperDownloadProgress } from '../../../src/speech/whisper-encoder.ts';

const WIDTH = 8;
const REPO = 'test-org/whisper-standin';

function buildStandIn(): Uint8Array {
  const g = new OnnxGraphBuilder(17);
  const x = g.input('input_features', ['batch', 80, 'frames']);
  const conv = (input: string, cin: number, stride: number, tag: string, seed: number) =>
    g.node('Conv', [input, g.constant(`${tag}.weight`, [WIDTH, cin, 3], randomArray(WIDTH * cin * 3, seed, 0.2)), g.constant(`${tag}.bias`, [WIDTH], randomArray(WIDTH, seed + 1, 0.1))], {
      kernel_shape: [3],
      pads: [1, 1],
      strides: [stride],
    })[0]!;
  const a1 = geluTanhNodes(g, conv(x, 80, 1, 'conv1', 11), 'gelu1');
  const a2 = geluTanhNodes(g, conv(a1, WIDTH, 2, 'conv2', 13), 'gelu2');
  g.node('Transpose', [a2], { perm: [0, 2, 1] }, ['last_hidden_state']);
  g.output('last_hidden_state', ['batch', 'encoder_frames', WIDTH]);
  return g.build({ graphName: 'whisper_encoder_standin' });
}

const model = buildStandIn();
const requests: string[] = [];
let server: Server;
let endpoint: string;
let cacheDir: string;

function serve(path: string, res: import('node:http').ServerResponse): void {
  const file = path.slice(`/${REPO}/resolve/main/`.length);
  const send = (body: Uint8Array, length = body.byteLength) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(length) });
    return body;
  };
  if (!path.startsWith(`/${REPO}/resolve/main/`)) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('Repository not found');
  } else if (file === 'onnx/encoder_model.onnx' || file === 'other/encoder_model.onnx') {
    const body = send(model);
    // Four chunks with pauses between them, so progress has intermediate events.
    const step = Math.ceil(model.byteLength / 4);
    const next = (i: number): void => {
      if (i >= model.byteLength) return void res.end();
      res.write(body.subarray(i, i + step), () => setTimeout(() => next(i + step), 10));
    };
    next(0);
  } else if (file === 'onnx/truncated.onnx') {
    res.write(send(model).subarray(0, model.byteLength >> 1), () => res.socket?.destroy()); // dies mid-body
  } else if (file === 'onnx/garbage.onnx') {
    const junk = Uint8Array.from(randomArray(4096, 3), (v) => Math.floor((v + 1) * 127.5));
    res.end(send(junk));
  } else if (file === 'onnx/html.onnx') {
    res.end(send(new TextEncoder().encode('<!doctype html><title>hub</title>')));
  } else if (file === 'onnx/listener.onnx') {
    const cfg = { nMels: 80, channels: 4, outDim: 4 };
    res.end(send(exportConvEncoderOnnx(cfg, initConvEncoder(cfg, 1)))); // a fine model, the wrong interface
  } else {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('Entry not found');
  }
}

beforeAll(async () => {
  server = createServer((req, res) => {
    requests.push(req.url!);
    serve(req.url!, res);
  });
  // The tests block the event loop for seconds (full 30 s log-mel references); with the default 5 s
  // keep-alive the server and undici then race to reuse/close the idle socket ("fetch failed").
  server.keepAliveTimeout = 0;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  cacheDir = await mkdtemp(join(tmpdir(), 'tarl-hub-'));
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await rm(cacheDir, { recursive: true, force: true });
});

const countRequests = (suffix: string) => requests.filter((r) => r.endsWith(suffix)).length;

describe('Whisper encoder specs and hub URLs', () => {
  it('knows tiny and base with Whisper I/O names and widths', () => {
    expect(WHISPER_ENCODERS['onnx-community/whisper-tiny']).toMatchObject({ file: 'onnx/encoder_model.onnx', inputName: 'input_features', outputName: 'last_hidden_state', nMels: 80, inputFrames: 3000, outputFrames: 1500, dModel: 384 });
    expect(WHISPER_ENCODERS['onnx-community/whisper-base']!.dModel).toBe(512);
    expect(hubUrl('onnx-community/whisper-tiny', 'onnx/encoder_model.onnx')).toBe('https://huggingface.co/onnx-community/whisper-tiny/resolve/main/onnx/encoder_model.onnx');
    expect(hubUrl('a/b', 'x.onnx', 'v1', 'http://h:1/')).toBe('http://h:1/a/b/resolve/v1/x.onnx');
  });
});

describe('loadWhisperEncoder from a local hub', () => {
  it('downloads with byte progress, caches, and loads from the cache the second time', async () => {
    const events: WhisperDownloadProgress[] = [];
    const first = await loadWhisperEncoderNode({ repo: REPO, endpoint, cacheDir, onProgress: (p) => events.push(p) });
    expect(first.url).toBe(`${endpoint}/${REPO}/resolve/main/onnx/encoder_model.onnx`);
    expect(first.fromCache).toBe(false);
    expect(first.byteLength).toBe(model.byteLength);
    expect(events.length).toBeGreaterThan(1);
    expect(events.every((e) => !e.fromCache && e.total === model.byteLength && e.url === first.url)).toBe(true);
    for (let i = 1; i < events.length; i++) expect(events[i]!.loaded).toBeGreaterThan(events[i - 1]!.loaded);
    expect(events.at(-1)!.loaded).toBe(model.byteLength);
    expect(countRequests('/onnx/encoder_model.onnx')).toBe(1);
    await first.release();

    const again: WhisperDownloadProgress[] = [];
    const second = await loadWhisperEncoder({ repo: REPO, endpoint, cache: hubDirectoryCache(cacheDir), onProgress: (p) => again.push(p) });
    expect(second.fromCache).toBe(true);
    expect(countRequests('/onnx/encoder_model.onnx')).toBe(1); // the server saw no second request
    expect(again).toEqual([{ url: first.url, loaded: model.byteLength, total: model.byteLength, fromCache: true }]);
    await second.release();
  });

  it('encode: 2 s at 16 kHz → 100 of the 1500 frames, equal to the session on the padded mel', async () => {
    const enc = await loadWhisperEncoderNode({ repo: REPO, endpoint, cacheDir });
    const pcm = randomArray(32_000, 21, 0.3);
    const got = await enc.encode(pcm);
    expect(got.math.melFrames).toBe(200);
    expect(got.T).toBe(100);
    expect(got.dim).toBe(WIDTH);
    expect(got.windowFrames).toBe(1500);
    expect(got.frames.length).toBe(100 * WIDTH);

    const mel = new LogMelExtractor().extract(pcm, { padToSamples: 480_000 });
    expect(mel.frames).toBe(3000);
    const direct = await runOnnxEncoder(await createOnnxSession(model), mel.data, 80, 3000, 'last_hidden_state');
    expect(direct.T).toBe(1500);
    expect(Array.from(got.frames)).toEqual(Array.from(direct.frames.subarray(0, 100 * WIDTH)));
    expect(got.frames.every(Number.isFinite)).toBe(true);

    expect((await enc.encode(randomArray(16_000 + 170, 4))).T).toBe(51); // 101 mel frames → ⌈101/2⌉
    await expect(enc.encode(new Float32Array(480_001))).rejects.toThrow(/exceed the encoder's 30 s window/);
    await enc.release();
  }, 120_000);

  it('checks the width when d_model is known', async () => {
    const enc = await loadWhisperEncoder({ url: `${endpoint}/${REPO}/resolve/main/onnx/encoder_model.onnx`, cache: null, dModel: 384 });
    await expect(enc.encode(randomArray(3200, 2))).rejects.toThrow(/width 8, expected d_model 384/);
    await enc.release();
  }, 120_000);

  it('uses Cache Storage when given one (the browser path)', async () => {
    const stored = new Map<string, Response>();
    const fakeCache = {
      match: async (u: string) => stored.get(u)?.clone(),
      put: async (u: string, r: Response) => void stored.set(u, r),
      delete: async (u: string) => stored.delete(u),
    };
    const storage = { open: async () => fakeCache } as unknown as CacheStorage;
    const opts = { repo: REPO, endpoint, file: 'other/encoder_model.onnx', cache: cacheStorageBytesCache('tarl-models', storage) };
    expect((await loadWhisperEncoder(opts)).fromCache).toBe(false);
    expect([...stored.keys()]).toEqual([`${endpoint}/${REPO}/resolve/main/other/encoder_model.onnx`]);
    expect((await loadWhisperEncoder(opts)).fromCache).toBe(true);
    expect(countRequests('/other/encoder_model.onnx')).toBe(1);
  });

  it('replaces a damaged cache entry by downloading again', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tarl-hub-bad-'));
    const url = `${endpoint}/${REPO}/resolve/main/onnx/encoder_model.onnx`;
    const cache = hubDirectoryCache(dir);
    await cache.put(url, new Uint8Array([1, 2, 3, 4]));
    const before = countRequests('/onnx/encoder_model.onnx');
    const enc = await loadWhisperEncoder({ url, cache });
    expect(enc.fromCache).toBe(false);
    expect(countRequests('/onnx/encoder_model.onnx')).toBe(before + 1);
    expect((await cache.get(url))!.byteLength).toBe(model.byteLength);
    await rm(dir, { recursive: true, force: true });
  });
});

describe('loadWhisperEncoder failures name the URL and cache nothing', () => {
  const fresh = () => mkdtemp(join(tmpdir(), 'tarl-hub-fail-'));

  it.each<[string, string, RegExp, string]>([
    ['missing file (HTTP 404)', 'onnx/missing.onnx', /HTTP 404/, REPO],
    ['missing repo (HTTP 404)', 'onnx/encoder_model.onnx', /HTTP 404/, 'nobody/nothing'],
    ['body cut mid-transfer', 'onnx/truncated.onnx', /download interrupted after \d+ of \d+ bytes/, REPO],
    ['garbage bytes', 'onnx/garbage.onnx', /not a loadable ONNX model \(4096 bytes/, REPO],
    ['an HTML page', 'onnx/html.onnx', /not a loadable ONNX model/, REPO],
    ['an ONNX model with another interface', 'onnx/listener.onnx', /not a Whisper encoder: expected input "input_features" .*inputs \[mel\]/, REPO],
  ])('%s', async (_name, file, pattern, repo) => {
    const dir = await fresh();
    const url = hubUrl(repo, file, 'main', endpoint);
    const err = await loadWhisperEncoderNode({ repo, file, endpoint, cacheDir: dir }).then(
      () => new Error('loaded'),
      (e: Error) => e,
    );
    expect(err.message).toMatch(pattern);
    expect(err.message).toContain(url);
    await expect(readdir(dir)).resolves.toEqual([]);
    await rm(dir, { recursive: true, force: true });
  });

  it('a body shorter than its Content-Length that ends cleanly', async () => {
    const dir = await fresh();
    const url = `${endpoint}/short/resolve/main/onnx/encoder_model.onnx`;
    const shortFetch = (async () =>
      new Response(model.subarray(0, 1000) as BodyInit, { headers: { 'content-length': String(model.byteLength) } })) as typeof fetch;
    await expect(loadWhisperEncoder({ url, fetch: shortFetch, cache: hubDirectoryCache(dir) })).rejects.toThrow(
      `${url}: truncated download: 1000 of ${model.byteLength} bytes`,
    );
    await expect(readdir(dir)).resolves.toEqual([]);
    await rm(dir, { recursive: true, force: true });
  });

  it('an empty body and a network failure', async () => {
    const url = 'http://127.0.0.1:9/x/resolve/main/onnx/encoder_model.onnx';
    const empty = (async () => new Response(new Uint8Array(0) as BodyInit)) as typeof fetch;
    await expect(loadWhisperEncoder({ url, fetch: empty, cache: null })).rejects.toThrow(`${url}: the server sent an empty body`);
    await expect(loadWhisperEncoder({ url, cache: null })).rejects.toThrow(`${url}: download failed`);
    await expect(loadWhisperEncoder({})).rejects.toThrow(/give a hub repo/);
  });
});
