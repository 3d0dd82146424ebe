// Builds a judge from a plain spec (CLI flags, studio settings). The API key is passed in memory
// only; the spec is never stored with results.
import type { InferenceBackend } from '../model/backend.ts';
import type { ModelTokenizer } from '../model/tokenizer.ts';
import { OpenAIChatClient, type OpenAIChatOptions } from '../rollout/chat-client.ts';
import { LocalChatCompleter } from '../rollout/local-chat.ts';
import type { JudgeCache } from './cache.ts';
import { LlmJudge } from './llm.ts';
import { ReferenceJudge } from './reference.ts';
import type { TurnJudge } from './types.ts';

export type JudgeSpec =
  | { kind: 'reference' }
  | ({ kind: 'openai'; cache?: JudgeCache; maxAttempts?: number; maxTokens?: number } & OpenAIChatOptions)
  | { kind: 'local'; backend: InferenceBackend; tokenizer: ModelTokenizer; model: string; cache?: JudgeCache; maxAttempts?: number; maxTokens?: number };

export function createJudge(spec: JudgeSpec): TurnJudge {
  switch (spec.kind) {
    case 'reference':
      return new ReferenceJudge();
    case 'openai':
      return new LlmJudge({ completer: new OpenAIChatClient(spec), cache: spec.cache, maxAttempts: spec.maxAttempts, maxTokens: spec.maxTokens });
    case 'local':
      return new LlmJudge({ completer: new LocalChatCompleter(spec.backend, spec.tokenizer, spec.model), cache: spec.cache, maxAttempts: spec.maxAttempts, maxTokens: spec.maxTokens });
  }
}
