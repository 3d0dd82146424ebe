// Adapts the τ-bench Retail sandbox (src/sandbox/retail) to the episode runner's EpisodeEnvironment:
// one RetailEnv (copy-on-write DB) per episode, τ-bench's output strings, and its verifier.
import { RetailEnv, loadRetailData, verifyEpisode, type RetailData, type RetailTask } from '../sandbox/retail/index.ts';
import type { EpisodeTask } from './trajectory.ts';
import type { EpisodeEnvironment } from './types.ts';

export interface RetailEnvOptions {
  /** τ-bench's required-outputs check (on by default as in τ-bench; TARL turns it off). */
  checkOutputs?: boolean;
}

// One sandbox task object per episode task, so the sandbox's ground-truth DB cache hits.
const sandboxTasks = new WeakMap<EpisodeTask, RetailTask>();
function sandboxTask(task: EpisodeTask): RetailTask {
  let t = sandboxTasks.get(task);
  if (!t) {
    t = { user_id: task.userId, actions: task.actions, outputs: task.outputs, instruction: task.instruction, task_index: task.index };
    sandboxTasks.set(task, t);
  }
  return t;
}

export function retailEnvironment(data: RetailData, task: EpisodeTask, opts: RetailEnvOptions = {}): EpisodeEnvironment {
  const env = new RetailEnv(data, sandboxTask(task));
  return {
    step: (name, kwargs) => env.step(name, kwargs).output,
    verify: (replies) => {
      for (const r of replies) env.reply(r);
      const info = verifyEpisode(env, { checkOutputs: opts.checkOutputs ?? true });
      return { reward: info.reward, info: { dbMatch: info.dbMatch, ...(info.outputs ? { outputs: info.outputs } : {}) } };
    },
  };
}

let shared: Promise<RetailData> | undefined;
/** The sandbox data, loaded once per process (Node: fs; browser: fetch). */
export function sandboxData(): Promise<RetailData> {
  // A failed load (e.g. a fetch that failed once in the browser) is not cached: the next call retries.
  shared ??= loadRetailData().catch((e: unknown) => {
    shared = undefined;
    throw e;
  });
  return shared;
}
