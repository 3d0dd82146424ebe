// The LLM judge over any ChatCompleter: an OpenAI-compatible endpoint (TARL used GPT-4.1) or the
// local model, with the same prompt (prompt.ts). Invalid replies are retried; a judge that still
// fails (HTTP errors after the client's own retries, or invalid replies) yields a flagged neutral
// score, never an exception. Results are cached by request.
import type { ChatCompleter, ChatRequest } from '../rollout/chat-client.ts';
import { agentTurns, type JudgeResult, type Trajectory } from '../rollout/trajectory.ts';
import { sha256Json, MemoryJudgeCache, type JudgeCache } from './cache.ts';
import { buildJudgeMessages, JUDGE_PROMPT_VERSION } from './prompt.ts';
import { parseJudgeReply } from './reply.ts';
import { flaggedNeutral, type TurnJudge } from './types.ts';

export interface LlmJudgeOptions {
  completer: ChatCompleter;
  cache?: JudgeCache;
  /** Attempts at getting a valid reply (each may itself retry HTTP errors). Default 3. */
  maxAttempts?: number;
  temperature?: number;
  maxTokens?: number;
}

export interface JudgeStats {
  judged: number;
  cacheHits: number;
  flagged: number;
  invalidReplies: number;
  promptTokens: number;
  completionTokens: number;
  costUsd: number;
}

export class LlmJudge implements TurnJudge {
  readonly name: string;
  readonly stats: JudgeStats = { judged: 0, cacheHits: 0, flagged: 0, invalidReplies: 0, promptTokens: 0, completionTokens: 0, costUsd: 0 };
  private readonly cache: JudgeCache;

  constructor(private readonly o: LlmJudgeOptions) {
    this.name = `${o.completer.name}:${o.completer.model}`;
    this.cache = o.cache ?? new MemoryJudgeCache();
  }

  async judge(t: Trajectory): Promise<JudgeResult> {
    this.stats.judged++;
    try {
      return await this.judgeOrThrow(t);
    } catch (e) {
      // Whatever else goes wrong (a malformed trajectory, ...) is a judge failure too: a flagged
      // neutral score, never a rejection that would end a training run.
      this.stats.flagged++;
      const turns = Array.isArray(t?.turns) ? agentTurns(t).length : 0;
      return flaggedNeutral(this.name, turns, `judge failed: ${(e as Error)?.message ?? String(e)}`);
    }
  }

  private async judgeOrThrow(t: Trajectory): Promise<JudgeResult> {
    const { messages, agentTurnCount } = buildJudgeMessages(t);
    if (agentTurnCount === 0) return { judge: this.name, turns: [], flagged: false };
    const req: ChatRequest = { messages, temperature: this.o.temperature ?? 0, maxTokens: this.o.maxTokens ?? 4096, json: true };
    // The cache only saves calls: without a key (no Web Crypto outside secure contexts) or with a
    // failing cache (full disk, IndexedDB error) the judge still judges, uncached.
    const key = await sha256Json({ v: JUDGE_PROMPT_VERSION, model: this.o.completer.model, req }).catch(() => undefined);
    const hit = key === undefined ? undefined : await this.cacheGet(key);
    if (hit) {
      this.stats.cacheHits++;
      return { ...hit, usage: { promptTokens: 0, completionTokens: 0, costUsd: 0, attempts: 0, cached: true } };
    }
    const usage = { promptTokens: 0, completionTokens: 0, costUsd: 0, cached: false, attempts: 0 };
    let error = 'no attempt made';
    for (let attempt = 0; attempt < (this.o.maxAttempts ?? 3); attempt++) {
      let content: string;
      try {
        const c = await this.o.completer.complete(req);
        usage.attempts += c.attempts;
        usage.promptTokens += c.usage.promptTokens;
        usage.completionTokens += c.usage.completionTokens;
        usage.costUsd += this.o.completer.cost?.(c.usage) ?? 0;
        content = c.content;
      } catch (e) {
        error = (e as Error).message; // the client already retried transient errors
        break;
      }
      const parsed = parseJudgeReply(content, agentTurnCount);
      if (parsed.ok) {
        this.account(usage);
        const result: JudgeResult = { judge: this.name, turns: parsed.turns, flagged: false, ...(parsed.repaired ? { repaired: true } : {}), usage };
        if (key !== undefined) await this.cacheSet(key, result);
        return result;
      }
      this.stats.invalidReplies++;
      error = parsed.error;
    }
    this.account(usage);
    this.stats.flagged++;
    return { ...flaggedNeutral(this.name, agentTurnCount, `judge failed: ${error}`), usage };
  }

  private async cacheGet(key: string): Promise<JudgeResult | undefined> {
    try {
      return await this.cache.get(key);
    } catch {
      return undefined;
    }
  }

  private async cacheSet(key: string, value: JudgeResult): Promise<void> {
    try {
      await this.cache.set(key, value);
    } catch {
      // not cached: the result itself stands
    }
  }

  private account(u: { promptTokens: number; completionTokens: number; costUsd: number }): void {
    this.stats.promptTokens += u.promptTokens;
    this.stats.completionTokens += u.completionTokens;
    this.stats.costUsd += u.costUsd;
  }
}
