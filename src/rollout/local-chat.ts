// A ChatCompleter over the local model (InferenceBackend + its tokenizer's chat template), so the
// LLM user simulator and the LLM judge run on the WGSL/CPU model with the very same prompts they
// send to an OpenAI-compatible endpoint. Reasoning blocks are stripped from the reply.
import type { InferenceBackend } from '../model/backend.ts';
import type { ModelTokenizer } from '../model/tokenizer.ts';
import { parseAssistantOutput } from '../model/tool-calls.ts';
import type { ChatCompleter, ChatCompletion, ChatRequest } from './chat-client.ts';

export interface LocalChatOptions {
  /** Default for requests that set no maxTokens. */
  maxTokens?: number;
  enableThinking?: boolean;
}

export class LocalChatCompleter implements ChatCompleter {
  readonly name = 'local';
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly backend: InferenceBackend,
    private readonly tokenizer: ModelTokenizer,
    readonly model: string,
    private readonly o: LocalChatOptions = {},
  ) {}

  /** Requests run one at a time: one model, one device. */
  complete(req: ChatRequest): Promise<ChatCompletion> {
    const run = this.queue.then(() => this.once(req));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async once(req: ChatRequest): Promise<ChatCompletion> {
    const text = this.tokenizer.applyChatTemplate(req.messages, { addGenerationPrompt: true, enableThinking: this.o.enableThinking });
    const prompt = this.tokenizer.encode(text);
    const limit = this.backend.config.maxPositionEmbeddings;
    if (prompt.length >= limit) throw new Error(`local model: the prompt (${prompt.length} tokens) fills the context (${limit})`);
    const temperature = req.temperature ?? 0;
    const [r] = await this.backend.generate([prompt], {
      maxNewTokens: Math.min(req.maxTokens ?? this.o.maxTokens ?? 512, limit - prompt.length),
      temperature,
      greedy: temperature === 0,
      seed: req.seed ?? 0,
      stopTokenIds: this.tokenizer.eosTokenIds,
    });
    const content = parseAssistantOutput(this.tokenizer.decode(r.tokens)).content;
    return { content, usage: { promptTokens: prompt.length, completionTokens: r.tokens.length }, attempts: 1 };
  }
}
