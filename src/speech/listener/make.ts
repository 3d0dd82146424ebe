// `tarl make-speech-encoder`: renders the listening data (cached), trains the listener with CTC on
// the WGSL engine (or the CPU engine), exports it to ONNX, and runs the listening test on held-out
// renders THROUGH the exported ONNX model (onnxruntime-web, wasm in Node) — the artifact that ships.
// Writes <out>/encoder.onnx, listener.safetensors, config.json, listening.json, curve.json, README.md.
// The listening test scores two decodings of the same CTC logits: free greedy decoding, and decoding
// constrained to the DB's identifier grammar (listening/grammar.ts). `evaluateListener` re-runs only
// the listening test on a made folder's encoder.onnx with the cached held-out features.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseSafetensors, writeSafetensors } from '../../model/safetensors.ts';
import { loadRetailData } from '../../rollout/node-data.ts';
import { CTC_ALPHABET, encodeLabel } from '../listening/corpus.ts';
import { ctcGreedyDecode, logSoftmaxRows } from '../listening/ctc.ts';
import { listeningDatasets, listeningSpecs } from '../listening/datasets.ts';
import { loadFeatureSet, melFirst, type FeatureEntry, type FeatureSet } from '../listening/features.ts';
import { decodeWithGrammar, identifierGrammar, identifierLexicon, type IdentifierLexicon } from '../listening/grammar.ts';
import { createOnnxSession, runOnnxEncoder } from '../onnx/runtime.ts';
import { exportListenerOnnx } from '../onnx/listener-export.ts';
import { initListener, listenerParamCount, listenerShapes, LISTENER_SMALL, type ListenerConfig, type ListenerParams } from './config.ts';
import { listenerReadme, listeningSection } from './readme.ts';
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
  /** Free greedy decoding. */
  listening: ListeningResult;
  grammar: GrammarListening;
  onnxBytes: number;
}

/** The listening test decoded under the identifier grammar, with what the grammar knew and its cost. */
export interface GrammarListening extends ListeningResult {
  lexicon: { firstNames: number; lastNames: number; orderPrefix: string; orderDigits: readonly number[]; emailDigits: readonly number[]; emailDomains: readonly string[] };
  /** Mean milliseconds per utterance: grammar decoding (log-softmax + Viterbi), and the encoder itself. */
  msPerUtterance: { decode: number; encoder: number };
}

/** What listening.json holds: the free decoding's fields at the top (as before), the grammar's under `grammar`. */
export type ListeningFile = ListeningResult & { grammar: GrammarListening };

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
  const dbIdentifiers = retailIdentifiers();
  let lastLog = 0;
  const data = await listeningDatasets({
    db: dbIdentifiers,
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
  const { listening, grammar } = await listenThroughOnnx(onnx, c, data.heldOut, identifierLexicon(dbIdentifiers));
  const report: ListenerReport = {
    preset: pr.name, device: o.device, params: listenerParamCount(c),
    data: {
      trainUtterances: data.train.entries.length, trainItems: data.train.entries.length * pr.itemsPerUtterance, trainAudioS: audioSeconds(data.train),
      heldOut: data.heldOut.entries.length, heldOutAudioS: audioSeconds(data.heldOut),
    },
    steps, batch: pr.batch, initFrom: o.init ?? null, curve, evals,
    seconds: { render: (tRender - t0) / 1000, train: (tTrain - tRender) / 1000, total: (Date.now() - t0) / 1000 },
    listening, grammar, onnxBytes: onnx.byteLength,
  };
  writeFileSync(join(o.out, 'config.json'), JSON.stringify({ format: 'tarl-listener', ...c, alphabet: CTC_ALPHABET, blank: 0, input: 'Whisper log-mel [nMels, frames] at 100 frames/s', framesPerSecond: 100 / c.convs.reduce((s, l) => s * l.stride, 1) }, null, 2) + '\n');
  writeFileSync(join(o.out, 'listening.json'), JSON.stringify({ ...listening, grammar } satisfies ListeningFile, null, 2) + '\n');
  writeFileSync(join(o.out, 'curve.json'), JSON.stringify({ curve, evals }) + '\n');
  writeFileSync(join(o.out, 'README.md'), listenerReadme(report, o));
  logListening(log, listening, grammar);
  return report;
}

function logListening(log: (line: string) => void, free: ListeningResult, grammar: GrammarListening): void {
  for (const [name, r] of [['free greedy', free], ['grammar', grammar]] as const) {
    log(`listening test (ONNX, held-out, ${name}): exact ${r.exact}/${r.total}; ${Object.entries(r.byKind).map(([k, v]) => `${k} ${(100 * v.rate).toFixed(1)}%`).join(', ')}; CER ${(100 * r.cer).toFixed(2)}%`);
  }
  log(`grammar decoding ${grammar.msPerUtterance.decode.toFixed(2)} ms per utterance (encoder ${grammar.msPerUtterance.encoder.toFixed(1)} ms)`);
}

/** Runs every held-out render through the exported model once, and scores both decodings of its logits. */
export async function listenThroughOnnx(onnx: Uint8Array, c: ListenerConfig, heldOut: FeatureSet, lexicon: IdentifierLexicon): Promise<{ listening: ListeningResult; grammar: GrammarListening }> {
  const session = await createOnnxSession(onnx);
  const logits = new Map<number, { frames: Float32Array; T: number; dim: number }>(); // by the mel's offset in the set
  let encoderMs = 0;
  const listening = await listeningTest(async (mel, T) => {
    const t0 = performance.now();
    const r = await runOnnxEncoder(session, melFirst(mel, T, c.nMels), c.nMels, T, 'ctc_logits');
    encoderMs += performance.now() - t0;
    logits.set(mel.byteOffset, r);
    return ctcGreedyDecode(r.frames, r.T, r.dim);
  }, heldOut);
  const g = identifierGrammar(lexicon);
  let decodeMs = 0;
  const scored = await listeningTest(async (mel) => {
    const r = logits.get(mel.byteOffset)!;
    const t0 = performance.now();
    const d = decodeWithGrammar(logSoftmaxRows(r.frames, r.T, r.dim), r.T, CTC_ALPHABET, g);
    decodeMs += performance.now() - t0;
    return d ? encodeLabel(d.text) : []; // null: no identifier fits in so few frames
  }, heldOut);
  const n = Math.max(1, heldOut.entries.length);
  const { firstNames, lastNames, ...shape } = lexicon;
  return {
    listening,
    grammar: { ...scored, lexicon: { firstNames: firstNames.length, lastNames: lastNames.length, ...shape }, msPerUtterance: { decode: decodeMs / n, encoder: encoderMs / n } },
  };
}

function retailIdentifiers(): { emails: string[]; orderIds: string[] } {
  const db = loadRetailData() as unknown as { users: Record<string, { email: string }>; orders: Record<string, unknown> };
  return { emails: Object.values(db.users).map((u) => u.email), orderIds: Object.keys(db.orders) };
}

/** The cached held-out features of these settings (never rendered here): the cache file whose index matches the specs. */
function cachedHeldOut(cacheDir: string, specs: ReturnType<typeof listeningSpecs>['heldOut']): FeatureSet {
  const want = JSON.stringify(specs.map((s) => [s.text, s.label, s.kind, s.preset]));
  const names = existsSync(cacheDir) ? readdirSync(cacheDir).filter((f) => /^heldout-.*\.json$/.test(f)) : [];
  for (const f of names) {
    const meta = JSON.parse(readFileSync(join(cacheDir, f), 'utf8')) as { entries: FeatureEntry[] };
    if (JSON.stringify(meta.entries.map((e) => [e.text, e.label, e.kind, e.preset])) === want) return loadFeatureSet(cacheDir, f.replace(/\.json$/, ''))!;
  }
  throw new Error(`listening: no cached held-out features for these settings in ${cacheDir} (${names.length} held-out sets there); make-speech-encoder renders them`);
}

/**
 * Re-runs only the listening test on <out>/encoder.onnx with the cached held-out features: rewrites
 * listening.json and the README's listening section (the rest of the README, e.g. a hand-written
 * account of several training stages, stays as it is).
 */
export async function evaluateListener(o: Pick<MakeListenerOptions, 'preset' | 'out' | 'seed' | 'cacheDir' | 'log'>): Promise<ListeningFile> {
  const ids = retailIdentifiers();
  const specs = listeningSpecs({ db: ids, trainUtterances: 0, itemsPerUtterance: o.preset.itemsPerUtterance, heldOutPerKind: o.preset.heldOutPerKind, seed: o.seed });
  const heldOut = cachedHeldOut(o.cacheDir, specs.heldOut);
  const onnx = new Uint8Array(readFileSync(join(o.out, 'encoder.onnx')));
  const { listening, grammar } = await listenThroughOnnx(onnx, o.preset.config, heldOut, identifierLexicon(ids));
  const file: ListeningFile = { ...listening, grammar };
  writeFileSync(join(o.out, 'listening.json'), JSON.stringify(file, null, 2) + '\n');
  const readmePath = join(o.out, 'README.md');
  if (existsSync(readmePath)) {
    const readme = readFileSync(readmePath, 'utf8');
    const section = /^## Listening test[^\n]*\n[\s\S]*?(?=^## )/m;
    if (!section.test(readme)) throw new Error(`${readmePath}: no "## Listening test" section followed by another "## " section to replace`);
    writeFileSync(readmePath, readme.replace(section, () => listeningSection(listening, grammar) + '\n'));
  }
  logListening(o.log, listening, grammar);
  return file;
}
