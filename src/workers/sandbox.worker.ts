// The τ-bench Retail sandbox in a Web Worker: a thin comlink shell over src/sandbox/retail. Each
// episode owns its own copy-on-write DB; only the read-only source tables are shared, so any number
// of episodes (and workers) can run side by side.
import * as Comlink from 'comlink';
import {
  loadRetailData,
  passHatK,
  RetailEnv,
  verifyEpisode,
  type RetailData,
  type RetailTask,
  type RewardInfo,
  type RewardOptions,
  type StepResult,
  type ToolSchema,
} from '../sandbox/retail/index.ts';

let data: Promise<RetailData> | undefined;
const episodes = new Map<number, RetailEnv>();
let nextId = 1;

/** The data, loaded once; a failed load is forgotten so the next call retries instead of failing forever. */
function retailData(): Promise<RetailData> {
  data ??= loadRetailData().catch((e: unknown) => {
    data = undefined;
    throw e;
  });
  return data;
}

function episode(id: number): RetailEnv {
  const env = episodes.get(id);
  if (!env) throw new Error(`sandbox worker: no episode ${id} (never opened, or already closed)`);
  return env;
}

const api = {
  /** Loads the data (once) and returns what the agent's prompt needs. */
  async init(): Promise<{ tools: ToolSchema[]; wiki: string }> {
    const d = await retailData();
    return { tools: d.tools, wiki: d.wiki };
  },
  /** Opens an episode on a fresh DB; `task` is needed for verify(). Returns its id. */
  async open(task?: RetailTask): Promise<number> {
    const env = new RetailEnv(await retailData(), task);
    const id = nextId++;
    episodes.set(id, env);
    return id;
  },
  /** One tool call; never throws for bad calls (they are "Error: ..." outputs). */
  step(id: number, name: string, kwargs: unknown): StepResult {
    return episode(id).step(name, kwargs);
  },
  reply(id: number, content: string): void {
    episode(id).reply(content);
  },
  verify(id: number, opts?: RewardOptions): RewardInfo {
    return verifyEpisode(episode(id), opts);
  },
  close(id: number): void {
    episodes.delete(id);
  },
  passHatK(results: { trials: number; successes: number }[], k: number): number {
    return passHatK(results, k);
  },
};

export type SandboxApi = typeof api;
Comlink.expose(api);
