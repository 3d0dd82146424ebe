// The trainer worker: owns the policy model (and the WebGPU devices when rollouts and training run on them) and
// runs the RL loop (src/rl/trainer) off the main thread, emitting metric events, trajectories and
// checkpoints through comlink callbacks. Thin shell: the studio side (src/studio/trainer-client.ts)
// wraps this API into the TrainerControls of src/studio/trainer-link.ts.
import * as Comlink from 'comlink';
import type { DeviceKind } from '../model/backend.ts';
import { createBackend } from '../model/backend.ts';
import { filesSource, urlSource, type DownloadProgress } from '../model/load-browser.ts';
import { buildTinyModel, type TinyModelOptions } from '../model/tiny.ts';
import { loadTokenizer } from '../model/tokenizer.ts';
import { loadModelWeights, type ModelSource, type ModelWeights } from '../model/weights.ts';
import type { RewardConfig } from '../reward/config.ts';
import { resolveConfig } from '../rl/config.ts';
import type { MetricEvent } from '../rl/metrics.ts';
import type { CheckpointFile } from '../rl/trainer/checkpoint.ts';
import { createGpuTrainEngine } from '../rl/trainer/engine-gpu.ts';
import { MathSuite } from '../rl/trainer/math-suite.ts';
import { RetailSuite } from '../rl/trainer/retail-suite.ts';
import type { RunResult } from '../rl/trainer/run.ts';
import { TrainerSession, type SessionState } from '../rl/trainer/session.ts';
import { ToyToolSuite } from '../rl/trainer/toy-suite.ts';
import { buildSimulators, type Simulators } from '../rl/trainer/simulators.ts';
import { RlTrainer } from '../rl/trainer/trainer.ts';
import type { EpisodeSuite } from '../rl/trainer/types.ts';
import type { RetailData } from '../rollout/retail-view.ts';
import { retailEnvironment, sandboxData } from '../rollout/retail-env.ts';
import type { EpisodeTask, Trajectory } from '../rollout/trajectory.ts';
import { loadTasks as loadSandboxTasks, type TaskSplit } from '../sandbox/retail/index.ts';
import type { ModelTokenizer } from '../model/tokenizer.ts';
import type { UserTurnHearing } from '../speech/hearing.ts';
import type { ListenerEncoder } from '../speech/listener-encoder.ts';
import { audioMarkers, type AudioMarkers } from '../speech/markers.ts'; // small, and the policy agent imports it anyway
import type { AudioProjector } from '../speech/projector.ts';
import { canExceedZero } from '../rl/schedule.ts';
import { speechTraining } from '../rl/trainer/speech-engine.ts';

/** Where the policy comes from. Files (a dropped folder) are structured-cloned into the worker. */
export type ModelSpec =
  | { kind: 'url'; url: string }
  | { kind: 'files'; name: string; files: File[] }
  /** A random model built here with src/model/tiny.ts: it has no tokenizer, so only the toy task runs on it. */
  | { kind: 'tiny'; options: TinyModelOptions };

/** An OpenAI-compatible endpoint; the key lives only in this message and the worker's memory. */
export interface EndpointSpec {
  baseUrl: string;
  model: string;
  apiKey?: string;
}

export interface TrainerStartSpec {
  /** Training config (partial JSON; validated and merged over the defaults). */
  config: unknown;
  model: ModelSpec;
  /** 'toy': the one-turn tool-call episode (src/rl/trainer/toy-suite.ts); 'retail': τ-bench retail (+ math). */
  task: 'retail' | 'toy';
  /** Where the rollouts and the training step run: webgpu (WGSL engine and GpuTrainer) or cpu
   * (float64). Both resume exactly from their checkpoints. */
  device: DeviceKind;
  /** Needed when config.episode.judge / episode.user is "openai". */
  judgeEndpoint?: EndpointSpec;
  userEndpoint?: EndpointSpec;
  /** Files of a checkpoint to continue from (RunStore.putCheckpoint's files). */
  resumeFiles?: CheckpointFile[];
}

export interface TrainerCallbacks {
  onEvent(e: MetricEvent): void;
  onState(s: SessionState, detail?: string): void;
  onCheckpoint(step: number, files: CheckpointFile[]): Promise<string> | string;
  onTrajectories?(step: number, groups: Trajectory[][]): void;
  /** Model download / load progress before the run starts. */
  onProgress?(p: DownloadProgress | { file: string; phase: string }): void;
  /** The run ended normally (finished, stopped, or stopped on non-finite losses). */
  onFinished?(r: RunResult): void;
  /** The run died with an error (after it had started). */
  onFailure?(message: string): void;
}

const DATA = '/data/tau-bench-retail/';
const fetchJson = async (rel: string) => {
  const r = await fetch(DATA + rel);
  if (!r.ok) throw new Error(`could not fetch ${DATA}${rel}: HTTP ${r.status}`);
  return r.json() as Promise<unknown>;
};

/** A model given as in-memory files (the tiny random model). */
function memorySource(name: string, files: Map<string, string | Uint8Array>): ModelSource {
  const get = (f: string) => {
    const v = files.get(f);
    if (v === undefined) throw new Error(`${name}: no file "${f}"`);
    return v;
  };
  return {
    name,
    has: async (f) => files.has(f),
    readText: async (f) => {
      const v = get(f);
      return typeof v === 'string' ? v : new TextDecoder().decode(v);
    },
    readBytes: async (f) => {
      const v = get(f);
      return typeof v === 'string' ? new TextEncoder().encode(v) : v;
    },
  };
}

function modelSource(spec: ModelSpec, cb: TrainerCallbacks): ModelSource {
  switch (spec.kind) {
    case 'url':
      return urlSource(spec.url, { onProgress: (p) => cb.onProgress?.(p) });
    case 'files':
      return filesSource(spec.files, spec.name);
    case 'tiny':
      return memorySource('tiny random model', buildTinyModel(spec.options));
  }
}

function endpoint(e: EndpointSpec | undefined, what: string): EndpointSpec {
  if (!e || !e.baseUrl || !e.model) throw new Error(`${what} is "openai" but no endpoint (base URL and model) was given`);
  return e;
}

/** The shipped listener (public/models/tarl-listener), served by the studio. */
export const LISTENER_URL = '/models/tarl-listener/encoder.onnx';

/** Speech episodes in the browser: the hearing (espeak-ng wasm → listener ONNX on wasm, frames cached in
 * memory; renders shared with the inspector's "▶ hear" through IndexedDB), a projector for the policy's
 * hidden size, and the tokenizer's audio markers. Imported lazily: text-only runs load none of it. */
interface WorkerSpeech {
  hearing: UserTurnHearing;
  encoder: ListenerEncoder;
  projector: AudioProjector;
  markers: AudioMarkers;
}

async function workerSpeech(config: ReturnType<typeof resolveConfig>, hiddenSize: number, tokenizer: ModelTokenizer, cb: TrainerCallbacks): Promise<WorkerSpeech> {
  cb.onProgress?.({ file: LISTENER_URL, phase: 'loading the speech listener for speech episodes' });
  const [{ UserTurnHearing }, { SpeechSynthesizer }, { createBrowserEspeak }, { IdbAudioStore }, { loadListenerEncoder }, { AudioProjector, defaultProjectorConfig }] = await Promise.all([
    import('../speech/hearing.ts'), import('../speech/tts.ts'), import('../speech/espeak-browser.ts'), import('../speech/idb-store.ts'),
    import('../speech/listener-encoder.ts'), import('../speech/projector.ts'),
  ]);
  const markers = audioMarkers(tokenizer); // fails early (before the download) for a tokenizer without markers
  let encoder: ListenerEncoder;
  try {
    const r = await fetch(LISTENER_URL);
    if (!r.ok) throw new Error(`HTTP ${r.status}`);
    const bytes = new Uint8Array(await r.arrayBuffer());
    // a dev server answers a missing file with its index page
    if (bytes[0] === 0x3c /* '<' */) throw new Error('the server answered with an HTML page, not an ONNX model');
    encoder = await loadListenerEncoder(bytes, { providers: ['wasm'] }); // the WebGPU device stays the policy's
  } catch (e) {
    const why = (e instanceof Error ? e.message : String(e)).replace(/\s+/g, ' ').replace(/[.\s]+$/, ''); // one line: the run status shows the first
    throw new Error(`speech episodes (speechShare > 0) need the listener, but ${LISTENER_URL} could not be loaded: ${why}. Run \`tarl make-speech-encoder\` (public/models/tarl-listener/) or set the speech share to 0.`);
  }
  const hearing = new UserTurnHearing(new SpeechSynthesizer(createBrowserEspeak(), { store: new IdbAudioStore() }), encoder, { preset: config.speech.preset });
  const projector = AudioProjector.create(defaultProjectorConfig(encoder.dim, hiddenSize), config.seed);
  return { hearing, encoder, projector, markers };
}

async function retailSuites(
  spec: TrainerStartSpec,
  source: ModelSource,
  weights: ModelWeights,
  config: ReturnType<typeof resolveConfig>,
  cb: TrainerCallbacks,
): Promise<{ retail: EpisodeSuite; math: EpisodeSuite; sims: Simulators; speech?: WorkerSpeech }> {
  if (spec.model.kind === 'tiny') throw new Error('the tiny random model has no tokenizer, so it can only run the toy task');
  const tokenizer = await loadTokenizer(source);
  const speech = canExceedZero(config.speechShare) ? await workerSpeech(config, weights.config.hiddenSize, tokenizer, cb) : undefined;
  const sims = await buildSimulators(config.episode, {
    judgeEndpoint: () => endpoint(spec.judgeEndpoint, 'episode.judge'),
    userEndpoint: () => endpoint(spec.userEndpoint, 'episode.user'),
    // the base model (no adapters) on a backend of its own, on the same device as the rollouts
    localModel: async () => ({ backend: await createBackend(weights, spec.device), tokenizer, name: source.name }),
  });
  const sandbox = await sandboxData();
  const db = { users: await fetchJson('db/users.json'), orders: await fetchJson('db/orders.json'), products: await fetchJson('db/products.json') } as RetailData;
  const splits = new Map<string, EpisodeTask[]>();
  for (const split of new Set([config.data.split, config.eval.split])) {
    const tasks = await loadSandboxTasks(split as TaskSplit);
    splits.set(split, tasks.map((t) => ({ split, index: t.task_index ?? 0, userId: t.user_id, instruction: t.instruction ?? '', actions: t.actions, outputs: t.outputs ?? [] })));
  }
  const retail = new RetailSuite({
    tokenizer,
    loadTasks: (split) => splits.get(split) ?? (() => { throw new Error(`split "${split}" was not loaded`); })(),
    systemPrompt: sandbox.wiki, tools: sandbox.tools, db,
    makeEnv: (t) => retailEnvironment(sandbox, t, { checkOutputs: false }),
    makeUser: sims.makeUser,
    maxTurns: config.episode.maxTurns,
    enableThinking: false,
    ...(speech ? { speech: { hearing: speech.hearing, projector: speech.projector, markers: speech.markers } } : {}),
  });
  return { retail, math: new MathSuite(tokenizer, { enableThinking: false }), sims, ...(speech ? { speech } : {}) };
}

let session: TrainerSession | null = null;
let starting = false;

const api = {
  async start(spec: TrainerStartSpec, cb: TrainerCallbacks): Promise<void> {
    if (starting || (session && session.state !== 'stopped')) throw new Error('a training run is already in progress in this worker');
    starting = true;
    let release: (() => void) | undefined; // what a start that fails half-way leaves open
    try {
      const config = resolveConfig(spec.config);
      const source = modelSource(spec.model, cb);
      cb.onProgress?.({ file: source.name, phase: 'loading the model' });
      const weights = await loadModelWeights(source);
      const retail = spec.task === 'toy' ? null : await retailSuites(spec, source, weights, config, cb);
      const speech = retail?.speech;
      release = () => {
        retail?.sims.dispose();
        void speech?.encoder.release().catch(() => undefined);
      };
      const suites = retail
        ? { retail: retail.retail, math: retail.math }
        : { retail: new ToyToolSuite({ vocabSize: weights.config.vocabSize, eosTokenIds: weights.config.eosTokenIds }) };
      const trainer = new RlTrainer({
        config, weights, suites, judge: retail?.sims.judge,
        makeBackend: (w) => createBackend(w, spec.device), baseModel: source.name,
        ...(speech ? { speech: speechTraining(speech, config.speech.projectorLrMultiplier) } : {}),
        makeEngine: spec.device === 'webgpu' ? (_model, adapter, optimizer) => createGpuTrainEngine(weights, adapter, optimizer) : undefined,
        onEvent: (e) => cb.onEvent(e),
        onTrajectories: cb.onTrajectories ? (s, g) => cb.onTrajectories!(s, g) : undefined,
      });
      if (spec.resumeFiles) await trainer.restore(spec.resumeFiles, 'stored checkpoint');
      cb.onProgress?.({ file: source.name, phase: `model loaded; running step ${trainer.nextStep + 1}` });
      session = new TrainerSession(trainer, { onState: (s, d) => cb.onState(s, d), saveCheckpoint: (s, f) => cb.onCheckpoint(s, f) });
      session.start();
      session.finished.then(
        (r) => cb.onFinished?.(r),
        (e: unknown) => cb.onFailure?.((e as Error).message),
      ).finally(release);
      release = undefined; // the session owns them now
    } catch (e) {
      release?.();
      throw e;
    } finally {
      starting = false;
    }
  },
  pause(): void {
    session?.pause();
  },
  resume(): void {
    session?.resume();
  },
  async stop(): Promise<void> {
    // A failed run was already reported through onFailure.
    await session?.stop().catch(() => undefined);
  },
  applyRewardConfig(cfg: RewardConfig): void {
    if (!session || session.state === 'stopped') throw new Error('no training run is in progress');
    session.applyRewardConfig(cfg);
  },
  state(): SessionState {
    return session?.state ?? 'idle';
  },
};

export type TrainerWorkerApi = typeof api;
Comlink.expose(api);
