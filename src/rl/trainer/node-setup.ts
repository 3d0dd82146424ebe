// Node wiring shared by `tarl train`, `tarl ablate` and `tarl eval`: loads the model and builds the
// episode suites (retail + math with the model's tokenizer, or the toy tool-call suite), the judge,
// and a trainer with its metrics log and checkpoint folder.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OpenAIChatOptions } from '../../rollout/chat-client.ts';
import type { TurnJudge } from '../../judge/types.ts';
import { createBackend, type DeviceKind } from '../../model/backend.ts';
import { directorySource, loadModelFromDir } from '../../model/load-node.ts';
import { loadTokenizer } from '../../model/tokenizer.ts';
import type { ModelWeights } from '../../model/weights.ts';
import { loadRetailData, loadTasks, loadToolSchemas, loadWiki } from '../../rollout/node-data.ts';
import { retailEnvironment, sandboxData } from '../../rollout/retail-env.ts';
import { applyOverrides, parseConfigText, resolveConfig, type TrainConfig } from '../config.ts';
import { readJsonl, JsonlWriter } from '../metrics-jsonl.ts';
import type { MetricEvent } from '../metrics.ts';
import { readCheckpointDir, resolveCheckpointDir, writeCheckpointDir } from './checkpoint-node.ts';
import { parseCheckpoint, type CheckpointFile } from './checkpoint.ts';
import { MathSuite } from './math-suite.ts';
import { RetailSuite } from './retail-suite.ts';
import { ToyToolSuite } from './toy-suite.ts';
import { SpokenToySuite } from './spoken-toy-suite.ts';
import { createNodeHearing } from '../../speech/hearing-node.ts';
import { AudioProjector, defaultProjectorConfig } from '../../speech/projector.ts';
import type { UserTurnHearing } from '../../speech/hearing.ts';
import { audioMarkers } from '../../speech/markers.ts';
import { canExceedZero } from '../schedule.ts';
import { speechTraining } from './speech-engine.ts';
import { buildSimulators } from './simulators.ts';
import { RlTrainer, type TrainerDeps } from './trainer.ts';
import type { EpisodeSuite } from './types.ts';

export type TaskFamily = 'retail' | 'toy' | 'spoken';

/** Speech episodes in Node: the hearing (TTS → listener, cached) and the policy's projector. */
export interface NodeSpeech {
  hearing: UserTurnHearing;
  projector: AudioProjector;
}

/** The hearing and a projector (from `projectorFile`, or fresh for this policy, seeded). */
export async function nodeSpeech(c: TrainConfig, modelDim: number, projectorFile?: string): Promise<NodeSpeech> {
  const { hearing, encoder } = await createNodeHearing({ preset: c.speech.preset });
  const projector = projectorFile
    ? AudioProjector.fromSafetensors(new Uint8Array(readFileSync(projectorFile)), projectorFile)
    : AudioProjector.create(defaultProjectorConfig(encoder.dim, modelDim), c.seed);
  if (projector.config.encoderDim !== encoder.dim || projector.config.modelDim !== modelDim) {
    throw new Error(`speech projector: maps ${projector.config.encoderDim} → ${projector.config.modelDim}, but the encoder gives ${encoder.dim} and the policy's hidden size is ${modelDim}`);
  }
  return { hearing, projector };
}

export function loadConfigFile(file: string | undefined, overrides: readonly string[], modelDir?: string): TrainConfig {
  let config = resolveConfig({});
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new Error(`--config: cannot read "${file}" (${(e as Error).message})`);
    }
    config = parseConfigText(text, file);
  }
  config = applyOverrides(config, overrides);
  if (modelDir) config = { ...config, model: { dir: modelDir } };
  return config;
}

export interface Suites {
  retail: EpisodeSuite;
  math?: EpisodeSuite;
  judge?: TurnJudge;
}

/** Endpoints for judges/users behind OpenAI-compatible APIs, read only when the config asks for them
 * (the CLI builds them from --judge-* flags; the API key comes from an environment variable). */
export interface EndpointSources {
  judge?: () => OpenAIChatOptions;
  user?: () => OpenAIChatOptions;
}

export async function buildSuites(
  config: TrainConfig,
  weights: ModelWeights,
  task: TaskFamily,
  device: DeviceKind,
  endpoints: EndpointSources = {},
  speech?: NodeSpeech,
): Promise<Suites> {
  if (task === 'toy') return { retail: new ToyToolSuite({ vocabSize: weights.config.vocabSize, eosTokenIds: weights.config.eosTokenIds }) };
  if (task === 'spoken') {
    if (!speech) throw new Error('the spoken-intent suite needs a speech projector (--projector FILE)');
    return { retail: new SpokenToySuite({ vocabSize: weights.config.vocabSize, eosTokenIds: weights.config.eosTokenIds, hearing: speech.hearing, projector: speech.projector }) };
  }
  const dir = config.model.dir!;
  const tokenizer = await loadTokenizer(directorySource(dir));
  const sims = await buildSimulators(config.episode, {
    judgeEndpoint: endpoints.judge,
    userEndpoint: endpoints.user,
    // the base model (no adapters) on its own backend
    localModel: async () => ({ backend: await createBackend(weights, device), tokenizer, name: dir }),
    hint: { judge: 'pass --judge-base-url and --judge-model (key from --judge-api-key-env)', user: 'pass --user-base-url and --user-model (key from --user-api-key-env)' },
  });
  const sandbox = await sandboxData();
  const retail = new RetailSuite({
    tokenizer, loadTasks, systemPrompt: loadWiki(), tools: loadToolSchemas(), db: loadRetailData(),
    makeEnv: (t) => retailEnvironment(sandbox, t, { checkOutputs: false }),
    makeUser: sims.makeUser,
    maxTurns: config.episode.maxTurns,
    enableThinking: false,
    ...(speech ? { speech: { hearing: speech.hearing, projector: speech.projector, markers: audioMarkers(tokenizer) } } : {}),
  });
  return { retail, math: new MathSuite(tokenizer, { enableThinking: false }), judge: sims.judge };
}

export interface NodeRun {
  trainer: RlTrainer;
  outDir: string;
  metricsPath: string;
  saveCheckpoint: (step: number, files: CheckpointFile[]) => string;
}

/**
 * A trainer for `config` writing under outDir (metrics.jsonl, checkpoints/). With `resumeDir`, the
 * checkpoint's config (plus `overrides`) and exact state are restored and the metrics log is cut
 * back to the checkpointed step.
 */
export async function createNodeRun(o: {
  config: TrainConfig;
  outDir?: string;
  resumeDir?: string;
  overrides?: readonly string[];
  task: TaskFamily;
  device: DeviceKind;
  /** Where the training forward/backward and AdamW run (default cpu: float64, exact resume). */
  trainDevice?: DeviceKind;
  onEvent?: (e: MetricEvent) => void;
  endpoints?: EndpointSources;
  /** Speech runs: the aligned projector to start from (a resumed run takes its checkpoint's). */
  projectorFile?: string;
}): Promise<NodeRun> {
  let config = o.config;
  let files: CheckpointFile[] | undefined;
  let ckDir: string | undefined;
  if (o.resumeDir) {
    ckDir = resolveCheckpointDir(o.resumeDir);
    files = readCheckpointDir(ckDir);
    config = applyOverrides(parseCheckpoint(files, ckDir).state.config, o.overrides ?? []);
    if (o.config.model.dir && o.config.model.dir !== config.model.dir) config = { ...config, model: { dir: o.config.model.dir } };
  }
  if (!config.model.dir) throw new Error('model.dir is required: pass --model DIR or set model.dir in the config');
  const weights = await loadModelFromDir(config.model.dir);
  if (o.projectorFile && !canExceedZero(config.speechShare)) throw new Error('--projector is for speech runs: set speechShare above 0');
  const speech = canExceedZero(config.speechShare) ? await nodeSpeech(config, weights.config.hiddenSize, o.projectorFile) : undefined;
  const suites = await buildSuites(config, weights, o.task, o.device, o.endpoints, speech);
  const outDir = o.outDir ?? config.checkpoint.dir;
  const metricsPath = join(outDir, config.log.metricsFile);
  let writer: JsonlWriter | null = null; // opened once the trainer accepted the config
  const deps: TrainerDeps = {
    config, weights, suites: { retail: suites.retail, math: suites.math }, judge: suites.judge, baseModel: config.model.dir,
    makeBackend: o.device === 'cpu' ? undefined : (w) => createBackend(w, o.device),
    ...(speech ? { speech: speechTraining(speech, config.speech.projectorLrMultiplier) } : {}),
    makeEngine: o.trainDevice === 'webgpu' ? async (_model, adapter, optimizer) => (await import('./engine-gpu.ts')).createGpuTrainEngine(weights, adapter, optimizer) : undefined,
    onEvent: (e) => {
      writer?.write(e);
      o.onEvent?.(e);
    },
  };
  const trainer = new RlTrainer(deps);
  writer = new JsonlWriter(metricsPath, !o.resumeDir);
  if (files) {
    await trainer.restore(files, ckDir);
    // The log keeps what the checkpoint had seen; later lines (from the interrupted run) go.
    const kept = readJsonlSafe(metricsPath).filter((e) => e.step < trainer.nextStep);
    writer.rewrite(kept.length ? kept : trainer.events);
  }
  const checkpointsRoot = join(outDir, 'checkpoints');
  return { trainer, outDir, metricsPath, saveCheckpoint: (step, f) => writeCheckpointDir(checkpointsRoot, step + 1, f, config.checkpoint.keep) };
}

/** The run's metrics file; when it is missing or unreadable the caller falls back to the metrics
 * stored in the checkpoint, and an unreadable file is reported rather than silently replaced. */
function readJsonlSafe(path: string): MetricEvent[] {
  try {
    return readJsonl(path).events;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
      process.stderr.write(`tarl train: ${(e as Error).message}; rewriting ${path} from the checkpoint's metrics\n`);
    }
    return [];
  }
}
