// The trainer worker: owns the policy model and runs the RL loop (src/rl/trainer) off the main
// thread, emitting metric events and checkpoints through comlink callbacks. Thin shell: the
// studio side wraps this API into the TrainerControls of src/studio/trainer-link.ts (start, pause,
// resume, stop, applyRewardConfig — the last applies from the next step).
import * as Comlink from 'comlink';
import { createJudge } from '../judge/factory.ts';
import type { DeviceKind } from '../model/backend.ts';
import { createBackend } from '../model/backend.ts';
import { loadModelFromUrl, urlSource } from '../model/load-browser.ts';
import { loadTokenizer } from '../model/tokenizer.ts';
import type { RewardConfig } from '../reward/config.ts';
import { resolveConfig } from '../rl/config.ts';
import type { MetricEvent } from '../rl/metrics.ts';
import type { CheckpointFile } from '../rl/trainer/checkpoint.ts';
import { MathSuite } from '../rl/trainer/math-suite.ts';
import { RetailSuite } from '../rl/trainer/retail-suite.ts';
import { TrainerSession, type SessionState } from '../rl/trainer/session.ts';
import { RlTrainer } from '../rl/trainer/trainer.ts';
import type { RetailData } from '../rollout/retail-view.ts';
import { retailEnvironment, sandboxData } from '../rollout/retail-env.ts';
import type { EpisodeTask, Trajectory } from '../rollout/trajectory.ts';
import { ScriptedUser } from '../rollout/users/scripted.ts';
import { loadTasks as loadSandboxTasks, type TaskSplit } from '../sandbox/retail/index.ts';

export interface TrainerStartSpec {
  /** Training config (partial JSON; validated and merged over the defaults). */
  config: unknown;
  /** Base URL of the model folder (safetensors, config.json, tokenizer.json). */
  modelUrl: string;
  device: DeviceKind;
  /** Files of a checkpoint to continue from (RunStore.putCheckpoint's files). */
  resumeFiles?: CheckpointFile[];
}

export interface TrainerCallbacks {
  onEvent(e: MetricEvent): void;
  onState(s: SessionState, detail?: string): void;
  onCheckpoint(step: number, files: CheckpointFile[]): Promise<string> | string;
  onTrajectories?(step: number, groups: Trajectory[][]): void;
}

const DATA = '/data/tau-bench-retail/';
const fetchJson = async (rel: string) => {
  const r = await fetch(DATA + rel);
  if (!r.ok) throw new Error(`could not fetch ${DATA}${rel}: HTTP ${r.status}`);
  return r.json() as Promise<unknown>;
};

let session: TrainerSession | null = null;

const api = {
  async start(spec: TrainerStartSpec, cb: TrainerCallbacks): Promise<void> {
    if (session && session.state !== 'stopped') throw new Error('a training run is already in progress in this worker');
    const config = resolveConfig(spec.config);
    const weights = await loadModelFromUrl(spec.modelUrl);
    const tokenizer = await loadTokenizer(urlSource(spec.modelUrl));
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
      makeUser: () => new ScriptedUser(),
      maxTurns: config.episode.maxTurns,
      enableThinking: false,
    });
    if (config.episode.judge !== 'reference') throw new Error(`episode.judge "${config.episode.judge}" is not available in the studio trainer yet (use reference)`);
    const trainer = new RlTrainer({
      config, weights, suites: { retail, math: new MathSuite(tokenizer, { enableThinking: false }) }, judge: createJudge({ kind: 'reference' }),
      makeBackend: (w) => createBackend(w, spec.device), baseModel: spec.modelUrl,
      onEvent: (e) => cb.onEvent(e),
      onTrajectories: cb.onTrajectories ? (s, g) => cb.onTrajectories!(s, g) : undefined,
    });
    if (spec.resumeFiles) await trainer.restore(spec.resumeFiles, 'stored checkpoint');
    session = new TrainerSession(trainer, { onState: (s, d) => cb.onState(s, d), saveCheckpoint: (s, f) => cb.onCheckpoint(s, f) });
    session.start();
    session.finished.catch((e: unknown) => cb.onState('stopped', `failed: ${(e as Error).message}`));
  },
  pause(): void {
    session?.pause();
  },
  resume(): void {
    session?.resume();
  },
  async stop(): Promise<void> {
    await session?.stop();
  },
  applyRewardConfig(cfg: RewardConfig): void {
    if (!session) throw new Error('no training run in this worker');
    session.applyRewardConfig(cfg);
  },
  state(): SessionState {
    return session?.state ?? 'idle';
  },
};

export type TrainerWorkerApi = typeof api;
Comlink.expose(api);
