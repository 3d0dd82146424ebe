// Running exported encoders with onnxruntime-web: the wasm backend in Node (single-threaded, no
// worker threads needed), WebGPU with wasm fallback in the browser.
import * as ort from 'onnxruntime-web';

export type OnnxSession = ort.InferenceSession;

const isNode = typeof process !== 'undefined' && !!process.versions?.node;

export async function createOnnxSession(model: Uint8Array, providers?: string[]): Promise<OnnxSession> {
  if (isNode) ort.env.wasm.numThreads = 1;
  const executionProviders = providers ?? (isNode ? ['wasm'] : ['webgpu', 'wasm']);
  try {
    return await ort.InferenceSession.create(model, { executionProviders });
  } catch (e) {
    throw new Error(`onnx: could not load the model with [${executionProviders.join(', ')}]: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** Runs an encoder on one log-mel [nMels × T]; returns an output (default the first: frames
 * [T' × E]) with T' and its width. */
export async function runOnnxEncoder(session: OnnxSession, mel: Float32Array, nMels: number, T: number, output?: string): Promise<{ frames: Float32Array; T: number; dim: number }> {
  if (mel.length !== nMels * T) throw new Error(`onnx: mel has ${mel.length} values, expected ${nMels}×${T}`);
  const inputName = session.inputNames[0]!;
  const outputName = output ?? session.outputNames[0]!;
  if (!session.outputNames.includes(outputName)) throw new Error(`onnx: the model has no output "${outputName}" (it has ${session.outputNames.join(', ')})`);
  const result = await session.run({ [inputName]: new ort.Tensor('float32', mel, [1, nMels, T]) });
  const out = result[outputName];
  if (!out || out.type !== 'float32') throw new Error(`onnx: output "${outputName}" is missing or not float32`);
  const [, frames, dim] = out.dims as number[];
  const data = (await out.getData()) as Float32Array;
  return { frames: data, T: frames!, dim: dim! };
}
