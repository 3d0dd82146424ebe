// The project's listener (public/models/tarl-listener/encoder.onnx) as a FrameEncoder for hearing.ts:
// 16 kHz PCM → unpadded Whisper log-mel in the model's [nMels, frames] layout → ONNX output "frames"
// (T' × E at 25 frames/s). Browser-safe: onnxruntime-web (wasm in Node, WebGPU then wasm in the
// browser) and WebCrypto for the id; the Node file loader lives in listener-encoder-node.ts.
import type { FrameEncoder } from './hearing.ts';
import { LISTENER_SMALL, checkListenerConfig, listenerFrames, type ListenerConfig } from './listener/config.ts';
import { LogMelExtractor, WHISPER_LOG_MEL, melFrameCount } from './logmel.ts';
import { createOnnxSession, runOnnxEncoder, type OnnxSession } from './onnx/runtime.ts';

export interface ListenerEncoderOptions {
  /** The exported model's architecture (for the frame maths); default LISTENER_SMALL, what ships. */
  config?: ListenerConfig;
  /** onnxruntime execution providers (default: wasm in Node, webgpu then wasm in the browser). */
  providers?: string[];
  /** Prefix of the encoder id; default 'tarl-listener'. */
  name?: string;
}

export interface ListenerEncoder extends FrameEncoder {
  readonly config: ListenerConfig;
  readonly session: OnnxSession;
  readonly modelSha256: string;
  /** Frames the model returns for this many 16 kHz samples (0 when too short to encode). */
  framesFor(samples: number): number;
  release(): Promise<void>;
}

const OUTPUT = 'frames';
const PROBE_MEL_FRAMES = 100; // 1 s: checks the model's width and frame maths at load time

async function sha256OfBytes(bytes: Uint8Array): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

export async function loadListenerEncoder(onnxBytes: Uint8Array, opts: ListenerEncoderOptions = {}): Promise<ListenerEncoder> {
  const config = opts.config ?? LISTENER_SMALL;
  checkListenerConfig(config);
  if (!(onnxBytes instanceof Uint8Array) || onnxBytes.byteLength === 0) throw new Error('listener encoder: the model bytes are empty');
  const modelSha256 = await sha256OfBytes(onnxBytes);
  const session = await createOnnxSession(onnxBytes, opts.providers);
  if (!session.outputNames.includes(OUTPUT)) {
    await session.release().catch(() => undefined);
    throw new Error(`listener encoder: the model has no output "${OUTPUT}" (it has ${session.outputNames.join(', ')}); is it a tarl-listener export?`);
  }
  const { nMels } = config;
  const stride = config.convs.reduce((s, l) => s * l.stride, 1);
  const framesForMel = (melFrames: number) => listenerFrames(config, melFrames);

  // Probe once: learn the width and check that the config's frame maths is the model's.
  const probe = await runOnnxEncoder(session, new Float32Array(nMels * PROBE_MEL_FRAMES).fill(-0.5), nMels, PROBE_MEL_FRAMES, OUTPUT).catch(async (e: unknown) => {
    await session.release().catch(() => undefined);
    throw new Error(`listener encoder: the model did not run on [1, ${nMels}, ${PROBE_MEL_FRAMES}] log-mel: ${e instanceof Error ? e.message : String(e)}`);
  });
  if (probe.T !== framesForMel(PROBE_MEL_FRAMES)) {
    await session.release().catch(() => undefined);
    throw new Error(`listener encoder: the model returned ${probe.T} frames for ${PROBE_MEL_FRAMES} mel frames; the config says ${framesForMel(PROBE_MEL_FRAMES)} (wrong config for this model?)`);
  }
  const dim = probe.dim;
  if (dim !== config.outDim) {
    await session.release().catch(() => undefined);
    throw new Error(`listener encoder: the model's frames are ${dim} wide; the config says ${config.outDim}`);
  }

  let extractor: LogMelExtractor | undefined;
  let queue: Promise<unknown> = Promise.resolve(); // one session.run at a time (the wasm backend is not re-entrant)
  const framesFor = (samples: number) => (samples <= WHISPER_LOG_MEL.nFft / 2 ? 0 : framesForMel(melFrameCount(samples, WHISPER_LOG_MEL.hop)));

  const encode = async (pcm16k: Float32Array): Promise<{ frames: Float32Array; T: number }> => {
    if (!(pcm16k instanceof Float32Array)) throw new Error('listener encoder: audio must be a Float32Array of 16 kHz samples');
    const expected = framesFor(pcm16k.length);
    if (expected === 0) return { frames: new Float32Array(0), T: 0 }; // shorter than the first kernel
    extractor ??= new LogMelExtractor({ ...WHISPER_LOG_MEL, nMels });
    const mel = extractor.extract(pcm16k); // unpadded, [nMels × frames]: the layout the export takes
    const out = await runOnnxEncoder(session, mel.data, mel.nMels, mel.frames, OUTPUT);
    if (out.T !== expected || out.dim !== dim) throw new Error(`listener encoder: got ${out.T} × ${out.dim} frames for ${mel.frames} mel frames, expected ${expected} × ${dim}`);
    // copy: the runtime's buffer may be reused or live in wasm memory
    return { frames: out.frames.slice(0, out.T * dim), T: out.T };
  };

  return {
    id: `${opts.name ?? 'tarl-listener'}@${modelSha256.slice(0, 16)}`,
    dim,
    framesPerSecond: WHISPER_LOG_MEL.sampleRate / WHISPER_LOG_MEL.hop / stride,
    config,
    session,
    modelSha256,
    framesFor,
    encode(pcm16k) {
      const run = queue.then(() => encode(pcm16k));
      queue = run.catch(() => undefined);
      return run;
    },
    release: () => session.release(),
  };
}
