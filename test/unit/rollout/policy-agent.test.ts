// The policy agent on the CPU backend (tiny random model, real Qwen3 tokenizer): the prompt is the
// chat template with the tools, observations are appended as template deltas, and the recorded
// log-probs are the model's log-probs of the sampled tokens on exactly the recorded sequence.
import { beforeAll, describe, expect, it } from 'vitest';
import type { InferenceBackend } from '../../../src/model/backend.ts';
import type { ModelTokenizer } from '../../../src/model/tokenizer.ts';
import { logSoftmax } from '../../../src/model/sampling.ts';
import { PolicyAgent, toChatMessages } from '../../../src/rollout/agents/policy.ts';
import type { Turn } from '../../../src/rollout/trajectory.ts';
import type { EpisodeContext } from '../../../src/rollout/types.ts';
import { tinyPolicy } from './tiny-policy.ts';

let backend: InferenceBackend;
let tokenizer: ModelTokenizer;
beforeAll(async () => {
  ({ backend, tokenizer } = await tinyPolicy());
}, 60_000);

const tools = [
  { type: 'function', function: { name: 'get_order_details', description: 'Get an order.', parameters: { type: 'object', properties: { order_id: { type: 'string' } }, required: ['order_id'] } } },
];
const ctx: EpisodeContext = {
  task: { split: 'dev', index: 0, userId: 'u', instruction: 'x', actions: [], outputs: [] },
  systemPrompt: 'You are a retail agent.',
  tools,
  db: { users: {}, orders: {}, products: {} },
  seed: 11,
};

/** Log-probs the model gives tokens [from, to) of `ids` (row i−1 predicts token i). */
function logprobsOf(rows: Float32Array[], ids: number[], from: number, to: number): number[] {
  return ids.slice(from, to).map((tok, k) => logSoftmax(rows[from + k - 1])[tok]);
}

describe('policy agent', () => {
  it('prompts with the chat template and records exact tokens and log-probs across turns', async () => {
    const agent = new PolicyAgent(backend, tokenizer, { maxNewTokens: 5, temperature: 1, enableThinking: false });
    const turns: Turn[] = [{ role: 'system', text: ctx.systemPrompt }, { role: 'user', text: 'Where is my order #W1?' }];
    const s1 = await agent.act(ctx, turns);
    const rendered = tokenizer.applyChatTemplate(toChatMessages(turns), { tools: tools as never, addGenerationPrompt: true, enableThinking: false });
    expect(tokenizer.decode(s1.tokens!.context)).toBe(rendered);
    expect(rendered).toContain('get_order_details');
    const c1 = s1.tokens!.completion;
    expect(c1.length).toBeGreaterThan(0);
    expect(c1.length).toBeLessThanOrEqual(5);
    const ids1 = [...s1.tokens!.context, ...c1];

    // The agent "called" a tool; the observation is appended as the template's delta.
    turns.push({ role: 'assistant', agentTurn: 0, text: s1.text, toolCalls: [{ id: 'call_0_0', name: 'get_order_details', arguments: { order_id: '#W1' } }] });
    turns.push({ role: 'tool', callId: 'call_0_0', name: 'get_order_details', output: 'Error: order not found', error: true });
    const s2 = await agent.act(ctx, turns);
    const delta = tokenizer.decode(s2.tokens!.context);
    expect(delta).toContain('<tool_response>\nError: order not found\n</tool_response>');
    expect(delta.endsWith('<|im_start|>assistant\n<think>\n\n</think>\n\n')).toBe(true);
    if (s1.tokens!.finishReason !== 'stop_token') expect(delta.startsWith('<|im_end|>')).toBe(true);
    const ids2 = [...ids1, ...s2.tokens!.context, ...s2.tokens!.completion];
    // One full forward over the whole episode checks both turns' recorded log-probs.
    const rows = await backend.logits(ids2);
    logprobsOf(rows, ids2, s1.tokens!.context.length, ids1.length).forEach((v, i) => expect(s1.tokens!.logprobs[i]).toBeCloseTo(v, 4));
    logprobsOf(rows, ids2, ids1.length + s2.tokens!.context.length, ids2.length).forEach((v, i) => expect(s2.tokens!.logprobs[i]).toBeCloseTo(v, 4));
  });

  it('is deterministic for a seed and differs across seeds', async () => {
    const turns: Turn[] = [{ role: 'system', text: ctx.systemPrompt }, { role: 'user', text: 'Hello' }];
    const sampling = { maxNewTokens: 3, temperature: 1 };
    const a = await new PolicyAgent(backend, tokenizer, sampling).act(ctx, turns);
    const b = await new PolicyAgent(backend, tokenizer, sampling).act(ctx, turns);
    const c = await new PolicyAgent(backend, tokenizer, sampling).act({ ...ctx, seed: 12 }, turns);
    expect(a.tokens!.completion).toEqual(b.tokens!.completion);
    expect(c.tokens!.completion).not.toEqual(a.tokens!.completion);
  });
});
