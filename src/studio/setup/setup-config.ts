// The Setup panel's model: which policy to train, on which task and device, with which training
// config (src/rl/config.ts, validated by its schema), and which endpoints the judge and user
// simulator call. Pure functions (unit-tested); the zustand store is stores/setup-store.ts.
import { ConfigError, DEFAULT_CONFIG, resolveConfig, type TrainConfig } from '../../rl/config.ts';
import type { DeviceKind } from '../../model/backend.ts';
import { canExceedZero } from '../../rl/schedule.ts';

/** The policy model. A folder's files live only in memory (setup-store), never in storage. */
export type PolicyChoice =
  | { kind: 'builtin'; name: string; url: string }
  | { kind: 'hf'; id: string }
  | { kind: 'folder'; name: string }
  | { kind: 'tiny'; seed: number };

export type TaskFamily = 'retail' | 'toy';

export interface Endpoint {
  baseUrl: string;
  model: string;
}

export interface SetupState {
  policy: PolicyChoice | null;
  task: TaskFamily;
  device: DeviceKind;
  /** The training config being edited (may hold invalid values until validated). */
  config: TrainConfig;
  judgeEndpoint: Endpoint;
  userEndpoint: Endpoint;
}

export const PRESETS = {
  'TARL (trajectory-level)': { mode: 'trajectory', terminal: 10, deviation: 5, turnWeight: 'inverse-T' },
  'terminal only': { mode: 'terminal', terminal: 10, deviation: 5, turnWeight: 'inverse-T' },
  'per-turn': { mode: 'turn', terminal: 10, deviation: 5, turnWeight: 'inverse-T' },
} as const satisfies Record<string, Partial<TrainConfig['reward']>>;
export type SetupPreset = keyof typeof PRESETS;

/** A short run that a CPU or a small GPU finishes in minutes: the toy task on the tiny random model. */
// (The same shape and settings as the trainer's learning test, test/unit/rl/trainer-helpers.ts.)
export const TINY_DEFAULTS = {
  steps: 30, tasksPerStep: 2, groupSize: 8, lr: 0.03, seed: 11,
  math: { ratio: 0 }, sampling: { maxNewTokens: 2 }, lora: { r: 4, alpha: 8 },
  eval: { every: 0 }, checkpoint: { every: 2 },
} as const;

/** The tiny random model: vocabulary 32 so that the toy task's tool token is found by chance. */
export function tinyModelOptions(seed: number) {
  return { architecture: 'qwen2' as const, vocabSize: 32, hiddenSize: 48, numHeads: 2, numKvHeads: 1, intermediateSize: 64, numLayers: 1, eosTokenIds: [31], seed };
}

/** Applies TINY_DEFAULTS over a config (section by section). */
export function withTinyDefaults(config: TrainConfig): TrainConfig {
  let out = config;
  for (const [k, v] of Object.entries(TINY_DEFAULTS)) {
    if (typeof v === 'object') for (const [k2, v2] of Object.entries(v)) out = setConfigPath(out, `${k}.${k2}`, v2);
    else out = setConfigPath(out, k, v);
  }
  return out;
}

export function initialSetup(): SetupState {
  return {
    policy: null,
    task: 'retail',
    device: 'webgpu',
    config: structuredClone(DEFAULT_CONFIG),
    judgeEndpoint: { baseUrl: '', model: '' },
    userEndpoint: { baseUrl: '', model: '' },
  };
}

/** "Qwen/Qwen2.5-0.5B-Instruct" or a full https URL → the folder URL the weights are fetched from. */
export function huggingFaceUrl(idOrUrl: string): string {
  const s = idOrUrl.trim();
  if (/^https?:\/\//.test(s)) return s.endsWith('/') ? s : `${s}/`;
  if (!/^[\w.-]+\/[\w.-]+$/.test(s)) throw new Error(`"${s}" is neither a Hugging Face model id (organisation/name) nor an http(s) URL`);
  return `https://huggingface.co/${s}/resolve/main/`;
}

export function policyLabel(p: PolicyChoice): string {
  switch (p.kind) {
    case 'builtin': return `built-in ${p.name}`;
    case 'hf': return p.id;
    case 'folder': return `local folder ${p.name}`;
    case 'tiny': return `tiny random model (seed ${p.seed})`;
  }
}

/** Sets a dotted config path ("reward.terminal") to a value, on a copy. */
export function setConfigPath(config: TrainConfig, path: string, value: unknown): TrainConfig {
  const out = structuredClone(config) as unknown as Record<string, unknown>;
  const keys = path.split('.');
  let target = out;
  for (const k of keys.slice(0, -1)) target = target[k] as Record<string, unknown>;
  target[keys.at(-1)!] = value;
  return out as unknown as TrainConfig;
}

export function getConfigPath(config: TrainConfig, path: string): unknown {
  return path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], config);
}

/** Text typed into a field: a number when it reads as one, JSON for schedules/lists, else the text (the validator names the problem). */
export function parseField(text: string): unknown {
  const t = text.trim();
  if (t !== '' && Number.isFinite(Number(t))) return Number(t);
  if (t === 'null') return null;
  if (/^[[{]/.test(t)) {
    try {
      return JSON.parse(t);
    } catch {
      return text;
    }
  }
  return text;
}

export function formatField(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

const SPEECH_ON_TOY = 'Speech episodes need the τ-bench retail task (the toy task has no customer turns to hear): set the speech share to 0.';

/** The setup problems that concern the speech fields: their config validation messages, and speech on the toy task. */
export function speechFieldProblems(problems: readonly string[]): string[] {
  return problems.filter((p) => p === SPEECH_ON_TOY || /^(speechShare|speech)[.:[]/.test(p));
}

/** Every problem with the setup, one sentence each (empty: ready to start). */
export function setupProblems(s: SetupState, hasFolderFiles: boolean): string[] {
  const problems: string[] = [];
  if (!s.policy) problems.push('Choose a policy model.');
  else if (s.policy.kind === 'folder' && !hasFolderFiles) problems.push(`Choose the local folder "${s.policy.name}" again: its files are only kept in memory and were lost on reload.`);
  if (s.policy?.kind === 'tiny' && s.task !== 'toy') problems.push('The tiny random model has no tokenizer: it can only run the toy task.');
  try {
    const c = resolveConfig(s.config);
    if (c.episode.judge === 'openai' && (!s.judgeEndpoint.baseUrl || !s.judgeEndpoint.model)) problems.push('episode.judge is "openai": give the judge endpoint\'s base URL and model.');
    if (c.episode.user === 'openai' && (!s.userEndpoint.baseUrl || !s.userEndpoint.model)) problems.push('episode.user is "openai": give the user simulator endpoint\'s base URL and model.');
    if (s.task === 'toy' && canExceedZero(c.speechShare)) problems.push(SPEECH_ON_TOY);
  } catch (e) {
    if (e instanceof ConfigError) problems.push(...e.problems);
    else throw e;
  }
  return problems;
}

/** What a stored run records about its setup (never an API key or a folder's files). */
export interface RunSetup {
  policy: PolicyChoice;
  task: TaskFamily;
  device: DeviceKind;
  judgeEndpoint?: Endpoint;
  userEndpoint?: Endpoint;
}

/** The run config kept in the RunStore: the training config plus a `studio` section for resume. */
export type StoredRunConfig = TrainConfig & { studio: RunSetup };

export function storedRunConfig(s: SetupState): StoredRunConfig {
  if (!s.policy) throw new Error('no policy model chosen');
  const config = resolveConfig(s.config);
  return {
    ...config,
    studio: {
      policy: s.policy, task: s.task, device: s.device,
      ...(config.episode.judge === 'openai' ? { judgeEndpoint: s.judgeEndpoint } : {}),
      ...(config.episode.user === 'openai' ? { userEndpoint: s.userEndpoint } : {}),
    },
  };
}

/** Splits a stored run config back; a clear error for runs not started from this studio. */
export function parseStoredRunConfig(config: unknown, runId: string): { train: TrainConfig; setup: RunSetup } {
  const c = config as Partial<StoredRunConfig> | null;
  if (!c || typeof c !== 'object' || !c.studio || !c.studio.policy) throw new Error(`run ${runId} does not record which policy model it trained, so it cannot be resumed here`);
  const { studio, ...train } = c as StoredRunConfig;
  return { train: resolveConfig(train), setup: studio };
}
