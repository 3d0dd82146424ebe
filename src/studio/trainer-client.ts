// The studio's TrainerControls over the trainer worker (src/workers/trainer.worker.ts, comlink):
// start from the Setup, pause/resume/stop, resume a stored run from its last checkpoint, and apply
// a reward config from the tuner. Everything the worker reports is recorded as it happens
// (RunRecorder → IndexedDB/OPFS) and fed to the metrics and rollouts stores; the GPU work stays in
// the worker, the main thread only stores and renders.
import * as Comlink from 'comlink';
import { create } from 'zustand';
import { RunRecorder } from '../persist/recorder.ts';
import type { RewardConfig } from '../reward/config.ts';
import { ConfigError } from '../rl/config.ts';
import type { MetricEvent } from '../rl/metrics.ts';
import type { CheckpointFile } from '../rl/trainer/checkpoint.ts';
import type { Trajectory } from '../rollout/trajectory.ts';
import type { ModelSpec, TrainerStartSpec, TrainerWorkerApi } from '../workers/trainer.worker.ts';
import { huggingFaceUrl, parseStoredRunConfig, policyLabel, setupProblems, storedRunConfig, tinyModelOptions, type PolicyChoice, type RunSetup } from './setup/setup-config.ts';
import { useMetrics } from './stores/metrics-store.ts';
import { useRollouts } from './stores/rollouts-store.ts';
import { runStore, useRuns } from './stores/runs-store.ts';
import { useSetup } from './stores/setup-store.ts';
import { TRAINER_NOT_CONNECTED, useTrainer, type TrainerControls } from './trainer-link.ts';

/** What the Training panel shows about the live run besides the charts. */
interface LiveRun {
  runId: string | null;
  /** e.g. "downloading model.safetensors: 40 %" before the first step; null once training. */
  phase: string | null;
  error: string | null;
  set(p: Partial<Omit<LiveRun, 'set'>>): void;
}
export const useLiveRun = create<LiveRun>((set) => ({ runId: null, phase: null, error: null, set: (p) => set(p) }));

/** One sentence for the user: the first line of the message (a config error: its first problem). */
export function oneSentence(e: unknown): string {
  if (e instanceof ConfigError) return `Invalid training config: ${e.problems[0]}${e.problems.length > 1 ? ` (and ${e.problems.length - 1} more problems)` : ''}.`;
  const msg = (e instanceof Error ? e.message : String(e)).replace(/^Error: /, '');
  const first = msg.split('\n').find((l) => l.trim()) ?? 'unknown error';
  return /[.!?]$/.test(first.trim()) ? first.trim() : `${first.trim()}.`;
}

// RunStore keys checkpoint files by plain names; the trainer's adapter files live in "adapter/".
export const storedName = (name: string) => name.replaceAll('/', '__');
export const trainerName = (name: string) => name.replaceAll('__', '/');

let remote: Comlink.Remote<TrainerWorkerApi> | undefined;
function trainerWorker(): Comlink.Remote<TrainerWorkerApi> {
  remote ??= Comlink.wrap<TrainerWorkerApi>(new Worker(new URL('../workers/trainer.worker.ts', import.meta.url), { type: 'module', name: 'trainer' }));
  return remote;
}

function modelSpec(p: PolicyChoice, folderFiles: File[] | null): ModelSpec {
  switch (p.kind) {
    case 'builtin': return { kind: 'url', url: p.url };
    case 'hf': return { kind: 'url', url: huggingFaceUrl(p.id) };
    case 'tiny': return { kind: 'tiny', options: tinyModelOptions(p.seed) };
    case 'folder':
      if (!folderFiles) throw new Error(`Choose the local folder "${p.name}" in Setup first: its files are only kept in memory.`);
      return { kind: 'files', name: p.name, files: folderFiles };
  }
}

function startSpec(train: unknown, setup: RunSetup, resumeFiles?: CheckpointFile[]): TrainerStartSpec {
  const s = useSetup.getState();
  if (setup.policy.kind === 'folder' && (s.policy?.kind !== 'folder' || s.policy.name !== setup.policy.name)) {
    throw new Error(`This run trained the local folder "${setup.policy.name}": choose that folder in Setup, then resume.`);
  }
  const key = (k: string) => (k ? { apiKey: k } : {});
  return {
    config: train,
    model: modelSpec(setup.policy, s.folderFiles),
    task: setup.task,
    device: setup.device,
    ...(setup.judgeEndpoint ? { judgeEndpoint: { ...setup.judgeEndpoint, ...key(s.keys.judge) } } : {}),
    ...(setup.userEndpoint ? { userEndpoint: { ...setup.userEndpoint, ...key(s.keys.user) } } : {}),
    ...(resumeFiles ? { resumeFiles } : {}),
  };
}

const pct = (a: number, b: number) => (b > 0 ? ` ${Math.round((100 * a) / b)} %` : ` ${(a / 2 ** 20).toFixed(1)} MiB`);

/** Runs a spec in the worker, recording everything into `recorder` as it arrives. */
async function launch(recorder: RunRecorder, spec: TrainerStartSpec): Promise<void> {
  const runId = recorder.runId;
  const live = useLiveRun.getState();
  live.set({ runId, phase: 'starting the trainer worker…', error: null });
  useTrainer.getState().setTrainerState('running', runId);
  // Writes happen in arrival order; a failed write is reported once and does not stop the run.
  let writes: Promise<void> = Promise.resolve();
  const write = (what: string, fn: () => Promise<unknown>) => {
    writes = writes.then(fn).then(
      () => undefined,
      (e: unknown) => useLiveRun.getState().set({ error: `Could not store the ${what}: ${oneSentence(e)}` }),
    );
    return writes;
  };
  const refreshRuns = () => void useRuns.getState().refresh();
  const callbacks = {
    onEvent(e: MetricEvent) {
      if (useMetrics.getState().runId === runId) useMetrics.getState().ingest(e);
      if (e.type === 'step') useLiveRun.getState().set({ phase: null });
      void write('metrics', () => recorder.onEvent(e));
      if (e.type === 'start' || e.type === 'resume' || e.type === 'end' || e.type === 'stop') void writes.then(refreshRuns);
    },
    onTrajectories(step: number, groups: Trajectory[][]) {
      useRollouts.getState().appendLive(runId, step, groups);
      void write('trajectories', () => recorder.onTrajectories(step, groups));
    },
    async onCheckpoint(step: number, files: CheckpointFile[]) {
      await write('checkpoint', () => recorder.onCheckpoint(step, files.map((f) => ({ name: storedName(f.name), bytes: f.bytes }))));
      refreshRuns();
      return `run ${runId} step ${step}`;
    },
    onState(state: 'idle' | 'running' | 'paused' | 'stopped') {
      const t = useTrainer.getState();
      if (t.connection.status === 'connected') t.setTrainerState(state, runId);
      if (state === 'paused' || state === 'running') void write('run status', async () => (await runStore()).setStatus(runId, state)).then(refreshRuns);
    },
    onProgress(p: { file: string; loaded?: number; total?: number; fromCache?: boolean; phase?: string }) {
      const text = p.phase ? `${p.phase} (${p.file})…` : `${p.fromCache ? 'reading from cache' : 'downloading'} ${p.file}:${pct(p.loaded ?? 0, p.total ?? 0)}`;
      useLiveRun.getState().set({ phase: text });
    },
    onFinished(r: { status: string; message?: string }) {
      useLiveRun.getState().set({ phase: r.status === 'finished' ? null : r.message ? `${r.message}.` : null });
      void writes.then(refreshRuns);
    },
    onFailure(message: string) {
      useLiveRun.getState().set({ phase: null, error: `Training failed: ${oneSentence(message)}` });
      void write('failure', () => recorder.onFailure(message)).then(refreshRuns);
    },
  };
  try {
    await trainerWorker().start(spec, Comlink.proxy(callbacks));
  } catch (e) {
    const t = useTrainer.getState();
    if (t.connection.status === 'connected') t.setTrainerState('stopped', runId);
    useLiveRun.getState().set({ phase: null });
    await write('failure', () => recorder.onFailure(oneSentence(e)));
    refreshRuns();
    throw new Error(oneSentence(e));
  }
}

async function startNew(): Promise<void> {
  const s = useSetup.getState();
  const problems = setupProblems(s, Boolean(s.folderFiles));
  if (problems.length) throw new Error(`Setup is not ready: ${problems[0]}`);
  const config = storedRunConfig(s);
  const { studio, ...train } = config;
  const spec = startSpec(train, studio);
  const store = await runStore();
  const recorder = await RunRecorder.create(store, `${policyLabel(studio.policy)} · ${studio.task} · ${config.reward.mode}`, config);
  useMetrics.getState().show(recorder.runId, [], config.steps);
  await useRuns.getState().refresh();
  await launch(recorder, spec);
}

async function resumeStored(runId: string): Promise<void> {
  const store = await runStore();
  const run = await store.getRun(runId);
  if (!run) throw new Error(`No stored run "${runId}".`);
  const { train, setup } = parseStoredRunConfig(run.config, runId);
  const ck = await store.latestCheckpoint(runId);
  if (!ck) throw new Error(`Run ${runId} has no checkpoint to resume from.`);
  const files = await Promise.all(ck.files.map(async (f) => ({ name: trainerName(f.name), bytes: await store.readCheckpointFile(runId, ck.step, f.name) })));
  const spec = startSpec(train, setup, files);
  // Steps after the checkpoint are trained again and their stored rows replaced.
  useMetrics.getState().show(runId, await store.metrics(runId), train.steps);
  await launch(new RunRecorder(store, runId), spec);
}

function liveRunId(): string {
  const c = useTrainer.getState().connection;
  if (c.status !== 'connected' || !c.runId || (c.state !== 'running' && c.state !== 'paused')) throw new Error('No training run is in progress.');
  return c.runId;
}

export const workerControls: TrainerControls = {
  start: startNew,
  resumeRun: resumeStored,
  pause: async () => {
    liveRunId();
    await trainerWorker().pause();
  },
  resume: async () => {
    liveRunId();
    await trainerWorker().resume();
  },
  stop: async () => {
    liveRunId();
    useLiveRun.getState().set({ phase: 'stopping after the current step (with a checkpoint)…' });
    await trainerWorker().stop();
  },
  applyRewardConfig: async (cfg: RewardConfig) => {
    liveRunId();
    await trainerWorker().applyRewardConfig(cfg);
  },
};

const NO_POLICY_REASON = TRAINER_NOT_CONNECTED;

/**
 * Keeps the trainer connected while Setup has a usable policy (a run in progress stays connected
 * whatever Setup does). Call once at startup; returns the unsubscribe function.
 */
export function bindTrainerToSetup(): () => void {
  const sync = () => {
    const t = useTrainer.getState();
    const busy = t.connection.status === 'connected' && (t.connection.state === 'running' || t.connection.state === 'paused');
    if (busy) return;
    const s = useSetup.getState();
    const usable = s.policy !== null && (s.policy.kind !== 'folder' || s.folderFiles !== null);
    if (usable && (t.connection.status === 'disconnected' || t.connection.controls !== workerControls)) t.connectTrainer(workerControls, t.connection.status === 'connected' ? t.connection.runId : null);
    else if (!usable && t.connection.status === 'connected' && t.connection.controls === workerControls) t.disconnectTrainer(NO_POLICY_REASON);
  };
  if (useTrainer.getState().connection.status === 'disconnected') useTrainer.getState().disconnectTrainer(NO_POLICY_REASON);
  sync();
  return useSetup.subscribe(sync);
}
