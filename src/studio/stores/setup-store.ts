// The Setup panel's state. The choices (policy, task, config, endpoints) survive a reload through
// localStorage so a stored run can be resumed without choosing again; API keys never go there:
// they stay in memory, or in sessionStorage (this tab only) when the user opts in. A local folder's
// files stay in memory only.
import { create } from 'zustand';
import { initialSetup, type Endpoint, type PolicyChoice, type SetupState } from '../setup/setup-config.ts';
import type { TrainConfig } from '../../rl/config.ts';

const SAVED = 'tarl-setup';
const KEYS = 'tarl-api-keys';

export interface ApiKeys {
  judge: string;
  user: string;
}

/** The built-in models public/models/index.json lists ({ "models": [{ "name", "path", "description"? }] }). */
export interface BuiltinModel {
  name: string;
  url: string;
  description?: string;
}

export type BuiltinState = { status: 'checking' } | { status: 'none'; reason: string } | { status: 'found'; models: BuiltinModel[] };

interface SetupStore extends SetupState {
  keys: ApiKeys;
  rememberKeys: boolean;
  /** Files of the chosen local folder (memory only). */
  folderFiles: File[] | null;
  builtin: BuiltinState;
  setPolicy(p: PolicyChoice | null, files?: File[]): void;
  patch(p: Partial<Pick<SetupState, 'task' | 'device'>>): void;
  setConfig(c: TrainConfig): void;
  setEndpoint(which: 'judgeEndpoint' | 'userEndpoint', e: Endpoint): void;
  setKey(which: keyof ApiKeys, key: string): void;
  setRememberKeys(on: boolean): void;
  detectBuiltin(): Promise<void>;
}

function load(): SetupState {
  const base = initialSetup();
  try {
    const raw = globalThis.localStorage?.getItem(SAVED);
    if (!raw) return base;
    const saved = JSON.parse(raw) as Partial<SetupState>;
    return { ...base, ...saved, config: { ...base.config, ...saved.config } };
  } catch {
    return base; // a corrupt entry: start from the defaults
  }
}

function loadKeys(): { keys: ApiKeys; rememberKeys: boolean } {
  try {
    const raw = globalThis.sessionStorage?.getItem(KEYS);
    if (raw) return { keys: { judge: '', user: '', ...(JSON.parse(raw) as Partial<ApiKeys>) }, rememberKeys: true };
  } catch {
    // ignore: keys are simply not remembered
  }
  return { keys: { judge: '', user: '' }, rememberKeys: false };
}

function save(s: SetupStore): void {
  const { policy, task, device, config, judgeEndpoint, userEndpoint } = s;
  try {
    globalThis.localStorage?.setItem(SAVED, JSON.stringify({ policy, task, device, config, judgeEndpoint, userEndpoint }));
    if (s.rememberKeys) globalThis.sessionStorage?.setItem(KEYS, JSON.stringify(s.keys));
    else globalThis.sessionStorage?.removeItem(KEYS);
  } catch {
    // storage full or blocked: the setup still works for this page
  }
}

export const useSetup = create<SetupStore>((set, get) => {
  const update = (p: Partial<SetupStore>) => {
    set(p);
    save(get());
  };
  return {
    ...load(),
    ...loadKeys(),
    folderFiles: null,
    builtin: { status: 'checking' },
    setPolicy: (policy, files) => update({ policy, folderFiles: files ?? (policy?.kind === 'folder' ? get().folderFiles : null) }),
    patch: (p) => update(p),
    setConfig: (config) => update({ config }),
    setEndpoint: (which, e) => update({ [which]: e } as Partial<SetupStore>),
    setKey: (which, key) => update({ keys: { ...get().keys, [which]: key } }),
    setRememberKeys: (rememberKeys) => update({ rememberKeys }),
    detectBuiltin: async () => {
      set({ builtin: await findBuiltinModels() });
    },
  };
});

/** Reads /models/index.json; anything else (404, the dev server's HTML fallback, bad JSON) means none. */
export async function findBuiltinModels(base = '/models/'): Promise<BuiltinState> {
  const none: BuiltinState = { status: 'none', reason: 'No built-in model yet: this build ships no trained default model (public/models/index.json is absent).' };
  let res: Response;
  try {
    res = await fetch(`${base}index.json`, { cache: 'no-cache' });
  } catch {
    return none;
  }
  if (!res.ok || !(res.headers.get('content-type') ?? '').includes('json')) return none;
  try {
    const json = (await res.json()) as { models?: { name?: unknown; path?: unknown; description?: unknown }[] };
    const models = (json.models ?? [])
      .filter((m) => typeof m.name === 'string' && typeof m.path === 'string')
      .map((m) => ({ name: m.name as string, url: new URL(m.path as string, new URL(base, location.href)).toString(), ...(typeof m.description === 'string' ? { description: m.description } : {}) }));
    return models.length ? { status: 'found', models } : { status: 'none', reason: `No built-in model yet: ${base}index.json lists none.` };
  } catch {
    return { status: 'none', reason: `No built-in model: ${base}index.json is not valid JSON.` };
  }
}
