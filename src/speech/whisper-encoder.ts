// The released Whisper encoders (ONNX, from the Hugging Face hub) as a drop-in "listener": download with
// byte progress (reusing load-browser.ts's urlSource), cache after validation (Cache Storage in the
// browser, a directory in Node: whisper-cache-node.ts), and encode 16 kHz PCM padded to Whisper's 30 s.
// Browser-safe: fetch, Cache Storage and onnxruntime-web only.
//
// Hub names (from public hub listings found by search, not checked against the live hub: no network here):
// - Xenova/whisper-tiny and Xenova/whisper-base list onnx/encoder_model.onnx (32.9 MB / 82.5 MB), plus
//   encoder_model_fp16.onnx and encoder_model_quantized.onnx; onnx-community/whisper-{tiny,base} are the
//   same conversions (an onnx/ folder with decoder_model_fp16.onnx etc. is listed), but their
//   encoder_model.onnx entry itself was not seen in a listing. Hence every name below is overridable.
// - I/O names come from optimum's WhisperOnnxConfig (what produced those files): input "input_features"
//   [batch_size, feature_size, encoder_sequence_length] and, for the encoder, output "last_hidden_state"
//   [batch_size, "encoder_sequence_length / 2", d_model]. d_model: tiny 384, base 512 (Whisper configs).
import { urlSource, type DownloadProgress } from '../model/load-browser.ts';
import { audioFrameMath, type AudioFrameMath } from './frames.ts';
import { LogMelExtractor, WHISPER_LOG_MEL } from './logmel.ts';
import { createOnnxSession, runOnnxEncoder, type OnnxSession } from './onnx/runtime.ts';

/** Whisper's encoder only takes 30 s: 480 000 samples → 3000 mel frames → 1500 encoder frames. */
export const WHISPER_WINDOW_SAMPLES = 480_000;

export interface WhisperEncoderSpec {
  repo: string;
  file: string;
  inputName: string;
  outputName: string;
  nMels: number;
  inputFrames: number; // mel frames the encoder takes (3000)
  outputFrames: number; // frames it returns (1500)
  /** Width of last_hidden_state; undefined = not checked (unknown repos). */
  dModel?: number;
  approxBytes?: number; // fp32 encoder file size, for UI estimates only
}

const WHISPER_IO = { file: 'onnx/encoder_model.onnx', inputName: 'input_features', outputName: 'last_hidden_state', nMels: 80, inputFrames: 3000, outputFrames: 1500 };

export const WHISPER_ENCODERS: Readonly<Record<string, WhisperEncoderSpec>> = {
  'onnx-community/whisper-tiny': { repo: 'onnx-community/whisper-tiny', ...WHISPER_IO, dModel: 384, approxBytes: 32.9e6 },
  'onnx-community/whisper-base': { repo: 'onnx-community/whisper-base', ...WHISPER_IO, dModel: 512, approxBytes: 82.5e6 },
};

/** The hub's download URL (redirects to its CDN; fetch follows). Caches key on this URL, so a cached
 * 'main' is never refreshed: pin a commit hash as `revision` when reproducibility matters. */
export function hubUrl(repo: string, file: string, revision = 'main', endpoint = 'https://huggingface.co'): string {
  return `${endpoint.replace(/\/+$/, '')}/${repo}/resolve/${encodeURIComponent(revision)}/${file.replace(/^\/+/, '')}`;
}

/** Bytes keyed by URL. Implementations: cacheStorageBytesCache (browser), hubDirectoryCache (Node). */
export interface HubBytesCache {
  readonly name: string;
  get(url: string): Promise<Uint8Array | null>;
  put(url: string, bytes: Uint8Array): Promise<void>;
  delete(url: string): Promise<void>;
}

/** Cache Storage (the bucket load-browser.ts uses by default). Failures never break a load: a cache
 * that cannot open or is over quota just means downloading again next time. */
export function cacheStorageBytesCache(name = 'tarl-models', storage: CacheStorage | undefined = globalThis.caches): HubBytesCache {
  let opened: Promise<Cache | null> | undefined;
  const open = () => (opened ??= storage ? storage.open(name).catch(() => null) : Promise.resolve(null));
  return {
    name: `Cache Storage "${name}"`,
    async get(url) {
      const hit = await (await open())?.match(url);
      return hit ? new Uint8Array(await hit.arrayBuffer()) : null;
    },
    async put(url, bytes) {
      const headers = { 'content-length': String(bytes.byteLength), 'content-type': 'application/octet-stream' };
      await (await open())?.put(url, new Response(bytes as BodyInit, { headers })).catch(() => undefined);
    },
    async delete(url) {
      await (await open())?.delete(url);
    },
  };
}

export interface WhisperDownloadProgress {
  url: string;
  loaded: number;
  /** Content-Length; 0 when the server does not say. */
  total: number;
  fromCache: boolean;
}

export interface LoadWhisperEncoderOptions extends Partial<Omit<WhisperEncoderSpec, 'repo'>> {
  /** A hub repo (known ones fill in the spec); ignored for the URL when `url` is given. */
  repo?: string;
  /** A direct URL to the .onnx file (a mirror, a local server). */
  url?: string;
  revision?: string;
  endpoint?: string;
  fetch?: typeof fetch;
  /** Default: Cache Storage where it exists (browser), else none; Node passes hubDirectoryCache(). */
  cache?: HubBytesCache | null;
  onProgress?: (p: WhisperDownloadProgress) => void;
  /** onnxruntime execution providers (default: wasm in Node, webgpu then wasm in the browser). */
  providers?: string[];
}

export interface WhisperEncoding {
  /** Frames covering the real audio only: T × dim, row-major. */
  frames: Float32Array;
  T: number;
  dim: number;
  /** Encoder frames computed for the whole 30 s window (1500); T ≤ this. */
  windowFrames: number;
  math: AudioFrameMath;
}

export interface WhisperEncoder {
  readonly url: string;
  readonly spec: WhisperEncoderSpec;
  readonly session: OnnxSession;
  readonly byteLength: number;
  readonly fromCache: boolean;
  encode(pcm16k: Float32Array): Promise<WhisperEncoding>;
  release(): Promise<void>;
}

function resolveSpec(o: LoadWhisperEncoderOptions): { url: string; spec: WhisperEncoderSpec } {
  if (!o.repo && !o.url) throw new Error('whisper: give a hub repo (e.g. "onnx-community/whisper-tiny") or a url');
  const known = o.repo ? WHISPER_ENCODERS[o.repo] : undefined;
  const pick = <K extends keyof WhisperEncoderSpec>(k: K): WhisperEncoderSpec[K] =>
    (o[k as keyof LoadWhisperEncoderOptions] as WhisperEncoderSpec[K] | undefined) ?? known?.[k] ?? (WHISPER_IO as Partial<WhisperEncoderSpec>)[k]!;
  const spec: WhisperEncoderSpec = {
    repo: o.repo ?? o.url!,
    file: pick('file'),
    inputName: pick('inputName'),
    outputName: pick('outputName'),
    nMels: pick('nMels'),
    inputFrames: pick('inputFrames'),
    outputFrames: pick('outputFrames'),
    dModel: o.dModel ?? known?.dModel,
    approxBytes: o.approxBytes ?? known?.approxBytes,
  };
  return { url: o.url ?? hubUrl(o.repo!, spec.file, o.revision, o.endpoint), spec };
}

/** Downloads with byte progress through load-browser.ts's urlSource (caching off: we cache only
 * validated bytes) and turns short or broken bodies into errors naming the URL. */
async function download(url: string, o: LoadWhisperEncoderOptions): Promise<Uint8Array> {
  const cut = url.lastIndexOf('/') + 1;
  let last = { loaded: 0, total: 0 };
  const source = urlSource(url.slice(0, cut), {
    cacheName: null,
    fetchImpl: o.fetch,
    onProgress: (p: DownloadProgress) => {
      last = { loaded: p.loaded, total: p.total };
      o.onProgress?.({ url, loaded: p.loaded, total: p.total, fromCache: false });
    },
  });
  let bytes: Uint8Array;
  try {
    bytes = await source.readBytes(url.slice(cut));
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    if (msg.startsWith(url)) throw e instanceof Error ? e : new Error(msg); // HTTP status / network errors already name it
    const cause = e instanceof Error && e.cause instanceof Error ? `: ${e.cause.message}` : '';
    throw new Error(`${url}: download interrupted after ${last.loaded}${last.total ? ` of ${last.total}` : ''} bytes (${msg}${cause})`);
  }
  // A compressed transfer can exceed Content-Length; fewer bytes than announced is always a cut body.
  if (last.total > 0 && bytes.byteLength < last.total) throw new Error(`${url}: truncated download: ${bytes.byteLength} of ${last.total} bytes (Content-Length)`);
  if (bytes.byteLength === 0) throw new Error(`${url}: the server sent an empty body`);
  return bytes;
}

/** Loads the bytes as an onnxruntime session and checks Whisper's interface; errors name the URL. */
async function openSession(url: string, bytes: Uint8Array, spec: WhisperEncoderSpec, providers?: string[]): Promise<OnnxSession> {
  let session: OnnxSession;
  try {
    session = await createOnnxSession(bytes, providers);
  } catch (e) {
    const head = Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new Error(`${url}: not a loadable ONNX model (${bytes.byteLength} bytes, starting ${head}): ${(e as Error).message}`);
  }
  // runOnnxEncoder feeds the first input: Whisper's encoder has exactly one.
  if (session.inputNames[0] !== spec.inputName || !session.outputNames.includes(spec.outputName)) {
    await session.release().catch(() => undefined);
    throw new Error(
      `${url}: not a Whisper encoder: expected input "${spec.inputName}" and output "${spec.outputName}", ` +
        `the model has inputs [${session.inputNames.join(', ')}] and outputs [${session.outputNames.join(', ')}]`,
    );
  }
  return session;
}

export async function loadWhisperEncoder(options: LoadWhisperEncoderOptions): Promise<WhisperEncoder> {
  const { url, spec } = resolveSpec(options);
  const cache = options.cache === undefined ? (typeof caches === 'undefined' ? null : cacheStorageBytesCache()) : options.cache;

  let bytes = cache ? await cache.get(url) : null;
  if (bytes) {
    options.onProgress?.({ url, loaded: bytes.byteLength, total: bytes.byteLength, fromCache: true });
    try {
      return makeEncoder(url, spec, await openSession(url, bytes, spec, options.providers), bytes.byteLength, true);
    } catch {
      await cache!.delete(url); // a damaged entry: drop it and download again
    }
  }
  bytes = await download(url, options);
  const session = await openSession(url, bytes, spec, options.providers);
  await cache?.put(url, bytes); // only bytes that loaded as the expected model are cached
  return makeEncoder(url, spec, session, bytes.byteLength, false);
}

function makeEncoder(url: string, spec: WhisperEncoderSpec, session: OnnxSession, byteLength: number, fromCache: boolean): WhisperEncoder {
  let extractor: LogMelExtractor | undefined;
  const windowSamples = spec.inputFrames * WHISPER_LOG_MEL.hop;
  return {
    url,
    spec,
    session,
    byteLength,
    fromCache,
    async encode(pcm16k) {
      if (pcm16k.length > windowSamples) {
        throw new Error(`whisper: ${pcm16k.length} samples (${(pcm16k.length / WHISPER_LOG_MEL.sampleRate).toFixed(2)} s) exceed the encoder's ${windowSamples / WHISPER_LOG_MEL.sampleRate} s window; split the audio first`);
      }
      extractor ??= new LogMelExtractor({ ...WHISPER_LOG_MEL, nMels: spec.nMels });
      const mel = extractor.extract(pcm16k, { padToSamples: windowSamples }); // silent frames cost no DFTs
      const out = await runOnnxEncoder(session, mel.data, mel.nMels, mel.frames, spec.outputName);
      if (out.T !== spec.outputFrames) throw new Error(`whisper: ${url} returned ${out.T} frames for ${mel.frames} mel frames, expected ${spec.outputFrames}`);
      if (spec.dModel !== undefined && out.dim !== spec.dModel) throw new Error(`whisper: ${url} returned width ${out.dim}, expected d_model ${spec.dModel}`);
      const math = audioFrameMath(pcm16k.length); // conv k3 s1 p1 → k3 s2 p1: ⌈melFrames / 2⌉ frames are real audio
      const T = Math.min(math.encoderFrames, out.T);
      return { frames: out.frames.slice(0, T * out.dim), T, dim: out.dim, windowFrames: out.T, math };
    },
    release: () => session.release(),
  };
}
