// `tarl make-speech-encoder`: renders the listening data (cached), trains the listener with CTC on
// the WGSL engine (or the CPU engine), exports it to ONNX, and runs the listening test on held-out
// renders THROUGH the exported ONNX model (onnxruntime-web, wasm in Node) — the artifact that ships.
// Writes <out>/encoder.onnx, listener.safetensors, config.json, listening.json, curve.json, README.md.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseSafetensors, writeSafetensors } from '../../model/safetensors.ts';
import { loadRetailData } from '../../rollout/node-data.ts';
import { CTC_ALPHABET } from '../listening/corpus.ts';
import { ctcGreedyDecode } from '../listening/ctc.ts';
import { listeningDatasets } from '../listening/datasets.ts';
import { melFirst, type FeatureSet } from '../listening/features.ts';
import { createOnnxSession, runOnnxEncoder } from '../onnx/runtime.ts';
import { exportListenerOnnx } from '../onnx/listener-export.ts';
import { initListener, listenerParamCount, listenerShapes, LISTENER_SMALL, type ListenerConfig, type ListenerParams } from './config.ts';
import { listenerReadme } from './readme.ts';
import { engineTranscriber, ListenerCpu, listeningTest, trainListener, type ListenerEngine, type ListeningResult } from './train.ts';

export interface ListenerPreset {
  name: string;
  config: ListenerConfig;
  trainUtterances: number;
  itemsPerUtterance: number;
  heldOutPerKind: number;
  steps: number;
  batch: number;
  lr: number;
}

export const LISTENER_PRESETS: Record<string, ListenerPreset> = {
  /** CI: runs every stage end to end in seconds; hears nothing. */
  tiny: {
    name: 'tiny',
    config: { ...LISTENER_SMALL, convs: [{ channels: 8, kernel: 12, stride: 4, pad: 4 }, { channels: 8, kernel: 5, stride: 1, pad: 2 }], outDim: 8 },
    trainUtterances: 4, itemsPerUtterance: 2, heldOutPerKind: 2, steps: 3, batch: 2, lr: 3e-3,
  },
  small: { name: 'small', config: LISTENER_SMALL, trainUtterances: 400, itemsPerUtterance: 5, heldOutPerKind: 100, steps: 400, batch: 8, lr: 3e-3 },
};

export interface MakeListenerOptions {
  preset: ListenerPreset;
  out: string;
  device: 'cpu' | 'webgpu';
  seed: number;
  cacheDir: string;
  steps?: number;
  /** Start from these weights (a listener.safetensors), e.g. to continue a run. */
  init?: string;
  evalEvery?: number;
  log: (line: string) => void;
}

export interface ListenerReport {
  preset: string;
  device: 'cpu' | 'webgpu';
  params: number;
  data: { trainUtterances: number; trainItems: number; trainAudioS: number; heldOut: number; heldOutAudioS: number };
  steps: number;
  batch: number;
  /** Weights the run started from (a previous run's listener.safetensors), when not a fresh init. */
  initFrom: string | null;
  curve: { step: number; loss: number }[];
  evals: { step: number; exact: number; total: number; cer: number }[];
  seconds: { render: number; train: number; total: number };
  listening: ListeningResult;
  onnxBytes: number;
}

export function saveListenerParams(file: string, c: ListenerConfig, p: ListenerParams): void {
  const tensors = new Map(listenerShapes(c).map(([name, shape]) => [name, { dtype: 'F32' as const, shape, data: p.get(name)! }]));
  writeFileSync(file, writeSafetensors(tensors, { format: 'tarl-listener' }));
}

export function loadListenerParams(file: string, c: ListenerConfig): ListenerParams {
  const { tensors } = parseSafetensors(new Uint8Array(readFileSync(file)), file);
  const out: ListenerParams = new Map();
  for (const [name, shape] of listenerShapes(c)) {
    const t = tensors.get(name);
    if (!t || t.dtype !== 'F32' || t.shape.join() !== shape.join()) throw new Error(`${file}: "${name}" must be F32 ${JSON.stringify(shape)}`);
    out.set(name, new Float32Array(t.data.slice().buffer));
  }
  return out;
}

async function makeEngine(device: 'cpu' | 'webgpu', c: ListenerConfig, p: ListenerParams): Promise<ListenerEngine> {
  if (device === 'cpu') return new ListenerCpu(c, p);
  const [{ acquireGpu }, { KernelRunner }, { ListenerGpu }] = await Promise.all([import('../../gpu/device.ts'), import('../../gpu/runner.ts'), import('./gpu.ts')]);
  return ListenerGpu.create(new KernelRunner(await acquireGpu()), c, p);
}

const audioSeconds = (s: FeatureSet) => s.entries.reduce((n, e) => n + e.durationS, 0);

export async function makeListener(o: MakeListenerOptions): Promise<ListenerReport> {
  const t0 = Date.now();
  const { preset: pr, log } = o;
  const db = loadRetailData() as unknown as { users: Record<string, { email: string }>; orders: Record<string, unknown> };
  let lastLog = 0;
  const data = await listeningDatasets({
    db: { emails: Object.values(db.users).map((u) => u.email), orderIds: Object.keys(db.orders) },
    trainUtterances: pr.trainUtterances, itemsPerUtterance: pr.itemsPerUtterance, heldOutPerKind: pr.heldOutPerKind,
    seed: o.seed, cacheDir: o.cacheDir,
    onProgress: (what, d, n) => {
      if (Date.now() - lastLog > 10_000 || d === n) (lastLog = Date.now()), log(`${what}: ${d}/${n}`);
    },
  });
  const tRender = Date.now();
  const c = pr.config;
  const params = o.init ? loadListenerParams(o.init, c) : initListener(c, o.seed);
  const engine = await makeEngine(o.device, c, params);
  mkdirSync(o.out, { recursive: true });
  const steps = o.steps ?? pr.steps;
  const curve: ListenerReport['curve'] = [];
  const evals: ListenerReport['evals'] = [];
  const quick = { ...data.heldOut, entries: data.heldOut.entries.filter((_, i) => i % 4 === 0) }; // a quarter, for progress
  log(`listener: ${listenerParamCount(c)} parameters on ${o.device}; ${data.train.entries.length} training utterances (${audioSeconds(data.train).toFixed(0)} s), ${data.heldOut.entries.length} held-out renders`);
  await trainListener(c, params, engine, data.train, {
    steps, batch: pr.batch, warmup: Math.min(20, Math.ceil(steps / 10)), maxGradNorm: 5, seed: o.seed, augment: true,
    adamw: { lr: pr.lr, beta1: 0.9, beta2: 0.98, eps: 1e-8, weightDecay: 0.01 },
    onStep: (s) => {
      curve.push({ step: s.step, loss: s.loss });
      if (s.step % 10 === 0 || s.step === steps) log(`step ${s.step}/${steps}: loss ${s.loss.toFixed(4)} (per symbol), grad norm ${s.gradNorm.toFixed(3)}, lr ${s.lr.toExponential(2)}`);
    },
    evalEvery: o.evalEvery ?? 50,
    onEval: async (step) => {
      const r = await listeningTest(engineTranscriber(engine, c.vocab), quick);
      evals.push({ step, exact: r.exact, total: r.total, cer: r.cer });
      saveListenerParams(join(o.out, 'listener.safetensors'), c, params);
      log(`eval @${step}: exact ${r.exact}/${r.total} (${Object.entries(r.byKind).map(([k, v]) => `${k} ${v.exact}/${v.n}`).join(', ')}), CER ${(100 * r.cer).toFixed(1)}%`);
    },
  });
  engine.dispose?.();
  const tTrain = Date.now();
  saveListenerParams(join(o.out, 'listener.safetensors'), c, params);
  const onnx = exportListenerOnnx(c, params, { alphabet: CTC_ALPHABET, preset: pr.name });
  writeFileSync(join(o.out, 'encoder.onnx'), onnx);
  // the listening test runs the exported model, as the studio will
  const session = await createOnnxSession(onnx);
  const listening = await listeningTest(async (mel, T) => {
    const r = await runOnnxEncoder(session, melFirst(mel, T, c.nMels), c.nMels, T, 'ctc_logits');
    return ctcGreedyDecode(r.frames, r.T, r.dim);
  }, data.heldOut);
  const report: ListenerReport = {
    preset: pr.name, device: o.device, params: listenerParamCount(c),
    data: {
      trainUtterances: data.train.entries.length, trainItems: data.train.entries.length * pr.itemsPerUtterance, trainAudioS: audioSeconds(data.train),
      heldOut: data.heldOut.entries.length, heldOutAudioS: audioSeconds(data.heldOut),
    },
    steps, batch: pr.batch, initFrom: o.init ?? null, curve, evals,
    seconds: { render: (tRender - t0) / 1000, train: (tTrain - tRender) / 1000, total: (Date.now() - t0) / 1000 },
    listening, onnxBytes: onnx.byteLength,
  };
  writeFileSync(join(o.out, 'config.json'), JSON.stringify({ format: 'tarl-listener', ...c, alphabet: CTC_ALPHABET, blank: 0, input: 'Whisper log-mel [nMels, frames] at 100 frames/s', framesPerSecond: 100 / c.convs.reduce((s, l) => s * l.stride, 1) }, null, 2) + '\n');
  writeFileSync(join(o.out, 'listening.json'), JSON.stringify(listening, null, 2) + '\n');
  writeFileSync(join(o.out, 'curve.json'), JSON.stringify({ curve, evals }) + '\n');
  writeFileSync(join(o.out, 'README.md'), listenerReadme(report, o));
  log(`listening test (ONNX, held-out): exact ${listening.exact}/${listening.total}; ${Object.entries(listening.byKind).map(([k, v]) => `${k} ${(100 * v.rate).toFixed(1)}%`).join(', ')}; CER ${(100 * listening.cer).toFixed(2)}%`);
  return report;
}
