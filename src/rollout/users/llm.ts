// The LLM customer, following τ-bench's `llm` user strategy (tau_bench/envs/user.py,
// LLMUserSimulationEnv, MIT): the system prompt below is τ-bench's, the conversation starts from
// the agent's greeting "Hi! How can I help you today?", agent messages come in as role 'user' and
// the simulator's own replies are kept as role 'assistant'. Works with any ChatCompleter: an
// OpenAI-compatible endpoint or the local model.
import type { ChatCompleter, ChatMessageIn, ChatUsage } from '../chat-client.ts';
import type { EpisodeContext, UserSimulator } from '../types.ts';

export function tauBenchUserSystemPrompt(instruction: string): string {
  return `You are a user interacting with an agent.

Instruction: ${instruction}
Rules:
- Just generate one line at a time to simulate the user's message.
- Do not give away all the instruction at once. Only provide the information that is necessary for the current step.
- Do not hallucinate information that is not provided in the instruction. For example, if the agent asks for the order id but it is not mentioned in the instruction, do not make up an order id, just say you do not remember or have it.
- If the instruction goal is satisified, generate '###STOP###' as a standalone message without anything else to end the conversation.
- Do not repeat the exact instruction in the conversation. Instead, use your own words to convey the same information.
- Try to make the conversation as natural as possible, and stick to the personalities in the instruction.`;
}

export const AGENT_GREETING = 'Hi! How can I help you today?';

export interface LlmUserOptions {
  completer: ChatCompleter;
  temperature?: number;
  maxTokens?: number;
}

export class LlmUser implements UserSimulator {
  readonly kind: string;
  readonly name: string;
  readonly usage: ChatUsage & { costUsd: number } = { promptTokens: 0, completionTokens: 0, costUsd: 0 };
  private messages: ChatMessageIn[] = [];
  private seed = 0;

  constructor(private readonly o: LlmUserOptions) {
    this.kind = o.completer.name === 'local' ? 'local' : 'llm';
    this.name = `${o.completer.name}:${o.completer.model}`;
  }

  async start(ctx: EpisodeContext): Promise<string> {
    this.seed = ctx.seed;
    this.messages = [
      { role: 'system', content: tauBenchUserSystemPrompt(ctx.task.instruction) },
      { role: 'user', content: AGENT_GREETING },
    ];
    return this.generate();
  }

  async reply(agentMessage: string): Promise<string> {
    if (!this.messages.length) throw new Error('LlmUser.reply called before start()');
    this.messages.push({ role: 'user', content: agentMessage });
    return this.generate();
  }

  private async generate(): Promise<string> {
    const c = await this.o.completer.complete({
      messages: this.messages,
      temperature: this.o.temperature ?? 0,
      maxTokens: this.o.maxTokens ?? 512,
      seed: this.seed,
    });
    this.usage.promptTokens += c.usage.promptTokens;
    this.usage.completionTokens += c.usage.completionTokens;
    this.usage.costUsd += this.o.completer.cost?.(c.usage) ?? 0;
    const text = c.content.trim();
    this.messages.push({ role: 'assistant', content: text });
    return text;
  }
}
