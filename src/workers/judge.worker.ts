// The judge worker: scores trajectories off the main thread (several calls in flight, bounded by
// the client's concurrency). Thin comlink shell over src/judge. The API key stays in this worker's
// memory only (set by `configure`, never returned, never stored in results).
import * as Comlink from 'comlink';
import { OpenAIChatClient, type OpenAIChatOptions } from '../rollout/chat-client.ts';
import { LlmJudge } from '../judge/llm.ts';
import { ReferenceJudge } from '../judge/reference.ts';
import { judgeAll, type TurnJudge } from '../judge/types.ts';
import type { JudgeResult, Trajectory } from '../rollout/trajectory.ts';

let judge: TurnJudge = new ReferenceJudge();

const api = {
  /** 'reference', or an OpenAI-compatible endpoint (base URL, model, key, limits, pricing). */
  configure(c: { kind: 'reference' } | ({ kind: 'openai' } & OpenAIChatOptions)): string {
    judge = c.kind === 'reference' ? new ReferenceJudge() : new LlmJudge({ completer: new OpenAIChatClient(c) });
    return judge.name;
  },
  judge(t: Trajectory): Promise<JudgeResult> {
    return judge.judge(t);
  },
  judgeMany(ts: Trajectory[], concurrency = 4): Promise<JudgeResult[]> {
    return judgeAll(judge, ts, concurrency);
  },
  stats(): unknown {
    return judge instanceof LlmJudge ? { ...judge.stats } : null;
  },
};

export type JudgeWorkerApi = typeof api;
Comlink.expose(api);
