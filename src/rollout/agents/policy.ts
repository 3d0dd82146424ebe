// The policy agent: a model behind `InferenceBackend` (WebGPU engine, or the CPU backend) speaking
// its own chat format — tools in the system turn, <tool_call> JSON, tool results fed back — through
// the model's chat template. It keeps the episode's exact token sequence: the prompt it saw,
// every observation appended since, and every sampled completion with its log-probs, so the trainer
// recomputes log-probs on exactly what was sampled.
//
// Observation tokens are rendered as a template delta: in the full rendering, cut right after the
// last assistant message's end-of-turn marker (before it when the completion was cut off by the
// length limit, so the marker is supplied) and append what follows. One instance per episode.
import type { InferenceBackend } from '../../model/backend.ts';
import type { ChatMessage, ToolSchema } from '../../model/chat-template.ts';
import type { ModelTokenizer } from '../../model/tokenizer.ts';
import { parseAssistantOutput, toChatToolCalls } from '../../model/tool-calls.ts';
import { Rng } from '../../rl/rng.ts';
import type { PolicyGenerate } from './batcher.ts';
import type { Turn } from '../trajectory.ts';
import type { Agent, AgentStep, EpisodeContext } from '../types.ts';
import type { SpokenTurn } from '../trajectory.ts';
import { spokenTurnRecord, type HeardTurn } from '../../speech/hearing.ts';
import { heardSlots, withHeardTurns, type AudioMarkers } from '../../speech/markers.ts';
import type { AudioProjector } from '../../speech/projector.ts';

/** Speech episodes: every customer turn is heard (rendered, encoded, projected, spliced) instead of read. */
export interface PolicyHearing {
  markers: AudioMarkers;
  projector: AudioProjector;
  /** Hears customer turn `turn` (its index in the conversation). */
  hear(turn: number, text: string): Promise<HeardTurn>;
}

export interface PolicySampling {
  maxNewTokens: number;
  temperature: number;
  topK?: number;
  topP?: number;
  /** Qwen3 templates: false renders an empty <think></think> (no reasoning). */
  enableThinking?: boolean;
}

export const DEFAULT_POLICY_SAMPLING: PolicySampling = { maxNewTokens: 512, temperature: 1 };

const END_OF_TURN = '<|im_end|>';

/** The conversation in the chat-template shape (the system turn is the agent's system prompt). */
export function toChatMessages(turns: readonly Turn[]): ChatMessage[] {
  return turns.map((t): ChatMessage => {
    switch (t.role) {
      case 'system':
        return { role: 'system', content: t.text };
      case 'user':
        return { role: 'user', content: t.text };
      case 'tool':
        return { role: 'tool', content: t.output, name: t.name || 'error' };
      case 'assistant':
        return t.toolCalls.length
          ? { role: 'assistant', content: t.text, tool_calls: toChatToolCalls(t.toolCalls.map((c) => ({ name: c.name, arguments: (c.arguments ?? {}) as Record<string, unknown>, raw: '' }))) }
          : { role: 'assistant', content: t.text };
    }
  });
}

export class PolicyAgent implements Agent {
  readonly kind = 'policy';
  readonly name: string;
  private ids: number[] = [];
  private lastAssistantMessage = -1;
  private lastStopped = true;

  private readonly generate: PolicyGenerate;
  private readonly heard = new Map<number, HeardTurn>();

  /** `generate` defaults to one backend call per turn; pass a LockstepBatcher member's to batch a group. */
  constructor(
    private readonly backend: InferenceBackend,
    private readonly tokenizer: ModelTokenizer,
    private readonly sampling: PolicySampling = DEFAULT_POLICY_SAMPLING,
    name = 'policy',
    generate?: PolicyGenerate,
    private readonly hearing?: PolicyHearing,
  ) {
    this.name = name;
    this.generate = generate ?? (async (prompt, opts) => (await backend.generate([prompt], opts))[0]);
  }

  /** Customer turns as the policy receives them: text, or (speech episodes) the audio markers. */
  private async messagesFor(turns: readonly Turn[]): Promise<ChatMessage[]> {
    const messages = toChatMessages(turns);
    const h = this.hearing;
    if (!h) return messages;
    for (const [i, t] of turns.entries()) if (t.role === 'user' && !this.heard.has(i)) this.heard.set(i, await h.hear(i, t.text));
    return withHeardTurns(messages, this.heard, h.markers, (T) => h.projector.tokensFor(T));
  }

  /** The projected rows of every audio slot of the prompt, and the slots new in this step's context. */
  private splice(prompt: number[], contextStart: number): { rows: ReturnType<AudioProjector['rows']>['rows']; spoken: SpokenTurn[] } {
    const h = this.hearing!;
    const { slots, turns } = heardSlots(prompt, this.heard, h.markers, (T) => h.projector.tokensFor(T));
    const spoken = slots.flatMap((s, j): SpokenTurn[] => (s.bos < contextStart ? [] : [spokenTurnRecord(this.heard.get(turns[j]!)!, turns[j]!, s.bos, s.count)]));
    return { rows: h.projector.rows(slots).rows, spoken };
  }

  async act(ctx: EpisodeContext, turns: readonly Turn[]): Promise<AgentStep> {
    const messages = await this.messagesFor(turns);
    const opts = { tools: ctx.tools as ToolSchema[], enableThinking: this.sampling.enableThinking };
    const full = this.tokenizer.applyChatTemplate(messages, { ...opts, addGenerationPrompt: true });
    let contextText = full;
    if (this.ids.length) {
      // The last assistant message ends at the n-th end-of-turn marker of the full rendering, n being
      // the markers in the rendering up to that message (templates may re-render earlier turns —
      // Qwen3 drops their <think> block — so the texts before the cut need not be identical).
      const prev = this.tokenizer.applyChatTemplate(messages.slice(0, this.lastAssistantMessage + 1), { ...opts, addGenerationPrompt: false });
      const n = prev.split(END_OF_TURN).length - 1;
      let pos = -1;
      for (let i = 0; i < n; i++) {
        pos = full.indexOf(END_OF_TURN, pos + 1);
        if (pos < 0) break;
      }
      if (pos < 0) throw new Error(`chat template: cannot find the end of the last assistant turn (${END_OF_TURN} #${n}) in the rendered conversation`);
      contextText = full.slice(this.lastStopped ? pos + END_OF_TURN.length : pos);
    }
    const context = this.tokenizer.encode(contextText);
    const prompt = [...this.ids, ...context];
    const limit = this.backend.config.maxPositionEmbeddings;
    if (prompt.length >= limit) throw new Error(`the conversation (${prompt.length} tokens) fills the model's context (${limit})`);
    const agentTurn = turns.filter((t) => t.role === 'assistant').length;
    const spliced = this.hearing ? this.splice(prompt, this.ids.length) : null;
    const r = await this.generate(prompt, {
      ...(spliced ? { promptEmbeddings: [spliced.rows] } : {}),
      maxNewTokens: Math.min(this.sampling.maxNewTokens, limit - prompt.length),
      temperature: this.sampling.temperature,
      greedy: this.sampling.temperature === 0,
      topK: this.sampling.topK,
      topP: this.sampling.topP,
      seed: Rng.fromSeed(ctx.seed).fork(`policy-turn-${agentTurn}`).nextU32(),
      stopTokenIds: this.tokenizer.eosTokenIds,
    });
    this.ids = [...prompt, ...r.tokens];
    this.lastAssistantMessage = messages.length; // the turn about to be appended
    this.lastStopped = r.finishReason === 'stop_token';
    const raw = this.tokenizer.decode(r.tokens);
    const parsed = parseAssistantOutput(raw);
    return {
      text: parsed.content,
      raw,
      toolCalls: parsed.toolCalls.map((c) => ({ name: c.name, arguments: c.arguments })),
      ...(parsed.errors.length ? { parseError: parsed.errors.map((e) => e.message).join('; ') } : {}),
      tokens: { context, completion: r.tokens, logprobs: r.logprobs, finishReason: r.finishReason },
      ...(spliced?.spoken.length ? { speech: spliced.spoken } : {}),
    };
  }
}
